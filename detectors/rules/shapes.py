"""Two rule shapes that several rules share; each rule module names its window.

- `no_scan_after_upload`: a bound parcel has no scan of some kind at or before
  its upload + a window (not_received, collect_timeout_24h). Decided at that
  deadline, for a binding still in force then (a cancel, or a cancel and a
  fresh upload, replaces the deadline).
- `no_hub_after_pickup`: no hub record of the parcel at or before its first
  `collected` scan + a window (no_transfer_center_24h, dispatch_timeout_24h).
  Decided at that deadline for the orders then bound; an order bound after the
  parcel failed is decided at its upload.
"""
from __future__ import annotations

from typing import Callable

from ..decisions import Timer
from ..events import CarrierScan
from ..messages import PARCEL, Bind
from ..state import ParcelState
from .base import Rule, decide

Window = Callable[[object], int]                  # policy -> milliseconds
FirstAt = Callable[[ParcelState], int | None]    # state -> time of the first such scan


def no_scan_after_upload(name: str, category: str, window: Window, first_at: FirstAt) -> Rule:
    def on_input(state: ParcelState, item, policy):
        if isinstance(item, Bind):
            due = item.uploaded_at + window(policy)
            return (Timer(due, name, PARCEL, state.key, item.order.order_id, state.key, ref=item.uploaded_at),)
        return ()

    def on_deadline(state: ParcelState, timer: Timer, policy):
        bind = state.binding_of(timer.order_id)
        if bind is None or bind.uploaded_at != timer.ref:
            return ()
        at = first_at(state)
        if at is not None and at <= timer.due:
            return ()
        return (decide(name, bind.order, (state.carrier, state.waybill_no), timer.due, bind.event_id),)

    return Rule(name, category, PARCEL, on_input=on_input, on_deadline=on_deadline, reads=(Bind,))


def no_hub_after_pickup(name: str, category: str, window: Window) -> Rule:
    def failed_by(state: ParcelState, due: int) -> bool:
        return state.first_hub is None or state.first_hub > due

    def on_input(state: ParcelState, item, policy):
        if state.first_collected is None:
            return ()
        due = state.first_collected + window(policy)
        if isinstance(item, CarrierScan) and item.event_id == state.first_collected_id:
            return (Timer(due, name, PARCEL, state.key, "", state.key),)
        if isinstance(item, Bind) and due < item.uploaded_at and failed_by(state, due):
            return (decide(name, item.order, (state.carrier, state.waybill_no), item.uploaded_at,
                           state.first_collected_id, item.event_id),)
        return ()

    def on_deadline(state: ParcelState, timer: Timer, policy):
        if not failed_by(state, timer.due):
            return ()
        return tuple(
            decide(name, b.order, (state.carrier, state.waybill_no), timer.due, state.first_collected_id, b.event_id)
            for b in state.bound
        )

    # A scan can start the window only as the parcel's first collected scan.
    return Rule(name, category, PARCEL, on_input=on_input, on_deadline=on_deadline, reads=(Bind, CarrierScan),
                scans=("collected",))
