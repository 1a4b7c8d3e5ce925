"""route_address_mismatch -- a `delivering` or `signed` scan of a bound parcel
has a city other than the order's city (杭州 = 杭州市). Decided at the scan, or
at the upload when the scan came first. A scan without a city says nothing."""
from __future__ import annotations

from ..decisions import FAKE_SHIPPING
from ..events import CarrierScan
from ..messages import PARCEL, Bind
from ..places import normalize_place
from ..state import ParcelState
from .base import Rule, decide

NAME = "route_address_mismatch"
DELIVERY_STATUSES = ("delivering", "signed")


def on_input(state: ParcelState, item, policy):
    parcel = (state.carrier, state.waybill_no)
    if isinstance(item, CarrierScan) and item.status in DELIVERY_STATUSES and item.city:
        city = normalize_place(item.city)
        return tuple(
            decide(NAME, b.order, parcel, item.scanned_at, b.event_id, item.event_id)
            for b in state.bound if normalize_place(b.order.address.city) != city
        )
    if isinstance(item, Bind):
        home = normalize_place(item.order.address.city)
        for city, scan_id in state.deliveries:   # first scan per city, oldest first
            if city != home:
                return (decide(NAME, item.order, parcel, item.uploaded_at, scan_id, item.event_id),)
    return ()


RULE = Rule(NAME, FAKE_SHIPPING, PARCEL, on_input=on_input, reads=(Bind, CarrierScan),
            scans=DELIVERY_STATUSES)
