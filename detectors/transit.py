"""The scan facts of 中转超时 (rules/transit_timeout.py), and its limit.

The window runs from the parcel's first hub record to its first delivering or
signed scan (派件). Inside it every scan is an update; the rule fires when one
update is followed by none for longer than the limit. The origin province is
fixed when the window opens: the first collected scan's, if that scan names a
known place, else the first hub record's.
"""
from __future__ import annotations

from .events import CarrierScan
from .messages import OrderFacts
from .places import normalize_place
from .policy_sections import TransitLimits
from .provinces import province_of, scan_province
from .state import ParcelState, Transit

ENDS = ("delivering", "signed")


def track(state: ParcelState, scan: CarrierScan, limits: TransitLimits) -> None:
    """Called for every new scan after first_hub is updated and before first_collected is."""
    opens = state.first_hub == scan.scanned_at and state.first_hub_id == scan.event_id
    first_collected = scan.status == "collected" and state.first_collected is None
    t = state.transit
    if t is None:
        if not (opens or first_collected):
            return
        t = state.transit = Transit()
    if t.last_at is None:                                # before the window: where the parcel starts
        if t.origin is None and (opens or first_collected):
            t.origin = scan_province(scan, limits.places)
        if opens:
            t.last_at, t.last_id, t.ended = scan.scanned_at, scan.event_id, scan.status in ENDS
        return
    if t.ended:
        return
    gap = scan.scanned_at - t.last_at
    if gap > t.widest:
        t.widest, t.widest_from = gap, t.last_id
    t.last_at, t.last_id, t.ended = scan.scanned_at, scan.event_id, scan.status in ENDS


def limit_ms(origin: str | None, order: OrderFacts, limits: TransitLimits) -> int:
    """48 h within a province or a region, 72 h across provinces, 120 h when either
    end is remote. A remote end wins over a shared province; an unknown origin is
    taken as across provinces."""
    dest = province_of(order.address.province, limits.places) or normalize_place(order.address.province)
    if origin in limits.remote or dest in limits.remote:
        return limits.remote_ms
    if origin is not None and (origin == dest or any(origin in g and dest in g for g in limits.regions)):
        return limits.same_region_ms
    return limits.across_ms
