"""Order, duplicate and format invariance (issue 2): shuffling arrivals within
the allowed lateness, redelivering events, and writing times as epoch ms
instead of RFC 3339 change no output byte, violations and escalations, under each policy."""
from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from detectors.timeparse import format_time
from stream.eventlog import parse_line
from stream.offline import run_offline
from stream.policies import load_policy

POLICIES = [pytest.param(load_policy(name), id=name) for name in ("seed-v1", "platform-2026-07")]
LATENESS = 5 * 60_000
T0 = 1_793_462_400_000          # 2026-11-01T00:00:00+08:00
MINUTE, HOUR = 60_000, 3_600_000

ORDERS = [f"o{i}" for i in range(4)]
PARCELS = [("ZTO", "7531"), ("ZTO", "7532"), ("SF", "SF1")]
CITIES = ["杭州", "杭州市", "上海市"]
TEXTS = ["快件已到达【杭州转运中心】", "快件离开【西湖区网点】已发往【杭州转运中心】", "【杭州市】快件已揽收"]
STATUSES = ["collected", "in_transit", "delivering", "signed"]

# Times land on a coarse grid so that ties (equal times across topics) are common.
times = st.integers(0, 20 * 24).map(lambda h: T0 + h * HOUR) | st.integers(0, 300).map(lambda m: T0 + 47 * HOUR + m * MINUTE)


@st.composite
def scenario(draw):
    events = []
    for i, order in enumerate(draw(st.lists(st.sampled_from(ORDERS), min_size=1, max_size=4, unique=True))):
        events.append(("order-paid", {
            "event_id": f"p{i}", "order_id": order, "shop_id": "s1", "product_id": "g1",
            "paid_at": draw(times), "paid_amount_fen": draw(st.integers(0, 50_000)),
            "recipient_id": draw(st.sampled_from(["r1", "r2"])),
            "address": {"province": "浙江省", "city": draw(st.sampled_from(CITIES)), "district": "西湖区",
                        "detail_hash": "d1"}}))
    for i in range(draw(st.integers(0, 6))):
        carrier, waybill = draw(st.sampled_from(PARCELS))
        events.append(("tracking-uploaded", {
            "event_id": f"u{i}", "order_id": draw(st.sampled_from(ORDERS)), "shop_id": "s1",
            "carrier": carrier, "waybill_no": waybill, "uploaded_at": draw(times),
            "action": draw(st.sampled_from(["upload", "upload", "cancel"]))}))
    for i in range(draw(st.integers(0, 8))):
        carrier, waybill = draw(st.sampled_from(PARCELS))
        events.append(("carrier-scan", {
            "event_id": f"c{i}", "carrier": carrier, "waybill_no": waybill, "scanned_at": draw(times),
            "status": draw(st.sampled_from(STATUSES)), "description": draw(st.sampled_from(TEXTS)),
            "city": draw(st.sampled_from(CITIES))}))
    return events


TIME_FIELDS = ("paid_at", "uploaded_at", "scanned_at")


def event_time(value: dict) -> int:
    return next(value[f] for f in TIME_FIELDS if f in value)


def as_rfc3339(value: dict) -> dict:
    return {k: format_time(v) if k in TIME_FIELDS else v for k, v in value.items()}


def run(messages, policy) -> bytes:
    records = [parse_line(n, orjson.dumps({"topic": t, "key": None, "value": v})) for n, (t, v) in enumerate(messages, 1)]
    result = run_offline(records, policy, LATENESS)
    return b"".join(orjson.dumps(v) + b"\n" for v in result.violations + result.escalations)


def in_time_order(events):
    return sorted(events, key=lambda e: event_time(e[1]))


def arrivals(events, delays):
    """Each message delayed by at most the lateness: disorder stays within it."""
    order = sorted(range(len(events)), key=lambda i: (event_time(events[i][1]) + delays[i], i))
    return [events[i] for i in order]


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=150, deadline=None)
@given(events=scenario(), data=st.data())
def test_shuffles_within_lateness_change_nothing(policy, events, data):
    delays = data.draw(st.lists(st.integers(0, LATENESS), min_size=len(events), max_size=len(events)))
    assert run(arrivals(events, delays), policy) == run(in_time_order(events), policy)


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=150, deadline=None)
@given(events=scenario(), data=st.data())
def test_redeliveries_change_nothing(policy, events, data):
    again = data.draw(st.lists(st.sampled_from(events), max_size=len(events))) if events else []
    doubled = events + again
    delays = data.draw(st.lists(st.integers(0, LATENESS), min_size=len(doubled), max_size=len(doubled)))
    assert run(arrivals(doubled, delays), policy) == run(in_time_order(events), policy)


@settings(max_examples=150, deadline=None)
@given(scenario(), st.data())
def test_epoch_ms_and_rfc3339_give_the_same_bytes(events, data):
    ordered = in_time_order(events)
    as_text = [(t, as_rfc3339(v)) for t, v in ordered]
    mixed = [(t, as_rfc3339(v) if data.draw(st.booleans()) else v) for t, v in ordered]
    policy = POLICIES[0].values[0]
    baseline = run(ordered, policy)
    assert run(as_text, policy) == baseline
    assert run(mixed, policy) == baseline


def test_the_scenarios_do_decide_something():
    """Guard against a vacuous property: the generator's space reaches violations."""
    events = [
        ("order-paid", {"event_id": "p0", "order_id": "o0", "shop_id": "s1", "product_id": "g1", "paid_at": T0,
                        "paid_amount_fen": 100, "recipient_id": "r1",
                        "address": {"province": "浙江省", "city": "杭州", "district": "西湖区", "detail_hash": "d1"}}),
        ("carrier-scan", {"event_id": "c0", "carrier": "ZTO", "waybill_no": "7531", "scanned_at": T0 + 20 * 24 * HOUR,
                          "status": "collected", "description": TEXTS[2], "city": "杭州"}),
    ]
    assert b"ship_timeout" in run(events, POLICIES[0].values[0])


def test_the_scenarios_reach_the_new_rules():
    """Guard against a vacuous property: a parcel collected and seen at a hub, then silent."""
    t0, hour = 1_793_462_400_000, 3_600_000
    events = [
        ("order-paid", {"event_id": "p0", "order_id": "o0", "shop_id": "s1", "product_id": "g1", "paid_at": t0,
                        "paid_amount_fen": 100, "recipient_id": "r1",
                        "address": {"province": "浙江省", "city": "杭州", "district": "西湖区", "detail_hash": "d1"}}),
        ("tracking-uploaded", {"event_id": "u0", "order_id": "o0", "shop_id": "s1", "carrier": "ZTO",
                               "waybill_no": "7531", "uploaded_at": t0 + hour}),
        ("carrier-scan", {"event_id": "c0", "carrier": "ZTO", "waybill_no": "7531", "scanned_at": t0 + 30 * hour,
                          "status": "in_transit", "description": "快件已到达【杭州转运中心】", "city": "杭州"}),
        ("carrier-scan", {"event_id": "c1", "carrier": "ZTO", "waybill_no": "7531", "scanned_at": t0 + 200 * hour,
                          "status": "signed", "description": "【杭州市】快件已签收", "city": "杭州"}),
    ]
    out = run(events, POLICIES[1].values[0])
    assert b"collect_timeout_24h" in out and b"transit_timeout" in out
