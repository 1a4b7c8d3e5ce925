"""A case as the page shows it: one timeline of events and decisions, in event time.

Events are the serving view's timeline entries (stream/timeline.py). Texts are left raw (a
carrier's description may carry markup): the page escapes. No personal data: a payment shows its
amount, promise and city, never the recipient or address hashes (the entries do not hold them).
"""
from __future__ import annotations

from ..human import format_time, yuan

TOPIC_RANK = {"order-paid": 0, "tracking-uploaded": 1, "carrier-scan": 2}     # the contract's order in an instant


def assemble(order_id: str, decisions: list[dict], entries: list[dict]) -> dict:
    """entries: timeline entries (the same record may come from the order's and a parcel's
    timeline: shown once). Decisions sit after the events of their instant, since a decision
    uses what happened at or before its decided_at."""
    events, where = {}, {}
    for e in sorted(entries, key=lambda e: (e["t"], TOPIC_RANK.get(e["tp"], 3), e["e"], e["p"], e["o"])):
        spot = (e["tp"], e["p"], e["o"])
        if spot not in events:
            events[spot] = _event(order_id, e)
            where.setdefault(e["e"], events[spot])
    for d in decisions:
        for e in d["evidence"]:
            if e in where:
                where[e]["evidence_of"].append(d["violation_id"])
    placed = [_decision(d, where) for d in decisions]
    timeline = sorted([*events.values(), *placed], key=lambda x: (x["time"], x["kind"] == "decision"))
    return {"order_id": order_id, "timeline": timeline, "decisions": placed,
            "missing_evidence": sorted({e for d in placed for e in d["missing_evidence"]})}


def _event(order_id: str, e: dict) -> dict:
    other = e.get("ord", order_id) != order_id
    return {"kind": "event", "time": e["t"], "at": format_time(e["t"]), "topic": e["tp"], "partition": e["p"],
            "offset": e["o"], "event_id": e["e"], "event_kind": e["k"], "parcel": e.get("w"),
            "order_id": e.get("ord"), "other_order": other, "what": describe(e), "evidence_of": []}


def _decision(d: dict, where: dict) -> dict:
    shown = [{"event_id": e, **{k: where[e][k] for k in ("topic", "partition", "offset", "time")}}
             for e in d["evidence"] if e in where]
    return {"kind": "decision", "time": d["decided_at"], "at": format_time(d["decided_at"]),
            "violation_id": d["violation_id"], "rule": d["rule"], "category": d["category"],
            "shop_id": d["shop_id"], "parcel": f"{d['carrier']}:{d['waybill_no']}" if d.get("carrier") else None,
            "penalty": d["penalty"], "penalty_yuan": yuan(d["penalty"]["amount_fen"]),
            "policy_version": d["policy_version"], "evidence": list(d["evidence"]), "evidence_events": shown,
            "missing_evidence": [e for e in d["evidence"] if e not in where]}


def describe(e: dict) -> str:
    if e["k"] == "paid":
        return f"paid {yuan(e['fen'])} yuan, ship within {e['h']} h, to {e['prov']} {e['city']}"
    if e["k"] in ("upload", "cancel"):
        return f"{e['k']} waybill {e['w']}" + (f" for order {e['ord']}" if e.get("ord") else "")
    where = f" in {e['city']}" if e.get("city") else ""
    return f"{e['w']} {e['st']}{where}: {e['d']}"
