"""ship_timeout -- the order has no bound waybill at its shipping deadline
(paid_at + ship_within_hours, 48 h by default). An upload exactly at the
deadline is in time. Decided at the deadline, which also arms the deadlines of
the policy's lateness steps (ship_late_48h.py)."""
from __future__ import annotations

from ..decisions import TIMEOUT, Timer
from ..messages import ORDER, OrderOpened
from ..state import OrderState
from .base import Rule, decide
from .ship_late_48h import later_steps

NAME = "ship_timeout"


def on_input(state: OrderState, item, policy):
    if isinstance(item, OrderOpened):
        return (Timer(item.order.deadline, NAME, ORDER, item.order.order_id, item.order.order_id, None),)
    return ()


def on_deadline(state: OrderState, timer: Timer, policy):
    late = not state.bindings and state.order is not None
    steps = later_steps(timer.order_id, timer.due, late, policy)
    if not late:
        return steps
    return (decide(NAME, state.order, None, timer.due, state.order.paid_event_id),) + steps


RULE = Rule(NAME, TIMEOUT, ORDER, on_input=on_input, on_deadline=on_deadline, reads=(OrderOpened,))
