"""SF route pushes and route queries -> carrier-scan (fixtures in tests/unit/feeds/, our own, in SF's shape)."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from detectors.feeds import convert_feed
from detectors.feeds.sf import OP_CODES

FIXTURES = Path(__file__).parent / "feeds"
PUSH = (FIXTURES / "sf_push.json").read_bytes()
QUERY = (FIXTURES / "sf_query.json").read_bytes()

EXPECTED = {"50": "collected", "54": "collected", "30": "in_transit", "31": "in_transit", "36": "in_transit",
            "44": "delivering", "204": "delivering", "80": "signed", "648": "returned"}
NEUTRAL = "快件处理中"


def routes(*items: dict, mail_no: str = "SF1") -> bytes:
    return orjson.dumps({"routeResps": [{"mailNo": mail_no, "routes": list(items)}]})


def one(payload: bytes) -> dict:
    result = convert_feed("sf", payload)
    assert result.dead == [] and len(result.scans) == 1
    return result.scans[0]


def test_push_names_the_waybill_on_each_route():
    scans = convert_feed("sf", PUSH).scans
    by_parcel = {}
    for s in scans:
        by_parcel.setdefault(s["waybill_no"], []).append(s["status"])
    assert by_parcel == {
        "SF1400012345678": ["collected", "in_transit", "in_transit", "in_transit", "in_transit", "delivering",
                            "delivering", "signed"],
        "SF1400087654321": ["collected", "returned"],
    }
    assert {s["carrier"] for s in scans} == {"SF"}
    assert scans[0]["city"] == "上海市" and scans[0]["scanned_at"] == "2026-11-11T10:30:56+08:00"


def test_query_inside_msg_data_and_an_unlisted_op_code_falls_back_to_the_wording():
    scans = convert_feed("sf", QUERY).scans
    assert [(s["waybill_no"], s["status"]) for s in scans] == [
        ("SF1400055550000", "collected"), ("SF1400055550000", "in_transit"), ("SF1400055550000", "in_transit")]
    wrapped = orjson.dumps({"apiResultCode": "A1000", "apiResultData": QUERY.decode()})
    assert convert_feed("sf", wrapped).scans == scans


@pytest.mark.parametrize("op, status", sorted(EXPECTED.items()))
def test_every_listed_op_code(op, status):
    route = {"acceptTime": "2026-11-11 10:00:00", "remark": NEUTRAL, "opCode": op}
    assert one(routes(route))["status"] == status
    assert one(routes({**route, "opCode": int(op)})) == one(routes(route))       # 80 and "80": the same scan


def test_the_table_holds_exactly_the_listed_codes():
    assert OP_CODES == EXPECTED


def test_an_unlisted_op_code_with_plain_wording_is_unknown():
    assert one(routes({"acceptTime": "2026-11-11 10:00:00", "remark": NEUTRAL, "opCode": "407"}))["status"] == "unknown"


def test_route_list_with_scan_date_time():
    scan = one(orjson.dumps({"mailNo": "SF9", "routes": [
        {"scanDateTime": "2026-11-04 14:01:49", "opCode": "31", "zoneCode": "021WG", "remark": "快件到达 【上海浦江中转场】"}]}))
    assert (scan["waybill_no"], scan["status"], scan["scanned_at"]) == ("SF9", "in_transit", "2026-11-04T14:01:49+08:00")
    assert "city" not in scan                          # a zone code is not a city


def test_ids_are_deterministic():
    first, again = convert_feed("sf", PUSH).scans, convert_feed("sf", PUSH).scans
    assert [s["event_id"] for s in first] == [s["event_id"] for s in again]
    assert len({s["event_id"] for s in first}) == len(first)


def test_bad_routes_and_documents_are_dead_letters_that_name_the_field():
    result = convert_feed("sf", routes({"acceptTime": "2026-11-11 10:00:00", "remark": "顺丰速运 已收取快件", "opCode": "50"},
                                       {"acceptTime": "2026-11-11 25:00:00", "remark": NEUTRAL, "opCode": "30"},
                                       {"acceptTime": "2026-11-11 11:00:00", "opCode": "30"}))
    assert len(result.scans) == 1
    assert [(d.reason, d.detail) for d in result.dead] == [
        ("bad_time", "routeResps[0].routes[1].acceptTime: invalid date or time of day"),
        ("missing_field", "missing field routeResps[0].routes[2].remark")]
    push = orjson.loads(PUSH)
    del push["Body"]["WaybillRoute"][1]["mailno"]
    for payload, detail in ((push, "missing field Body.WaybillRoute[1].mailno"),
                            ({"Body": []}, "Body must be an object"),
                            ({"routes": []}, "missing field mailNo"),
                            ({"apiResultData": "{"}, "apiResultData is not valid JSON")):
        result = convert_feed("sf", orjson.dumps(payload))
        assert result.scans == [] and [d.detail for d in result.dead] == [detail]
