"""The ship_late steps' deadlines are armed when ship_timeout's comes due (issue 13: memory): an
order shipped in time keeps one order deadline waiting at a time, not one for each step from its
payment on, and its retention is where the steps' deadlines put it before."""
from __future__ import annotations

from detectors.retention import EXPIRE
from detectors.sides import deadline, order_input
from detectors.state import OrderState
from stream.policies import load_policy

from .test_rule_cases import T0, build, ms

PLATFORM = load_policy("platform-2026-07")
SEED = load_policy("seed-v1")
DEADLINE = T0 + ms("48h")


def opened(events: list, policy=PLATFORM):
    """The order's state after its events, and the deadlines its payment set (expiry aside)."""
    state, timers = OrderState(), []
    for event in build({"events": events}):
        step = order_input(state, event, policy)
        timers += [t for t in step.timers if t.rule != EXPIRE]
    return state, timers


def rules_due(timers) -> list:
    return [(t.rule, t.due - T0) for t in timers if t.rule != EXPIRE]


def test_the_payment_sets_only_ship_timeouts_deadline():
    _, timers = opened([{"paid": {"order": "o1", "at": "0h"}}])
    assert rules_due(timers) == [("ship_timeout", ms("48h"))]


def test_an_order_shipped_in_time_waits_for_the_last_step_only_and_is_kept_as_long():
    state, (timer,) = opened([{"paid": {"order": "o1", "at": "0h"}},
                              {"upload": {"order": "o1", "parcel": "ZTO:1", "at": "1h"}}])
    step = deadline(state, timer, PLATFORM)
    assert step.decisions == [] and rules_due(step.timers) == [("ship_late_96h", ms("144h"))]
    assert state.keep_until == DEADLINE + ms("96h") + PLATFORM.retention_ms


def test_a_late_order_waits_for_every_step():
    state, (timer,) = opened([{"paid": {"order": "o1", "at": "0h"}}])
    step = deadline(state, timer, PLATFORM)
    assert [d.rule for d in step.decisions] == ["ship_timeout"]
    assert rules_due(step.timers) == [("ship_late_48h", ms("96h")), ("ship_late_96h", ms("144h"))]


def test_a_policy_without_steps_arms_nothing_more():
    state, (timer,) = opened([{"paid": {"order": "o1", "at": "0h"}}], SEED)
    step = deadline(state, timer, SEED)
    assert [d.rule for d in step.decisions] == ["ship_timeout"] and rules_due(step.timers) == []
