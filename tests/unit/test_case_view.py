"""A case's timeline (stream/console/case_view.py) from the serving view's entries (stream/timeline.py):
events and decisions in event time, evidence marked, nothing personal shown."""
from __future__ import annotations

import orjson

from detectors.parse import parse_message
from stream.console.case_view import assemble
from stream.timeline import entry

T = 1_800_000_000_000
PAID = {"event_id": "p1", "order_id": "O1", "shop_id": "S1", "product_id": "P1", "paid_at": T,
        "paid_amount_fen": 1234, "recipient_id": "r_secret_recipient",
        "address": {"province": "浙江省", "city": "杭州", "district": "西湖区", "detail_hash": "h_secret_detail"}}
UPLOAD = {"event_id": "u1", "order_id": "O1", "shop_id": "S1", "carrier": "ZTO", "waybill_no": "W1",
          "uploaded_at": T + 1000}
SCAN = {"event_id": "s1", "carrier": "ZTO", "waybill_no": "W1", "scanned_at": T + 1000, "status": "collected",
        "description": "<img src=x onerror=alert(1)>"}


def pair(topic: str, partition: int, offset: int, value: dict) -> dict:
    """The entry a stage writes for this record, as the page reads it back."""
    return orjson.loads(orjson.dumps(entry(topic, partition, offset, parse_message(topic, orjson.dumps(value)))))


def decision(vid: str, at: int, evidence: list[str]) -> dict:
    return {"violation_id": vid, "rule": "duplicate_waybill", "category": "fake_shipping", "order_id": "O1",
            "shop_id": "S1", "carrier": "ZTO", "waybill_no": "W1", "decided_at": at, "evidence": evidence,
            "penalty": {"kind": "compensation", "amount_fen": 1000, "capped": False}, "policy_version": "seed-v1"}


def test_decisions_follow_the_events_of_their_instant_and_mark_their_evidence():
    pairs = [pair("carrier-scan", 2, 7, SCAN), pair("tracking-uploaded", 1, 5, UPLOAD),
             pair("order-paid", 1, 3, PAID), pair("order-paid", 1, 3, PAID)]          # read twice: shown once
    case = assemble("O1", [decision("v1", T + 1000, ["u1", "p1", "gone"])], pairs)
    kinds = [(x["kind"], x.get("event_id") or x["violation_id"]) for x in case["timeline"]]
    assert kinds == [("event", "p1"), ("event", "u1"), ("event", "s1"), ("decision", "v1")]
    assert [x["event_kind"] for x in case["timeline"][:3]] == ["paid", "upload", "scan"]
    events = {x["event_id"]: x for x in case["timeline"] if x["kind"] == "event"}
    assert events["u1"]["evidence_of"] == ["v1"] and events["s1"]["evidence_of"] == []
    assert (events["s1"]["topic"], events["s1"]["partition"], events["s1"]["offset"]) == ("carrier-scan", 2, 7)
    placed = case["decisions"][0]
    assert [e["event_id"] for e in placed["evidence_events"]] == ["u1", "p1"]
    assert placed["missing_evidence"] == ["gone"] and case["missing_evidence"] == ["gone"]
    assert placed["penalty_yuan"] == "10.00" and placed["policy_version"] == "seed-v1"


def test_no_recipient_or_address_hash_is_shown_and_texts_stay_raw_for_the_page_to_escape():
    case = assemble("O1", [], [pair("order-paid", 0, 0, PAID), pair("carrier-scan", 0, 0, SCAN)])
    shown = orjson.dumps(case).decode()
    assert "r_secret_recipient" not in shown and "h_secret_detail" not in shown
    assert any(SCAN["description"] in x["what"] for x in case["timeline"])


def test_another_orders_upload_is_marked_as_such():
    other = {**UPLOAD, "event_id": "u0", "order_id": "O0"}
    case = assemble("O1", [], [pair("tracking-uploaded", 3, 1, other)])
    assert case["timeline"][0]["other_order"] and case["timeline"][0]["order_id"] == "O0"
