"""ship_late_48h (发货超时 more than 48 h late, policy platform-2026-07) -- the
order got ship_timeout and still has no bound waybill at its shipping deadline
+ 48 h (the step's `late_over`, policy data): it ships more than 48 h late, if
at all. An upload exactly then is in time for the step. Decided at that time;
its penalty is what this step adds to the one before (penalties.py)."""
from __future__ import annotations

from ..decisions import TIMEOUT, Timer
from ..messages import ORDER, OrderOpened
from ..state import OrderState
from .base import Rule, decide

NAME = "ship_late_48h"


def step_rule(name: str) -> Rule:
    """A lateness step of ship_timeout; its offset is the policy's ship_late step for `name`."""

    def on_input(state: OrderState, item, policy):
        if isinstance(item, OrderOpened):
            late = next(s.late_over_ms for s in policy.ship_late.steps if s.rule == name)
            return (Timer(item.order.deadline + late, name, ORDER, item.order.order_id, item.order.order_id, None),)
        return ()

    def on_deadline(state: OrderState, timer: Timer, policy):
        order = state.order
        if order is None or state.bindings or ("ship_timeout", order.order_id, "") not in state.fired:
            return ()
        return (decide(name, order, None, timer.due, order.paid_event_id),)

    return Rule(name, TIMEOUT, ORDER, on_input=on_input, on_deadline=on_deadline, reads=(OrderOpened,))


RULE = step_rule(NAME)
