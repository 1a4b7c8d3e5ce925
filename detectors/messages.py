"""What the keyed sides tell each other.

The stream puts orders and parcels on different partitions, so the order side
(key order_id), the parcel side (key carrier:waybill_no) and the pickup side
(key order_id, the per-order pickup watch) talk only through these messages.
A message carries the sort key of the input event that caused it, so every
side takes its inputs in one event-time order (§3).

    order side  --OrderOpened-->  pickup side
    order side  --Bind/Unbind-->  parcel side  --PickupFact-->  pickup side
"""
from __future__ import annotations


from .events import Address, SortKey, value

ORDER, PARCEL, PICKUP = "order", "parcel", "pickup"


@value
class OrderFacts:
    """What the payment told us; travels with every message about the order."""

    order_id: str
    shop_id: str
    paid_at: int
    paid_amount_fen: int
    recipient_id: str
    address: Address
    deadline: int          # paid_at + ship_within_hours
    paid_event_id: str
    product_id: str = ""   # for product-level escalations (escalation.py)


@value
class OrderOpened:
    """A first payment: the pickup side starts watching the order."""

    sort_key: SortKey
    order: OrderFacts
    side = PICKUP

    @property
    def key(self) -> str:
        return self.order.order_id


@value
class Bind:
    """An upload that bound the parcel to the order."""

    sort_key: SortKey
    order: OrderFacts
    carrier: str
    waybill_no: str
    uploaded_at: int
    event_id: str
    side = PARCEL

    @property
    def key(self) -> str:
        return f"{self.carrier}:{self.waybill_no}"


@value
class Unbind:
    """A cancel that withdrew the parcel from the order."""

    sort_key: SortKey
    order: OrderFacts
    carrier: str
    waybill_no: str
    bound_at: int          # the upload time of the binding it removed
    bound_event_id: str
    cancelled_at: int
    event_id: str
    side = PARCEL

    @property
    def key(self) -> str:
        return f"{self.carrier}:{self.waybill_no}"


@value
class PickupFact:
    """The parcel side's word to the pickup side about one (order, parcel)."""

    sort_key: SortKey
    order_id: str
    parcel: str
    bound: bool
    collected_at: int | None      # the parcel's first collected scan, if any yet
    collected_event_id: str | None
    side = PICKUP

    @property
    def key(self) -> str:
        return self.order_id


Message = OrderOpened | Bind | Unbind | PickupFact
