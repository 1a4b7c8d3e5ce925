"""What an auditor asks of a replay: how two reports differ, and why one order
was decided as it was (its timeline with source offsets, and the evidence)."""
from __future__ import annotations

from detectors.events import CarrierScan, OrderPaid, TrackingUploaded
from .human import format_time, yuan

NOT_COMPARED = ("violation_id", "policy_version")   # both name the policy, not the decision


def identity(v: dict) -> tuple:
    return (v["rule"], v["order_id"], v["carrier"] or "", v["waybill_no"] or "")


def compare(old: dict, new: dict) -> dict:
    """Decisions that differ between two reports, grouped by rule."""
    before = {identity(v): v for v in old["violations"]}
    after = {identity(v): v for v in new["violations"]}
    by_rule: dict = {}
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None:
            fields = {f: [a.get(f), b.get(f)] for f in sorted(a.keys() | b.keys())
                      if f not in NOT_COMPARED and a.get(f) != b.get(f)}
            if not fields:
                continue
            kind, entry = "changed", {"fields": fields}
        else:
            kind, entry = ("removed", {}) if b is None else ("added", {})
        entry = {"order_id": key[1], "carrier": key[2] or None, "waybill_no": key[3] or None, **entry}
        by_rule.setdefault(key[0], {"added": [], "removed": [], "changed": []})[kind].append(entry)
    out = {"old_policy": old["policy_version"], "new_policy": new["policy_version"], "by_rule": by_rule}
    if "escalations" in old or "escalations" in new:
        out["escalations"] = _compare_escalations(old.get("escalations", []), new.get("escalations", []))
    return out


def _compare_escalations(old: list[dict], new: list[dict]) -> dict:
    """Escalation windows added or removed, by kind; a window is (kind, shop, product, day)."""
    def window(e: dict) -> tuple:
        return (e["kind"], e["shop_id"], e["product_id"] or "", e["day"])
    before, after = {window(e) for e in old}, {window(e) for e in new}
    by_kind: dict = {}
    for key in sorted(before ^ after):
        entry = {"shop_id": key[1], "product_id": key[2] or None, "day": key[3]}
        by_kind.setdefault(key[0], {"added": [], "removed": []})["added" if key in after else "removed"].append(entry)
    return by_kind


def explain(order_id: str, events, report: dict) -> dict:
    """The order's events and its parcels' scans, in event time, and its decisions.
    `events`: the replay's placed events (stream/replay_take.py), in its order."""
    parcels = {p.event.parcel for p in events
               if isinstance(p.event, TrackingUploaded) and p.event.order_id == order_id}
    mine = [p for p in events
            if (isinstance(p.event, (OrderPaid, TrackingUploaded)) and p.event.order_id == order_id)
            or (isinstance(p.event, CarrierScan) and p.event.parcel in parcels)]
    mine.sort(key=lambda p: p.sort_key)
    timeline = [{"time": p.event.time, "at": format_time(p.event.time), "topic": p.event.topic,
                 "partition": p.partition, "offset": p.offset, "event_id": p.event.event_id,
                 "what": _what(p.event)} for p in mine]
    where = {entry["event_id"]: entry for entry in timeline}
    decisions = [{**v, "at": format_time(v["decided_at"]),
                  "evidence_events": [where.get(e, {"event_id": e}) for e in v["evidence"]]}
                 for v in report["violations"] if v["order_id"] == order_id]
    return {"order_id": order_id, "policy_version": report["policy_version"], "as_of": report["as_of"],
            "timeline": timeline, "decisions": decisions}


def _what(item) -> str:
    if isinstance(item, OrderPaid):
        return (f"paid {yuan(item.paid_amount_fen)} yuan, ship within {item.ship_within_hours} h, "
                f"to {item.address.city}")
    if isinstance(item, TrackingUploaded):
        return f"{item.action} waybill {item.parcel}"
    where = f" in {item.city}" if item.city else ""
    return f"{item.parcel} {item.status}{where}: {item.description}"
