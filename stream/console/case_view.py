"""A case as the page shows it: one timeline of events and decisions, in event time.

Texts are left raw (a carrier's description may carry markup): the page escapes.
No personal data: a payment shows its amount, promise and city, never the
recipient or address hashes.
"""
from __future__ import annotations

from detectors.events import OrderPaid, TrackingUploaded

from ..human import format_time, yuan


def assemble(order_id: str, decisions: list[dict], pairs: list[tuple], reads: list[dict]) -> dict:
    """pairs: (Kafka record, parsed event). Decisions sit after the events of their instant,
    since a decision uses what happened at or before its decided_at."""
    events, where = {}, {}
    for record, item in sorted(pairs, key=lambda pair: (pair[1].sort_key, pair[0].partition, pair[0].offset)):
        spot = (record.topic, record.partition, record.offset)
        if spot not in events:
            events[spot] = _event(order_id, record, item)
            where.setdefault(item.event_id, events[spot])
    for d in decisions:
        for e in d["evidence"]:
            if e in where:
                where[e]["evidence_of"].append(d["violation_id"])
    placed = [_decision(d, where) for d in decisions]
    timeline = sorted([*events.values(), *placed], key=lambda x: (x["time"], x["kind"] == "decision"))
    return {"order_id": order_id, "timeline": timeline, "decisions": placed,
            "missing_evidence": sorted({e for d in placed for e in d["missing_evidence"]}), "read": reads}


def _event(order_id: str, record, item) -> dict:
    other = getattr(item, "order_id", order_id) != order_id
    return {"kind": "event", "time": item.time, "at": format_time(item.time), "topic": record.topic,
            "partition": record.partition, "offset": record.offset, "event_id": item.event_id,
            "parcel": getattr(item, "parcel", None), "order_id": getattr(item, "order_id", None),
            "other_order": other, "what": describe(item), "evidence_of": []}


def _decision(d: dict, where: dict) -> dict:
    shown = [{"event_id": e, **{k: where[e][k] for k in ("topic", "partition", "offset", "time")}}
             for e in d["evidence"] if e in where]
    return {"kind": "decision", "time": d["decided_at"], "at": format_time(d["decided_at"]),
            "violation_id": d["violation_id"], "rule": d["rule"], "category": d["category"],
            "shop_id": d["shop_id"], "parcel": f"{d['carrier']}:{d['waybill_no']}" if d.get("carrier") else None,
            "penalty": d["penalty"], "penalty_yuan": yuan(d["penalty"]["amount_fen"]),
            "policy_version": d["policy_version"], "evidence": list(d["evidence"]), "evidence_events": shown,
            "missing_evidence": [e for e in d["evidence"] if e not in where]}


def describe(item) -> str:
    if isinstance(item, OrderPaid):
        return (f"paid {yuan(item.paid_amount_fen)} yuan, ship within {item.ship_within_hours} h, "
                f"to {item.address.province} {item.address.city}")
    if isinstance(item, TrackingUploaded):
        return f"{item.action} waybill {item.parcel}" + (f" for order {item.order_id}" if item.order_id else "")
    where = f" in {item.city}" if item.city else ""
    return f"{item.parcel} {item.status}{where}: {item.description}"
