"""Bytes for what crosses a topic or sits in a table: events, the sides'
messages, decisions, timers, marks; the keyed states in state_codec.py. JSON via orjson, one
`k` tag a kind; tuples come back as tuples so comparisons behave as offline."""
from __future__ import annotations

from typing import Any

import orjson

from detectors.decisions import Decision, Timer
from detectors.escalation import Escalations
from detectors.events import Address, CarrierScan, OrderPaid, TrackingUploaded
from detectors.messages import Bind, OrderOpened, PickupFact, Unbind

from .state_codec import (  # noqa: F401  (the states' codec, read through this module too)
    as_doc, decode_order_state, decode_parcel_state, decode_pickup_state, dumps, encode_state, facts,
)

EVENTS = {"order-paid": OrderPaid, "tracking-uploaded": TrackingUploaded, "carrier-scan": CarrierScan}
KINDS = {OrderPaid: "paid", TrackingUploaded: "upload", CarrierScan: "scan", OrderOpened: "open", Bind: "bind",
         Unbind: "unbind", PickupFact: "fact", Decision: "decision", Timer: "timer"}


def encode(item: Any) -> bytes:
    """An item as it travels: {"k": kind, ...fields}."""
    return dumps({"k": KINDS[type(item)], "v": item})


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
