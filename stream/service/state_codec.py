"""Bytes for the keyed states in the stream's tables (detectors/state.py), and the JSON helpers
every codec shares. States written by earlier versions still read: each older form is named
where it is read."""
from __future__ import annotations

from typing import Any

import orjson

from detectors import redelivery
from detectors.events import Address, parcel_key
from detectors.messages import OrderFacts
from detectors.state import Binding, OrderState, ParcelState, PickupState, Transit

from ..kept_bytes import dumps_kept


def _default(obj: Any) -> Any:
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(type(obj).__name__)


def dumps(obj: Any) -> bytes:
    """Tables keep these: in bytes of their own size (kept_bytes.py)."""
    return dumps_kept(obj, _default)


def _at(stored) -> int | None:
    """A first scan's time; states stored before keeping the time only held [time, event_id]."""
    return stored[0] if isinstance(stored, list) else stored


def _at_id(stored) -> str:
    """A first scan's event_id; stored before as [time, event_id]."""
    return stored[1] if isinstance(stored, list) else stored


def facts(d: dict) -> OrderFacts:
    return OrderFacts(**{**d, "address": Address(**d["address"])})


def as_doc(raw: Any) -> Any:
    """A stored value as JSON data. Live table writes keep our bytes; changelog
    recovery hands them back already decoded, so both are accepted."""
    return orjson.loads(raw) if isinstance(raw, (bytes, bytearray, memoryview, str)) else raw


def encode_state(state: Any) -> bytes:
    return dumps(_parcel_doc(state) if type(state) is ParcelState else state)


def _parcel_doc(state: ParcelState) -> dict:
    """A parcel's bindings and uploads refer to its orders' facts, each stored once
    ("orders"), as [index into orders, uploaded_at, event_id]."""
    orders: list = []
    index: dict = {}

    def ref(b: Binding) -> list:
        i = index.get(b.order)
        if i is None:
            i = index[b.order] = len(orders)
            orders.append(b.order)
        return [i, b.uploaded_at, b.event_id]

    doc = {"carrier": state.carrier, "waybill_no": state.waybill_no}
    doc.update((name, getattr(state, name)) for name in ParcelState.__slots__ if name != "key")
    doc["uploads"] = [ref(b) for b in state.uploads]
    doc["bound"] = {b.order.order_id: ref(b) for b in state.bound}
    doc["orders"] = orders
    return doc


def _fired(items) -> set:
    return {tuple(x) for x in items}


def _seen(stored) -> str:
    """The taken event ids (detectors/redelivery.py); states written before it held a list."""
    return stored if isinstance(stored, str) else redelivery.from_ids(stored)


def _entries(stored, old_entry) -> tuple:
    """A state's collection (detectors/state.py: tuples of entries); stored before as a dict,
    whose (key, value) `old_entry` turns into an entry."""
    if isinstance(stored, dict):
        return tuple(old_entry(k, v) for k, v in stored.items())
    return tuple(tuple(e) for e in stored)


def _kept(d: dict) -> dict:
    return {"keep_until": d.get("keep_until"), "expiry_due": d.get("expiry_due")}


def decode_order_state(raw: bytes) -> OrderState:
    d = as_doc(raw)
    return OrderState(facts(d["order"]) if d["order"] else None,
                      _entries(d["bindings"], lambda k, v: (k, *v)), _seen(d["seen"]), _fired(d["fired"]),
                      **_kept(d))


def decode_parcel_state(raw: bytes) -> ParcelState:
    d = as_doc(raw)
    uploads, bound = _bindings(d)
    collected_at, collected_id = _first(d, "first_collected")
    hub_at, hub_id = _first(d, "first_hub")
    return ParcelState(
        parcel_key(d["carrier"], d["waybill_no"]), collected_at, collected_id, hub_at, hub_id, _at(d["first_signed"]),
        _entries(d["deliveries"], lambda k, v: (k, _at_id(v))), uploads, bound,
        _seen(d["seen"]), _fired(d["fired"]), **_kept(d), transit=_transit(d.get("transit")))


def _first(d: dict, name: str) -> tuple[int | None, str | None]:
    """A first scan's (time, event_id); stored before as one [time, event_id] field."""
    stored = d[name]
    return (stored[0], stored[1]) if isinstance(stored, list) else (stored, d.get(f"{name}_id"))


def _bindings(d: dict) -> tuple[list, tuple]:
    """(uploads, bound), one Binding object for an upload that still binds, as in the engine."""
    if "orders" not in d:
        return _bindings_before_refs(d)
    orders = [facts(o) for o in d["orders"]]
    made: dict = {}

    def binding(ref: list) -> Binding:
        key = tuple(ref)
        if key not in made:
            made[key] = Binding(orders[ref[0]], ref[1], ref[2])
        return made[key]

    return [binding(u) for u in d["uploads"]], tuple(binding(b) for b in d["bound"].values())


def _bindings_before_refs(d: dict) -> tuple[list, tuple]:
    """States stored before bindings referred to facts: `bound` held whole Bind messages and
    `uploads` (order_id, consignee) only. An upload's facts are its binding's when it still
    binds, else facts carrying just the consignee (already normalised), which is all
    duplicate_waybill reads of an earlier upload."""
    bound = {k: Binding(facts(b["order"]), b["uploaded_at"], b["event_id"]) for k, b in d["bound"].items()}
    uploads = []
    for u in d["uploads"]:
        b = bound.get(u["order_id"])
        if b is None or b.uploaded_at != u["at"] or b.event_id != u["event_id"]:
            recipient, province, city, district, detail = u["consignee"]
            order = OrderFacts(u["order_id"], "", 0, 0, recipient, Address(province, city, district, detail), 0, "")
            b = Binding(order, u["at"], u["event_id"])
        uploads.append(b)
    return uploads, tuple(bound.values())


def _transit(d: dict | None) -> Transit | None:
    """transit_timeout's facts (policy platform-2026-07); absent from states written before it.
    Written before its fields were flat: "last" and "widest_from" as [time, event_id]."""
    if d is None:
        return None
    if "last" in d:
        last, widest_from = d["last"] or (None, None), d["widest_from"]
        return Transit(d["origin"], last[0], last[1], d["ended"], d["widest"], widest_from and widest_from[1])
    return Transit(d["origin"], d["last_at"], d["last_id"], d["ended"], d["widest"], d["widest_from"])


def decode_pickup_state(raw: bytes) -> PickupState:
    d = as_doc(raw)
    return PickupState(facts(d["order"]) if d["order"] else None,
                       _entries(d["parcels"], lambda k, v: (k, _at(v))), _fired(d["fired"]), **_kept(d))
