"""The offline engine's expiry deadlines kept by hour (retention.Expiries) forget exactly what
Timers in the agenda, taken in the total order, forgot: same outputs, same keys and states, at
every point of a run. A short retention makes forgetting (and keys starting afresh) common."""
from __future__ import annotations

import dataclasses

import orjson
import pytest

from detectors.engine import Engine
from detectors.retention import expiry_timer
from stream.eventlog import parse_line
from stream.offline import decode
from stream.policies import load_policy
from stream.tools.synth import generate

HOUR = 3_600_000


class TimerExpiries:
    """As before: each key's expiry a Timer in the agenda (sides.deadline forgets the key)."""

    def __init__(self, agenda):
        self.agenda = agenda

    def add(self, side, key, due):
        self.agenda.add(expiry_timer(side, key, due))

    def sweep(self, through, whole=False):
        pass


def live(engine: Engine) -> dict:
    """Each side's states the watermark has not forgotten, without the expiry bookkeeping."""
    return {side: {k: dataclasses.replace(s, expiry_due=None) for k, s in table.items()
                   if s.keep_until > engine.final_through}
            for side, table in engine.states.items()}


@pytest.mark.parametrize("policy_name,retention_h", [("seed-v1", 3), ("platform-2026-07", 26), ("seed-v1", 24 * 31)])
def test_expiries_by_hour_forget_what_deadlines_forgot(policy_name, retention_h):
    policy = dataclasses.replace(load_policy(policy_name), retention_ms=retention_h * HOUR)
    lines, _ = generate(600, 5, 3, platform_cases=policy_name != "seed-v1")
    events = [e for e in (decode(parse_line(n, orjson.dumps(x))) for n, x in enumerate(lines, 1))
              if not hasattr(e, "reason")]
    by_hour, by_timer = Engine(policy, 300_000), Engine(policy, 300_000)
    by_timer._expiries = TimerExpiries(by_timer._agenda)
    for n, event in enumerate(events):
        by_hour.offer(event)
        by_timer.offer(event)
        if n % 997 == 0:
            assert live(by_hour) == live(by_timer), n
    assert by_hour.finish() == by_timer.finish()
    assert by_hour.counts == by_timer.counts
    assert {s: set(t) for s, t in by_hour.states.items()} == {s: set(t) for s, t in by_timer.states.items()}
    assert live(by_hour) == live(by_timer)
    if retention_h < 24:
        assert by_hour.violations != [], "the run decides something"
