"""KDNiao track answers and pushes -> carrier-scan (fixtures in tests/unit/feeds/, our own, in KDNiao's shape)."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from detectors.feeds import convert_feed
from detectors.feeds.kdniao import STATES

FIXTURES = Path(__file__).parent / "feeds"
JD_QUERY = (FIXTURES / "kdniao_jd_query.json").read_bytes()
PUSH = (FIXTURES / "kdniao_push.json").read_bytes()

# Every State / StateEx / Action code, pinned here, not read from the table.
EXPECTED = {
    "0": "unknown", "10": "unknown", "1": "collected", "2": "in_transit", "201": "in_transit", "204": "in_transit",
    "205": "in_transit", "206": "in_transit", "202": "delivering", "211": "delivering", "3": "signed",
    "301": "signed", "302": "signed", "304": "signed", "311": "signed", "4": "exception", "401": "exception",
    "402": "exception", "403": "exception", "404": "returned", "405": "exception", "406": "returned",
    "407": "returned", "412": "exception", "413": "exception", "414": "exception", "415": "exception",
    "416": "exception", "417": "exception", "418": "exception", "419": "exception", "420": "exception",
    "421": "exception", "422": "exception", "423": "exception", "5": "in_transit", "6": "in_transit",
    "601": "in_transit", "602": "in_transit", "603": "in_transit", "604": "exception",
}
NEUTRAL = "快件处理中"


def track(*traces: dict, **top) -> bytes:
    return orjson.dumps({"ShipperCode": "ZTO", "LogisticCode": "7865", "State": "2", **top, "Traces": list(traces)})


def one(payload: bytes) -> dict:
    result = convert_feed("kdniao", payload)
    assert result.dead == [] and len(result.scans) == 1
    return result.scans[0]


def test_jd_query_maps_each_action_and_keeps_the_location():
    scans = convert_feed("kdniao", JD_QUERY).scans
    assert [s["status"] for s in scans] == ["collected", "in_transit", "in_transit", "in_transit", "in_transit",
                                             "in_transit", "delivering", "signed"]
    assert {(s["carrier"], s["waybill_no"]) for s in scans} == {("JD", "JDVB01234567890")}
    assert [s["city"] for s in scans[-3:]] == ["杭州市"] * 3
    assert scans[0]["scanned_at"] == "2026-11-11T10:20:00+08:00"


def test_a_push_carries_one_parcel_per_data_item():
    scans = convert_feed("kdniao", PUSH).scans
    by_parcel = {}
    for s in scans:
        by_parcel.setdefault((s["carrier"], s["waybill_no"]), []).append(s["status"])
    assert by_parcel == {
        ("ZTO", "78650099990001"): ["collected", "in_transit", "in_transit", "delivering", "delivering"],
        # no Action: the wording decides; "到【…】" says too little to call it anything
        ("HTKY", "557000000001"): ["collected", "unknown", "in_transit"],
    }
    assert [s["scanned_at"] for s in scans] == sorted(s["scanned_at"] for s in scans)


@pytest.mark.parametrize("code, status", sorted(EXPECTED.items()))
def test_every_action_code(code, status):
    assert one(track({"AcceptTime": "2026-11-11 10:00:00", "AcceptStation": NEUTRAL, "Action": code}))["status"] == status
    assert one(track({"AcceptTime": "2026-11-11 10:00:00", "AcceptStation": NEUTRAL, "Action": int(code)}))["status"] == status


def test_the_table_holds_exactly_the_pinned_codes():
    assert STATES == EXPECTED


def test_a_trace_state_counts_when_there_is_no_action_and_the_parcel_state_never_does():
    assert one(track({"AcceptTime": "2026-11-11 10:00:00", "AcceptStation": NEUTRAL, "State": "1"}))["status"] == "collected"
    assert one(track({"AcceptTime": "2026-11-11 10:00:00", "AcceptStation": NEUTRAL}, State="3", StateEx="301"))[
        "status"] == "unknown"


def test_carrier_codes_in_the_contract_spelling():
    for shipper, carrier in (("YD", "YUNDA"), ("JTSD", "JT"), ("sto", "STO"), ("DBL", "DBL")):
        assert one(track({"AcceptTime": "2026-11-11 10:00:00", "AcceptStation": NEUTRAL},
                         ShipperCode=shipper))["carrier"] == carrier


def test_ids_are_deterministic():
    first, again = convert_feed("kdniao", JD_QUERY).scans, convert_feed("kdniao", JD_QUERY).scans
    assert [s["event_id"] for s in first] == [s["event_id"] for s in again]
    assert len({s["event_id"] for s in first}) == len(first)
    trace = {"AcceptTime": "2026-11-11 10:00:00", "AcceptStation": NEUTRAL}
    assert one(track(trace))["event_id"] != one(track({**trace, "Action": "2"}))["event_id"]


def test_no_trace_yet_gives_nothing():
    result = convert_feed("kdniao", orjson.dumps({"ShipperCode": "ZTO", "LogisticCode": "7865", "State": "0",
                                                 "Success": True, "Reason": "暂无轨迹信息"}))
    assert result.scans == [] and result.dead == []


def test_bad_traces_and_documents_are_dead_letters_that_name_the_field():
    result = convert_feed("kdniao", track(
        {"AcceptTime": "2026-11-11 10:00:00", "AcceptStation": "已揽收"},
        {"AcceptStation": "no time"},
        {"AcceptTime": "2026-11-11 10:00:00", "AcceptStation": ""},
        {"AcceptTime": "2026-11-11 10:00:00", "AcceptStation": NEUTRAL, "Action": "二"},
        {"AcceptTime": ["2026-11-11"], "AcceptStation": NEUTRAL}))
    assert len(result.scans) == 1
    assert [(d.reason, d.detail) for d in result.dead] == [
        ("missing_field", "missing field Traces[1].AcceptTime"),
        ("empty_field", "Traces[2].AcceptStation is empty"),
        ("wrong_type", "Traces[3].Action must be a number"),
        ("wrong_type", "Traces[4].AcceptTime must be a time string or epoch ms")]
    for payload, detail in (({"ShipperCode": "ZTO", "State": "2", "Traces": []}, "missing field LogisticCode"),
                            ({"ShipperCode": "ZTO", "LogisticCode": "1", "State": "2"}, "missing field Traces"),
                            ({"Data": [1]}, "Data[0] must be an object"),
                            ({"Data": [{"ShipperCode": "ZTO", "Traces": []}]}, "missing field Data[0].LogisticCode")):
        result = convert_feed("kdniao", orjson.dumps(payload))
        assert result.scans == [] and [d.detail for d in result.dead] == [detail]
