"""The keyed states: plain dataclasses, one per key, that the stream keeps in tables.

OrderState   key order_id            payment facts and current bindings
ParcelState  key carrier:waybill_no  the parcel's scan facts and its orders
PickupState  key order_id            which bound parcels were collected, and when
Each remembers the event_ids it took (redelivery.py: redeliveries are ignored) and the
(rule, order, parcel) it already fired for (each fires at most once), and
until when it is kept (retention.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .events import value
from .messages import OrderFacts
from .redelivery import NONE_TAKEN

Seen = tuple[int, str]  # (event time, event_id) of a remembered scan
# Most keys never fire: they share this empty set until their first decision (sides._keep_fresh),
# instead of each holding an empty set of its own (216 bytes, three per order).
NOTHING_FIRED: frozenset = frozenset()


@dataclass(slots=True)
class OrderState:
    order: OrderFacts | None = None
    bindings: dict[str, Seen] = field(default_factory=dict)   # parcel -> its upload
    seen: str = NONE_TAKEN            # the event ids taken (redelivery.py)
    fired: set[tuple] | frozenset = NOTHING_FIRED
    keep_until: int | None = None     # retention.py: forgotten once the watermark passes this
    expiry_due: int | None = None     # the expiry deadline standing for this key


@value
class Binding:
    """An upload that bound the parcel to an order. The parcel keeps it in `bound` while it binds
    and in `uploads` for the duplicate-waybill window: one object in both. `order` is the order
    side's own facts, referred to, not copied (the stream's table stores them once a parcel)."""

    order: OrderFacts
    uploaded_at: int
    event_id: str


@dataclass(slots=True)
class Transit:
    """What transit_timeout (中转超时) needs of a parcel's scans; kept only when a
    policy enables it. The window runs from the first hub record to the first
    delivering/signed scan after it."""

    origin: str | None = None        # province of the first collected / first hub scan, fixed at the window's start
    last: Seen | None = None         # the latest scan in the window (None: not started)
    ended: bool = False              # a delivering or signed scan closed the window
    widest: int = 0                  # the longest silence between two scans in the window, ms
    widest_from: Seen | None = None  # the scan that silence followed


@dataclass(slots=True)
class ParcelState:
    key: str                          # carrier:waybill_no, the one string the engine's table holds too
    first_collected: Seen | None = None
    first_hub: Seen | None = None
    first_signed: int | None = None                             # its time: all not_received reads
    deliveries: dict[str, str] = field(default_factory=dict)    # city -> event_id of the first delivering/signed scan there
    uploads: list[Binding] = field(default_factory=list)        # within the duplicate window, oldest first
    bound: dict[str, Binding] = field(default_factory=dict)     # order_id -> its binding in force
    seen: str = NONE_TAKEN                                       # the scan ids taken (redelivery.py)
    fired: set[tuple] | frozenset = NOTHING_FIRED
    keep_until: int | None = None
    expiry_due: int | None = None
    transit: Transit | None = None

    @property
    def carrier(self) -> str:
        return self.key.partition(":")[0]

    @property
    def waybill_no(self) -> str:
        return self.key.partition(":")[2]


@dataclass(slots=True)
class PickupState:
    order: OrderFacts | None = None
    parcels: dict[str, int | None] = field(default_factory=dict)  # bound parcel -> time of its first collected scan
    fired: set[tuple] | frozenset = NOTHING_FIRED
    keep_until: int | None = None
    expiry_due: int | None = None
