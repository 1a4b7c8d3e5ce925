"""Which marks go where each tick, and which of them a target has not heard yet.

One message per target partition per tick: a stage topic hears the ingest's marks and its
upstream stages' marks together. Only marks that moved are sent again: a mark is a few
hundred bytes, and at 64 partitions the unchanged ones were most of what the worker produced.
"""
from __future__ import annotations

import time

from .marks import mark_doc
from .stage import NEVER, Stage
from .topology import FED_BY_INGEST, UPSTREAM

PROGRESS = "progress"
REFRESH_SECONDS = 5.0      # wall time: pacing only, never a decision


def downstream(stage: str) -> list[str]:
    """The stages a stage's marks go to; the last one's go to the progress topic."""
    return [d for d, ups in UPSTREAM.items() if stage in ups] or [PROGRESS]


def stage_marks(name: str, stage: Stage, partitions: int) -> list[dict]:
    """Each partition's own mark once its watermark has moved: its w, and the largest time it knows."""
    return [mark_doc(f"stage:{name}", p, partitions, part.through, part.frontier.max_seen() or part.through,
                     part.frontier.idle())
            for p, part in sorted(stage.parts.items()) if part.through > NEVER]


def mark_plan(ingest_marks: list[dict], stages: dict[str, Stage], partitions: int) -> dict[str, list[dict]]:
    """target -> the marks it hears: the ingest's (stages fed by it, and progress for collect),
    then each stage's own, downstream."""
    plan = {target: list(ingest_marks) for target in (*FED_BY_INGEST, PROGRESS)}
    for name, stage in stages.items():
        marks = stage_marks(name, stage, partitions)
        for target in downstream(name):
            plan.setdefault(target, []).extend(marks)
    return plan


class MarkFilter:
    """What each target last heard from each source. Everything is sent again after a
    rebalance (`forget`: a new owner of a stage partition must hear from every source), and
    the progress topic's marks every `refresh` seconds, so a reader that starts on a quiet
    stream (`collect` reads that topic from its end) still hears them. None: never (the driver)."""

    def __init__(self, refresh: float | None = REFRESH_SECONDS, clock=time.monotonic):
        self.refresh, self.clock = refresh, clock
        self.heard: dict[tuple, dict] = {}
        self.since = clock()

    def forget(self) -> None:
        self.heard.clear()

    def new(self, target: str, marks: list[dict]) -> list[dict]:
        if self.refresh is not None and self.clock() - self.since >= self.refresh:
            self.heard = {key: mark for key, mark in self.heard.items() if key[0] != PROGRESS}
            self.since = self.clock()
        fresh = [m for m in marks if self.heard.get((target, m["src"], m["p"])) != m]
        self.heard.update({(target, m["src"], m["p"]): m for m in fresh})
        return fresh
