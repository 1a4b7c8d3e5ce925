"""not_received -- a bound parcel has no `signed` scan at or before its upload
+ 15 days. Decided at that deadline, for a binding still in force then
(a cancel, or a cancel and a fresh upload, replaces the deadline)."""
from __future__ import annotations

from ..decisions import FAKE_SHIPPING, Timer
from ..messages import PARCEL, Bind
from ..state import ParcelState
from .base import Rule, decide

NAME = "not_received"


def on_input(state: ParcelState, item, policy):
    if isinstance(item, Bind):
        due = item.uploaded_at + policy.not_received_ms
        return (Timer(due, NAME, PARCEL, state.key, item.order.order_id, state.key, ref=item.uploaded_at),)
    return ()


def on_deadline(state: ParcelState, timer: Timer, policy):
    bind = state.bound.get(timer.order_id)
    if bind is None or bind.uploaded_at != timer.ref:
        return ()
    if state.first_signed is not None and state.first_signed[0] <= timer.due:
        return ()
    return (decide(NAME, bind.order, (state.carrier, state.waybill_no), timer.due, bind.event_id),)


RULE = Rule(NAME, FAKE_SHIPPING, PARCEL, on_input=on_input, on_deadline=on_deadline)
