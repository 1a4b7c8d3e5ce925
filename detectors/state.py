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

# Most keys never fire: they share this empty set until their first decision (sides._keep_fresh),
# instead of each holding an empty set of its own (216 bytes, three per order).
NOTHING_FIRED: frozenset = frozenset()


@dataclass(slots=True)
class OrderState:
    order: OrderFacts | None = None
    bindings: tuple[tuple[str, int, str], ...] = ()   # (parcel, uploaded_at, event_id) of each waybill bound
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
    delivering/signed scan after it. Flat fields, not (time, event_id) pairs: each
    pair was a tuple of its own, and the silence's start kept a time nobody reads
    (issue 13: ~110 bytes a parcel)."""

    origin: str | None = None        # province of the first collected / first hub scan, fixed at the window's start
    last_at: int | None = None       # the latest scan in the window (None: not started)
    last_id: str | None = None       # its event_id
    ended: bool = False              # a delivering or signed scan closed the window
    widest: int = 0                  # the longest silence between two scans in the window, ms
    widest_from: str | None = None   # the event_id of the scan that silence followed


@dataclass(slots=True)
class ParcelState:
    key: str                          # carrier:waybill_no, the one string the engine's table holds too
    # A first scan as its time and event_id side by side, not a (time, event_id) tuple of its own
    # (issue 13: 96 bytes a parcel less).
    first_collected: int | None = None
    first_collected_id: str | None = None
    first_hub: int | None = None                                # the first hub record
    first_hub_id: str | None = None
    first_signed: int | None = None                             # its time: all not_received reads
    deliveries: tuple[tuple[str, str], ...] = ()   # (city, event_id) of the first delivering/signed scan there, oldest first
    uploads: list[Binding] = field(default_factory=list)        # within the duplicate window, oldest first
    bound: tuple[Binding, ...] = ()                              # the bindings in force, one an order
    seen: str = NONE_TAKEN                                       # the scan ids taken (redelivery.py)
    fired: set[tuple] | frozenset = NOTHING_FIRED
    keep_until: int | None = None
    expiry_due: int | None = None
    transit: Transit | None = None

    def binding_of(self, order_id: str) -> Binding | None:
        """The binding in force for the order, if any."""
        return find(self.bound, order_id)

    @property
    def carrier(self) -> str:
        return self.key.partition(":")[0]

    @property
    def waybill_no(self) -> str:
        return self.key.partition(":")[2]


@dataclass(slots=True)
class PickupState:
    order: OrderFacts | None = None
    parcels: tuple[tuple[str, int | None], ...] = ()  # (bound parcel, time of its first collected scan or None)
    fired: set[tuple] | frozenset = NOTHING_FIRED
    keep_until: int | None = None
    expiry_due: int | None = None


# Collections of a key are tuples, replaced when they change: most keys hold one binding, one
# parcel, one delivery city, and a dict of one entry costs 184 bytes against 48 for a tuple.


def put(entries: tuple, key, entry) -> tuple:
    """`entries` with `entry` (whose first item, or order id, is `key`) in place of the one
    with that key, or added last: a dict's assignment."""
    for i, old in enumerate(entries):
        if _key(old) == key:
            return entries[:i] + (entry,) + entries[i + 1:]
    return entries + (entry,)


def drop(entries: tuple, key) -> tuple:
    """`entries` without the one whose key is `key`."""
    return tuple(e for e in entries if _key(e) != key)


def find(entries: tuple, key):
    """The entry whose key is `key`, or None."""
    for entry in entries:
        if _key(entry) == key:
            return entry
    return None


def _key(entry):
    return entry.order.order_id if type(entry) is Binding else entry[0]
