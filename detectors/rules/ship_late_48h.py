"""ship_late_48h (发货超时 more than 48 h late, policy platform-2026-07) -- the
order got ship_timeout and still has no bound waybill at its shipping deadline
+ 48 h (the step's `late_over`, policy data): it ships more than 48 h late, if
at all. An upload exactly then is in time for the step. Decided at that time;
its penalty is what this step adds to the one before (penalties.py).

The steps' deadlines are armed by ship_timeout's, at the shipping deadline
(`later_steps`), not at the payment: a step can only decide for an order that
ship_timeout decided, and nearly every order ships in time. Armed at the payment,
each order kept every step's deadline waiting for days (issue 13: ~20 MB of a
100 000-order run's peak)."""
from __future__ import annotations

from ..decisions import TIMEOUT, Timer
from ..messages import ORDER
from ..state import OrderState
from .base import Rule, decide

NAME = "ship_late_48h"


def later_steps(order_id: str, deadline: int, late: bool, policy) -> tuple[Timer, ...]:
    """The lateness steps' deadlines, armed when ship_timeout's came due at `deadline`: every
    step's when ship_timeout decided (`late`), else only the last one's. That one decides nothing
    then, but keeps the order's retention (retention.py) where the steps' deadlines put it."""
    steps = policy.ship_late.steps[1:] if policy.ship_late is not None else ()   # [0] is ship_timeout
    return tuple(Timer(deadline + step.late_over_ms, step.rule, ORDER, order_id, order_id, None)
                 for step in (steps if late else steps[-1:]))


def step_rule(name: str) -> Rule:
    """A lateness step of ship_timeout; its offset is the policy's ship_late step for `name`."""

    def on_deadline(state: OrderState, timer: Timer, policy):
        order = state.order
        if order is None or state.bindings or ("ship_timeout", order.order_id, "") not in state.fired:
            return ()
        return (decide(name, order, None, timer.due, order.paid_event_id),)

    return Rule(name, TIMEOUT, ORDER, on_deadline=on_deadline)


RULE = step_rule(NAME)
