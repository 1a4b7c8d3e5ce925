"""duplicate_waybill -- a waybill is uploaded for an order while, in the 30 days
up to that upload, the same parcel was uploaded for another order whose
recipient_id or address (province, city, district, detail_hash) differs.
Decided at the upload. A merged shipment (same recipient, same address) is fine."""
from __future__ import annotations

from ..decisions import FAKE_SHIPPING
from ..messages import PARCEL, Bind, OrderFacts
from ..places import normalize_place
from ..state import ParcelState
from .base import Rule, decide

NAME = "duplicate_waybill"


def on_input(state: ParcelState, item, policy):
    if not isinstance(item, Bind):
        return ()
    since = item.uploaded_at - policy.duplicate_window_ms
    mine = consignee(item.order)
    for earlier in state.uploads:
        if earlier.order.order_id != item.order.order_id and since <= earlier.uploaded_at <= item.uploaded_at \
                and consignee(earlier.order) != mine:
            return (decide(NAME, item.order, (state.carrier, state.waybill_no), item.uploaded_at,
                           earlier.event_id, item.event_id),)
    return ()


def consignee(order: OrderFacts) -> tuple:
    """Who and where the parcel goes, in comparable form (杭州 = 杭州市)."""
    a = order.address
    return (order.recipient_id, normalize_place(a.province), normalize_place(a.city),
            normalize_place(a.district), a.detail_hash)


RULE = Rule(NAME, FAKE_SHIPPING, PARCEL, on_input=on_input, reads=(Bind,))
