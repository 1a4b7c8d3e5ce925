"""ship_timeout -- the order has no bound waybill at its shipping deadline
(paid_at + ship_within_hours, 48 h by default). An upload exactly at the
deadline is in time. Decided at the deadline."""
from __future__ import annotations

from ..decisions import TIMEOUT, Timer
from ..messages import ORDER, OrderOpened
from ..state import OrderState
from .base import Rule, decide

NAME = "ship_timeout"


def on_input(state: OrderState, item, policy):
    if isinstance(item, OrderOpened):
        return (Timer(item.order.deadline, NAME, ORDER, item.order.order_id, item.order.order_id, None),)
    return ()


def on_deadline(state: OrderState, timer: Timer, policy):
    if state.bindings or state.order is None:
        return ()
    return (decide(NAME, state.order, None, timer.due, state.order.paid_event_id),)


RULE = Rule(NAME, TIMEOUT, ORDER, on_input=on_input, on_deadline=on_deadline, reads=(OrderOpened,))
