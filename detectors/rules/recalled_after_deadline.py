"""recalled_after_deadline -- a waybill uploaded at or before the order's
shipping deadline (paid_at + ship_within_hours) is cancelled after it.
Decided at the cancel."""
from __future__ import annotations

from ..decisions import FAKE_SHIPPING
from ..messages import ORDER, Unbind
from ..state import OrderState
from .base import Rule, decide

NAME = "recalled_after_deadline"


def on_input(state: OrderState, item, policy):
    if isinstance(item, Unbind) and item.bound_at <= item.order.deadline < item.cancelled_at:
        return (decide(NAME, item.order, (item.carrier, item.waybill_no), item.cancelled_at,
                       item.bound_event_id, item.event_id),)
    return ()


RULE = Rule(NAME, FAKE_SHIPPING, ORDER, on_input=on_input, reads=(Unbind,))
