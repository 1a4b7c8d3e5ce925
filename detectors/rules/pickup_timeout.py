"""pickup_timeout -- none of the order's bound waybills has a `collected` scan
by the shipping deadline + 24 h (72 h by default). An order with no bound
waybill then has none collected, so it fires too. Decided at that deadline."""
from __future__ import annotations

from ..decisions import TIMEOUT, Timer
from ..messages import PICKUP, OrderOpened
from ..state import PickupState
from .base import Rule, decide

NAME = "pickup_timeout"


def on_input(state: PickupState, item, policy):
    if isinstance(item, OrderOpened):
        due = item.order.deadline + policy.pickup_grace_ms
        return (Timer(due, NAME, PICKUP, item.order.order_id, item.order.order_id, None),)
    return ()


def on_deadline(state: PickupState, timer: Timer, policy):
    if state.order is None:
        return ()
    if any(at is not None and at <= timer.due for _, at in state.parcels):
        return ()
    return (decide(NAME, state.order, None, timer.due, state.order.paid_event_id),)


RULE = Rule(NAME, TIMEOUT, PICKUP, on_input=on_input, on_deadline=on_deadline, reads=(OrderOpened,))
