"""Watermarks across the repartition, Flink style: marks travel with the data.

Every input partition of the platform's topics is a source. The ingest stage
sends, for each source it reads, a mark into every partition of every stage
input topic: `w`, the time through which that source is final (largest event
time read minus the allowed lateness, minus 1 ms), `m`, the largest event time
its worker has read, and `idle`, set when the source is caught up and quiet.
Each keyed stage partition sends its own mark downstream after it has taken
everything through its `w`, so its messages always precede the mark that
covers them (one producer, one partition: Kafka keeps the order).

A stage partition may take everything through:
  min( min over busy ingest sources of w   -- or, when every ingest source is
         idle, the largest m: the whole input is quiet and the lateness closed,
       min over upstream stage partitions of w )
and knows nothing until it has heard from every source. A restarted worker
has not re-read what its group already committed, so each stage partition
keeps its w and its largest known m in a table and starts from them.
"""
from __future__ import annotations

from dataclasses import dataclass

INGEST = "ingest:"   # source names: "ingest:<topic>" or "stage:<name>"


@dataclass(slots=True)
class Mark:
    w: int
    m: int
    idle: bool


class Frontier:
    def __init__(self, ingest_topics: tuple[str, ...], upstream: dict[str, int]):
        self.ingest_topics = ingest_topics            # platform topics whose partitions feed us
        self.of: dict[str, int] = {f"stage:{s}": n for s, n in upstream.items()}
        self.marks: dict[tuple[str, int], Mark] = {}
        self.floor_m: int | None = None               # the largest time known before a restart

    def update(self, doc: dict) -> None:
        """Take one mark; a source's w never goes back (a new owner may know less)."""
        key = (doc["src"], doc["p"])
        self.of[doc["src"]] = doc["of"]
        old = self.marks.get(key)
        if old is None:
            self.marks[key] = Mark(doc["w"], doc["m"], doc["idle"])
        else:
            old.w, old.m, old.idle = max(old.w, doc["w"]), max(old.m, doc["m"]), doc["idle"]

    def _sources(self, prefix_match) -> list[Mark] | None:
        names = [n for n in self.of if prefix_match(n)]
        found = []
        for name in names:
            for p in range(self.of[name]):
                mark = self.marks.get((name, p))
                if mark is None:
                    return None
                found.append(mark)
        return found

    def through(self) -> int | None:
        if any(INGEST + t not in self.of for t in self.ingest_topics):
            return None
        ingest = self._sources(lambda n: n.startswith(INGEST))
        stages = self._sources(lambda n: not n.startswith(INGEST))
        if ingest is None or stages is None:
            return None
        busy = [mark.w for mark in ingest if not mark.idle]
        bounds = [min(busy) if busy else self.max_seen()] if ingest else []
        bounds += [mark.w for mark in stages]
        return min(bounds) if bounds else None

    def idle(self) -> bool:
        return bool(self.marks) and all(mark.idle for mark in self.marks.values())

    def max_seen(self) -> int | None:
        known = [mark.m for mark in self.marks.values()] + ([self.floor_m] if self.floor_m is not None else [])
        return max(known, default=None)


def mark_doc(src: str, partition: int, of: int, w: int, m: int, idle: bool, **extra) -> dict:
    return {"src": src, "p": partition, "of": of, "w": w, "m": m, "idle": idle, **extra}
