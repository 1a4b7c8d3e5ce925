"""Bytes for what crosses a topic or sits in a table: events, the sides'
messages, decisions, timers, marks and the keyed states. JSON via orjson, one
`k` tag a kind; tuples come back as tuples so comparisons behave as offline."""
from __future__ import annotations

from typing import Any

import orjson

from detectors import redelivery
from detectors.decisions import Decision, Timer
from detectors.escalation import Escalations
from detectors.events import Address, CarrierScan, OrderPaid, TrackingUploaded
from detectors.messages import Bind, OrderFacts, OrderOpened, PickupFact, Unbind
from detectors.state import OrderState, ParcelState, PickupState, Transit, UploadRecord

EVENTS = {"order-paid": OrderPaid, "tracking-uploaded": TrackingUploaded, "carrier-scan": CarrierScan}
KINDS = {OrderPaid: "paid", TrackingUploaded: "upload", CarrierScan: "scan", OrderOpened: "open", Bind: "bind",
         Unbind: "unbind", PickupFact: "fact", Decision: "decision", Timer: "timer"}


def _default(obj: Any) -> Any:
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(type(obj).__name__)


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj, default=_default)


def _t(seen) -> tuple | None:
    return tuple(seen) if seen is not None else None


def facts(d: dict) -> OrderFacts:
    return OrderFacts(**{**d, "address": Address(**d["address"])})


def encode(item: Any) -> bytes:
    """An item as it travels: {"k": kind, ...fields}."""
    return dumps({"k": KINDS[type(item)], "v": item})


def as_doc(raw: Any) -> Any:
    """A stored value as JSON data. Live table writes keep our bytes; changelog
    recovery hands them back already decoded, so both are accepted."""
    return orjson.loads(raw) if isinstance(raw, (bytes, bytearray, memoryview, str)) else raw


def decode(raw: bytes) -> Any:
    doc = orjson.loads(raw)
    return decode_doc(doc)


def decode_doc(doc: dict) -> Any:
    kind, v = doc["k"], doc.get("v")
    if kind == "paid":
        return OrderPaid(**{**v, "address": Address(**v["address"])})
    if kind == "upload":
        return TrackingUploaded(**v)
    if kind == "scan":
        return CarrierScan(**v)
    if kind == "open":
        return OrderOpened(tuple(v["sort_key"]), facts(v["order"]))
    if kind in ("bind", "unbind"):
        cls = Bind if kind == "bind" else Unbind
        return cls(**{**v, "sort_key": tuple(v["sort_key"]), "order": facts(v["order"])})
    if kind == "fact":
        return PickupFact(**{**v, "sort_key": tuple(v["sort_key"])})
    if kind == "decision":
        return Decision(**{**v, "order": facts(v["order"]), "evidence": tuple(v["evidence"])})
    if kind == "timer":
        return Timer(**v)
    return doc  # a mark or another control record: the caller looks at it


# -- states, for tables ------------------------------------------------------
def encode_state(state: Any) -> bytes:
    return dumps(state)


def _fired(items) -> set:
    return {tuple(x) for x in items}


def _seen(stored) -> str:
    """The taken event ids (detectors/redelivery.py); states written before it held a list."""
    return stored if isinstance(stored, str) else redelivery.from_ids(stored)


def _kept(d: dict) -> dict:
    return {"keep_until": d.get("keep_until"), "expiry_due": d.get("expiry_due")}


def decode_order_state(raw: bytes) -> OrderState:
    d = as_doc(raw)
    return OrderState(facts(d["order"]) if d["order"] else None,
                      {k: tuple(v) for k, v in d["bindings"].items()}, _seen(d["seen"]), _fired(d["fired"]),
                      **_kept(d))


def decode_parcel_state(raw: bytes) -> ParcelState:
    d = as_doc(raw)
    return ParcelState(
        d["carrier"], d["waybill_no"], _t(d["first_collected"]), _t(d["first_hub"]), _t(d["first_signed"]),
        {k: tuple(v) for k, v in d["deliveries"].items()},
        [UploadRecord(u["at"], u["order_id"], tuple(u["consignee"]), u["event_id"]) for u in d["uploads"]],
        {k: decode_doc({"k": "bind", "v": b}) for k, b in d["bound"].items()},
        _seen(d["seen"]), _fired(d["fired"]), **_kept(d), transit=_transit(d.get("transit")))


def _transit(d: dict | None) -> Transit | None:
    """transit_timeout's facts (policy platform-2026-07); absent from states written before it."""
    if d is None:
        return None
    return Transit(d["origin"], _t(d["last"]), d["ended"], d["widest"], _t(d["widest_from"]))


def decode_pickup_state(raw: bytes) -> PickupState:
    d = as_doc(raw)
    return PickupState(facts(d["order"]) if d["order"] else None,
                       {k: _t(v) for k, v in d["parcels"].items()}, _fired(d["fired"]), **_kept(d))


def encode_escalations(esc: Escalations, done: list) -> bytes:
    """One shop's escalation windows (stream/shop_escalations.py) and the ids it has published."""
    return dumps({"counted": [[k[0], k[1], k[2], v] for k, v in esc.counted.items()],
                  "bases": [[k[0], k[1], k[2], k[3], v] for k, v in esc.bases.items()],
                  "open": esc.open_days, "closed": esc.closed_through, "done": done})


def decode_escalations(raw: Any, policy) -> tuple[Escalations, list]:
    d = as_doc(raw)
    esc = Escalations(policy)
    esc.counted = {(k, tuple(subj), day): set(v) for k, subj, day, v in d["counted"]}
    esc.bases = {(base, level, tuple(subj), day): set(v) for base, level, subj, day, v in d["bases"]}
    esc.open_days = dict(d["open"])
    esc.soonest_end = min(esc.open_days.values(), default=None)
    esc.closed_through = d["closed"]
    return esc, d["done"]
