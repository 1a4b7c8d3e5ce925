"""no_transfer_center_24h -- no hub record of the parcel at or before its first
`collected` scan + 24 h. Decided at that deadline for the orders then bound; an
order bound after the parcel failed is decided at its upload."""
from __future__ import annotations

from ..decisions import FAKE_SHIPPING, Timer
from ..events import CarrierScan
from ..messages import PARCEL, Bind
from ..state import ParcelState
from .base import Rule, decide

NAME = "no_transfer_center_24h"


def deadline(state: ParcelState, policy) -> int | None:
    return state.first_collected[0] + policy.no_transfer_ms if state.first_collected else None


def failed_by(state: ParcelState, due: int) -> bool:
    return state.first_hub is None or state.first_hub[0] > due


def on_input(state: ParcelState, item, policy):
    due = deadline(state, policy)
    if due is None:
        return ()
    if isinstance(item, CarrierScan) and item.event_id == state.first_collected[1]:
        return (Timer(due, NAME, PARCEL, state.key, "", state.key),)
    if isinstance(item, Bind) and due < item.uploaded_at and failed_by(state, due):
        return (decide(NAME, item.order, (state.carrier, state.waybill_no), item.uploaded_at,
                       state.first_collected[1], item.event_id),)
    return ()


def on_deadline(state: ParcelState, timer: Timer, policy):
    if not failed_by(state, timer.due):
        return ()
    return tuple(
        decide(NAME, b.order, (state.carrier, state.waybill_no), timer.due, state.first_collected[1], b.event_id)
        for b in state.bound.values()
    )


RULE = Rule(NAME, FAKE_SHIPPING, PARCEL, on_input=on_input, on_deadline=on_deadline)
