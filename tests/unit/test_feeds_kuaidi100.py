"""Kuaidi100 pushes and query answers -> carrier-scan (fixtures in tests/unit/feeds/, our own, in Kuaidi100's shape)."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from detectors.feeds import convert_feed
from detectors.feeds.kuaidi100 import STATES
from detectors.timeparse import parse_time

FIXTURES = Path(__file__).parent / "feeds"
PUSH = (FIXTURES / "kuaidi100_zto_push.json").read_bytes()
QUERY = (FIXTURES / "kuaidi100_yto_query.json").read_bytes()

# Every code of Kuaidi100's state table (0-14 and the advanced ones), pinned here, not read from the table.
EXPECTED = {
    "0": "in_transit", "1": "collected", "2": "exception", "3": "signed", "4": "returned", "5": "delivering",
    "6": "returned", "7": "in_transit", "8": "in_transit", "9": "unknown", "10": "in_transit", "11": "in_transit",
    "12": "in_transit", "13": "exception", "14": "exception",
    "101": "unknown", "102": "unknown", "103": "collected", "1001": "in_transit", "1002": "in_transit",
    "1003": "in_transit", "301": "signed", "302": "signed", "303": "signed", "304": "signed", "401": "exception",
    "501": "delivering",
}
NEUTRAL = "快件处理中"      # no keyword of keywords.py: the status can only come from the code


def query(*records: dict, nu: str = "YT1", com: str = "yuantong") -> bytes:
    return orjson.dumps({"message": "ok", "nu": nu, "com": com, "state": "0", "data": list(records)})


def one(payload: bytes) -> dict:
    result = convert_feed("kuaidi100", payload)
    assert result.dead == [] and len(result.scans) == 1
    return result.scans[0]


def test_push_gives_every_record_oldest_first_in_china_time():
    result = convert_feed("kuaidi100", PUSH)
    assert result.dead == []
    scans = result.scans
    assert [s["status"] for s in scans] == ["unknown", "collected", "in_transit", "in_transit", "in_transit",
                                             "in_transit", "in_transit"]
    assert {(s["carrier"], s["waybill_no"]) for s in scans} == {("ZTO", "78650012345678")}
    assert scans[1]["scanned_at"] == "2026-11-11T16:05:09+08:00"
    assert parse_time(scans[1]["scanned_at"]) == parse_time("2026-11-11T08:05:09Z")
    assert [s.get("city") for s in scans] == [None, "上海市", "上海市", "上海", "上海", "嘉兴市", "嘉兴市"]
    assert scans[3]["description"] == "【上海市】 快件已经到达 【上海浦东中心】"


def test_query_maps_the_status_names_of_resultv2():
    scans = convert_feed("kuaidi100", QUERY).scans
    assert [s["status"] for s in scans] == ["collected", "in_transit", "in_transit", "in_transit", "in_transit",
                                             "delivering", "signed"]
    assert scans[0]["carrier"] == "YTO" and scans[0]["city"] == "武汉市"


def test_push_posted_as_param_text_gives_the_same_scans():
    wrapped = orjson.dumps({"sign": "ABC", "param": PUSH.decode()})
    assert convert_feed("kuaidi100", wrapped).scans == convert_feed("kuaidi100", PUSH).scans


@pytest.mark.parametrize("code, status", sorted(EXPECTED.items()))
def test_every_state_code(code, status):
    assert one(query({"time": "2026-11-11 10:00:00", "context": NEUTRAL, "statusCode": code}))["status"] == status
    assert one(query({"time": "2026-11-11 10:00:00", "context": NEUTRAL, "statusCode": int(code)}))["status"] == status


def test_the_table_holds_exactly_the_pinned_codes():
    assert {c: s for c, _, s in STATES} == EXPECTED


@pytest.mark.parametrize("code, name, status", [row for row in STATES if row[1]])
def test_every_state_name(code, name, status):
    assert one(query({"time": "2026-11-11 10:00:00", "context": NEUTRAL, "status": name}))["status"] == status


def test_without_a_code_the_wording_decides_and_the_parcel_state_is_not_used():
    payload = orjson.dumps({"nu": "YT1", "com": "yuantong", "state": "3", "data": [
        {"time": "2026-11-11 10:00:00", "context": "【杭州西湖公司】 已揽收"},
        {"time": "2026-11-11 11:00:00", "context": NEUTRAL},
        {"time": "2026-11-11 12:00:00", "context": "商家已下单，待揽收", "statusCode": "999"}]})
    assert [s["status"] for s in convert_feed("kuaidi100", payload).scans] == ["collected", "unknown", "unknown"]


def test_ids_are_deterministic_and_survive_a_repeated_history():
    first, again = convert_feed("kuaidi100", PUSH).scans, convert_feed("kuaidi100", PUSH).scans
    assert [s["event_id"] for s in first] == [s["event_id"] for s in again]
    assert len({s["event_id"] for s in first}) == len(first)
    lines = (FIXTURES / "kuaidi100_sto_pushes.jsonl").read_bytes().splitlines()
    early, later = (convert_feed("kuaidi100", line).scans for line in lines[:2])
    assert {s["event_id"] for s in early} < {s["event_id"] for s in later}     # the later push repeats the history
    base = {"time": "2026-11-11 10:00:00", "context": NEUTRAL}
    assert one(query(base))["event_id"] != one(query({**base, "context": NEUTRAL + "。"}))["event_id"]
    assert one(query(base))["event_id"] != one(query(base, nu="YT2"))["event_id"]


def test_a_bad_record_is_a_dead_letter_and_the_others_still_convert():
    result = convert_feed("kuaidi100", query(
        {"time": "2026-11-11 10:00:00", "context": "已揽收"},
        {"time": "11-11 10:30:00", "context": "no year"},
        {"time": "2026-02-30 10:00:00", "context": "no such day"},
        {"time": "2026-11-11 11:00:00"},
        {"time": "2026-11-11 11:00:00", "context": "x", "statusCode": "abc"},
        "not an object"), topic="carrier-feed-kuaidi100")
    assert len(result.scans) == 1
    assert [(d.reason, d.detail) for d in result.dead] == [
        ("bad_time", "data[1].time: not an RFC 3339 time"),
        ("bad_time", "data[2].time: invalid date or time of day"),
        ("missing_field", "missing field data[3].context"),
        ("wrong_type", "data[4].statusCode must be a number"),
        ("wrong_type", "data[5] must be an object")]
    assert {d.topic for d in result.dead} == {"carrier-feed-kuaidi100"}


@pytest.mark.parametrize("payload, reason, detail", [
    ({"com": "yuantong", "data": []}, "missing_field", "missing field nu"),
    ({"nu": "YT1", "data": []}, "missing_field", "missing field com"),
    ({"nu": "YT1", "com": "yuantong"}, "missing_field", "missing field data"),
    ({"nu": "YT1", "com": "yuantong", "data": {}}, "wrong_type", "data must be an array"),
    ({"nu": " ", "com": "yuantong", "data": []}, "empty_field", "nu is empty"),
    ({"status": "polling", "lastResult": []}, "wrong_type", "lastResult must be an object"),
    ({"status": "polling", "lastResult": {"com": "zhongtong", "data": []}}, "missing_field",
     "missing field lastResult.nu"),
    ({"param": "{not json"}, "not_json", "param is not valid JSON"),
])
def test_an_unusable_document_is_one_dead_letter_that_names_the_field(payload, reason, detail):
    raw = orjson.dumps(payload)
    result = convert_feed("kuaidi100", raw)
    assert result.scans == [] and [(d.reason, d.detail, d.raw) for d in result.dead] == [(reason, detail, raw)]


def test_an_empty_history_gives_nothing():
    result = convert_feed("kuaidi100", orjson.dumps({"status": "abort", "message": "3天查询无记录",
                                                     "lastResult": {"nu": "YT1", "com": "yuantong", "data": []}}))
    assert result.scans == [] and result.dead == []
