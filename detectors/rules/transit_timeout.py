"""transit_timeout (中转超时, policy platform-2026-07) -- between the parcel's
first hub record and its first delivering/signed scan, no scan for longer than
the limit (transit.py: 48 h within a province or region, 72 h across provinces,
120 h with a remote end). Decided when the silence passes the limit, for the
orders then bound; an order bound after the silence passed is decided at its
upload. A scan exactly at the limit is in time.

One standing deadline per binding: when it comes due and the parcel was
scanned since, it moves to the latest scan + the limit (like retention.py).
"""
from __future__ import annotations

from ..decisions import TIMEOUT, Timer
from ..events import CarrierScan
from ..messages import PARCEL, Bind
from ..state import ParcelState
from ..transit import limit_ms
from .base import Rule, decide

NAME = "transit_timeout"


def _timer(state: ParcelState, bind: Bind, policy) -> Timer:
    due = state.transit.last_at + limit_ms(state.transit.origin, bind.order, policy.transit)
    return Timer(due, NAME, PARCEL, state.key, bind.order.order_id, state.key, ref=bind.uploaded_at)


def on_input(state: ParcelState, item, policy):
    t = state.transit
    if t is None or t.last_at is None:
        return ()
    if isinstance(item, CarrierScan):       # the window opens: watch every order bound now
        if state.first_hub_id != item.event_id or t.ended:
            return ()
        return tuple(_timer(state, b, policy) for b in state.bound)
    if not isinstance(item, Bind):
        return ()
    limit = limit_ms(t.origin, item.order, policy.transit)
    parcel = (state.carrier, state.waybill_no)
    if t.widest > limit:
        return (decide(NAME, item.order, parcel, item.uploaded_at, t.widest_from, item.event_id),)
    if t.ended:
        return ()
    if t.last_at + limit < item.uploaded_at:
        return (decide(NAME, item.order, parcel, item.uploaded_at, t.last_id, item.event_id),)
    return (_timer(state, item, policy),)


def on_deadline(state: ParcelState, timer: Timer, policy):
    bind, t = state.binding_of(timer.order_id), state.transit
    if bind is None or bind.uploaded_at != timer.ref or t is None or t.ended:
        return ()
    again = _timer(state, bind, policy)
    if again.due > timer.due:                # scanned since: the silence starts again
        return (again,)
    return (decide(NAME, bind.order, (state.carrier, state.waybill_no), timer.due, t.last_id, bind.event_id),)


RULE = Rule(NAME, TIMEOUT, PARCEL, on_input=on_input, on_deadline=on_deadline, reads=(Bind, CarrierScan))
