"""Hub records (CONTRACT §2) on each carrier's own wording, as the feeds deliver it: platform-2026-07
adds ZTO's bare 中心; seed-v1 keeps the contract's list for every carrier."""
from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from detectors.feeds import convert_feed
from detectors.hubs import is_hub_record
from detectors.policy import policy_from_text
from detectors.timeparse import parse_time
from stream.eventlog import read_log
from stream.offline import run_offline
from stream.policies import bundled_text, load_policy

FIXTURES = Path(__file__).parent / "feeds"
POLICY = load_policy("platform-2026-07")
SEED = load_policy("seed-v1")
CARRIERS = ("ZTO", "YTO", "YUNDA", "STO", "SF", "JD", "JT", "EMS")


def hub(description: str, carrier: str, policy=POLICY) -> bool:
    return is_hub_record(description, policy.hub_suffixes_for(carrier), policy.destination_words)


def hubs_of(fmt: str, fixture: str, waybill: str) -> list[tuple[str, bool]]:
    scans = convert_feed(fmt, (FIXTURES / fixture).read_bytes()).scans
    return [(s["description"], hub(s["description"], s["carrier"])) for s in scans if s["waybill_no"] == waybill]


def test_sf_hubs_are_zhongzhuanchang_and_heading_for_one_is_not_being_there():
    assert [is_hub for _, is_hub in hubs_of("sf", "sf_push.json", "SF1400012345678")] == [
        False,   # 顺丰速运 已收取快件
        False,   # 快件在【上海闵行莘庄店】完成分拣，准备发往 【上海青浦中转场】
        False,   # 快件离开 【上海闵行莘庄店】，已在发往  【上海青浦中转场】 的路上
        True,    # 快件到达 【上海青浦中转场】
        True,    # 快件在【上海青浦中转场】完成分拣，准备发往 【杭州萧山中转场】
        False, False, False]


def test_zto_bare_zhongxin_in_brackets_is_a_hub_for_zto_only():
    found = hubs_of("kuaidi100", "kuaidi100_zto_push.json", "78650012345678")
    first_hub = next(description for description, is_hub in found if is_hub)
    assert first_hub == "【上海市】 快件已经到达 【上海浦东中心】"
    assert not hub("【上海市】 快件离开 【金桥网点】 已发往 【上海浦东中心】", "ZTO")      # only the destination
    assert hub("【上海市】 快件离开 【上海浦东中心】 已发往 【嘉兴转运中心】", "ZTO")
    for other in (c for c in CARRIERS if c != "ZTO"):                                  # unchanged for the others
        assert not hub(first_hub, other)
        assert POLICY.hub_suffixes_for(other) == POLICY.hub_suffixes
    for carrier in CARRIERS:                                                           # seed-v1: the contract's list
        assert not hub(first_hub, carrier, SEED) and SEED.hub_suffixes_for(carrier) == SEED.hub_suffixes


def test_known_limit_any_bracketed_name_ending_in_zhongxin_is_a_zto_hub():
    # The ZTO suffix is the bare 中心 before 】: a 客服中心 or 服务中心 in brackets reads as a hub too.
    assert hub("【杭州客服中心】提醒您", "ZTO") and not hub("【杭州客服中心】提醒您", "YTO")


def test_zto_in_a_kdniao_push_too():
    found = hubs_of("kdniao", "kdniao_push.json", "78650099990001")
    assert [d for d, is_hub in found if is_hub] == ["【上海市】 快件已经到达 【上海浦东中心】"]


def test_jd_fenjian_zhongxin():
    found = hubs_of("kdniao", "kdniao_jd_query.json", "JDVB01234567890")
    assert [d for d, is_hub in found if is_hub] == [
        "您的快件已到达【北京亦庄分拣中心】", "您的快件在【北京亦庄分拣中心】分拣完成", "您的快件已到达【杭州分拣中心】"]
    assert not hub("您的快件已离开【北京朝阳营业部】，准备送往【北京亦庄分拣中心】", "JD")


@pytest.mark.parametrize("carrier", CARRIERS)
@pytest.mark.parametrize("description, expected", [
    ("快件已到达【杭州转运中心】", True),
    ("快件已从【杭州转运中心】发出", True),
    ("快件在【杭州集散中心】已完成分拣", True),
    ("快件离开【西湖区网点】已发往【杭州转运中心】", False),
    ("快件离开【西湖区网点】，下一站【杭州中心】", False),
    ("快件已发往【杭州中心】", False),
])
def test_the_contract_examples_and_the_destination_words_hold_for_every_carrier(carrier, description, expected):
    assert hub(description, carrier) is expected and hub(description, carrier, SEED) is expected


def test_per_carrier_suffixes_replace_and_extra_suffixes_add():
    text = bundled_text("platform-2026-07").replace("ZTO: {extra_suffixes: [中心】]}",
                                                    "ZTO: {extra_suffixes: [中心】]}\n    JT: {suffixes: [集散中心]}")
    policy = policy_from_text(text)
    assert policy.hub_suffixes_for("ZTO") == (*POLICY.hub_suffixes, "中心】")
    assert policy.hub_suffixes_for("JT") == ("集散中心",)
    assert not hub("快件到达【杭州转运中心】", "JT", policy) and hub("快件到达【杭州集散中心】", "JT", policy)


def test_the_detector_sees_zto_bare_zhongxin_as_the_first_hub():
    """End to end: a ZTO parcel whose only hub within 24 h of pickup is 【上海浦东中心】."""
    traces = [("2026-11-11 10:00:00", "【上海市】 【金桥网点】 的 X 已揽收", "1"),
              ("2026-11-11 13:00:00", "【上海市】 快件已经到达 【上海浦东中心】", "2"),
              ("2026-11-12 16:00:00", "【苏州市】 快件已经到达 【昆山转运中心】", "2"),
              ("2026-11-13 09:00:00", "【苏州市】 您的快递已签收", "301")]
    feed = orjson.dumps({"ShipperCode": "ZTO", "LogisticCode": "7865001", "Traces": [
        {"AcceptTime": t, "AcceptStation": text, "Action": action} for t, text, action in traces]})
    address = {"province": "江苏省", "city": "苏州市", "district": "昆山市", "detail_hash": "h"}
    log = [{"topic": "order-paid", "key": "o1", "value": {
               "event_id": "p1", "order_id": "o1", "shop_id": "s1", "product_id": "g1", "paid_at": "2026-11-11T09:00:00+08:00",
               "paid_amount_fen": 5000, "recipient_id": "r1", "address": address}},
           {"topic": "tracking-uploaded", "key": "o1", "value": {
               "event_id": "u1", "order_id": "o1", "shop_id": "s1", "carrier": "ZTO", "waybill_no": "7865001",
               "uploaded_at": "2026-11-11T09:30:00+08:00"}}]
    log += [{"topic": "carrier-scan", "key": "ZTO:7865001", "value": s} for s in convert_feed("kdniao", feed).scans]
    text = b"\n".join(orjson.dumps(line) for line in log)
    as_of = parse_time("2026-11-20T00:00:00+08:00")

    def rules(policy) -> list[str]:
        return [v["rule"] for v in run_offline(read_log(io.BytesIO(text)), policy, 300_000, as_of).violations]

    assert rules(POLICY) == []
    without = policy_from_text(bundled_text("platform-2026-07").replace("ZTO: {extra_suffixes: [中心】]}", "{}"))
    assert rules(without) == ["dispatch_timeout_24h"]                 # 发运超时: no hub within 24 h
    assert rules(SEED) == ["no_transfer_center_24h"]                  # the contract's list has no bare 中心
