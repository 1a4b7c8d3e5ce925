"""pickup_before_payment -- the parcel's first `collected` scan is earlier than
the order's paid_at. Decided at the later of the three events (payment,
upload, first collected scan)."""
from __future__ import annotations

from ..decisions import FAKE_SHIPPING
from ..events import CarrierScan
from ..messages import PARCEL, Bind
from ..state import ParcelState
from .base import Rule, decide

NAME = "pickup_before_payment"


def on_input(state: ParcelState, item, policy):
    at = state.first_collected
    if at is None:
        return ()
    if isinstance(item, Bind):
        binds = (item,)
    elif isinstance(item, CarrierScan) and item.event_id == state.first_collected_id:
        binds = state.bound
    else:
        return ()
    first = (at, state.first_collected_id)
    return tuple(
        decide(NAME, b.order, (state.carrier, state.waybill_no), item.sort_key[0],
               *_chronological((first, (b.order.paid_at, b.order.paid_event_id), (b.uploaded_at, b.event_id))))
        for b in binds if at < b.order.paid_at
    )


def _chronological(seen) -> list[str]:
    return [event_id for _, event_id in sorted(seen)]


RULE = Rule(NAME, FAKE_SHIPPING, PARCEL, on_input=on_input, reads=(Bind, CarrierScan), scans=("collected",))
