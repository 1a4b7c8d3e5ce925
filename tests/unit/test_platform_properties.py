"""The invariance properties of test_properties.py under policy platform-2026-07: arrivals
shuffled within the allowed lateness, and redeliveries, change no violation and no escalation."""
from __future__ import annotations

import orjson
from hypothesis import given, settings, strategies as st

from stream.eventlog import parse_line
from stream.offline import run_offline
from stream.policies import load_policy

from .test_properties import LATENESS, arrivals, in_time_order, scenario

POLICY = load_policy("platform-2026-07")


def run(messages) -> bytes:
    records = [parse_line(n, orjson.dumps({"topic": t, "key": None, "value": v}))
               for n, (t, v) in enumerate(messages, 1)]
    result = run_offline(records, POLICY, LATENESS)
    return b"".join(orjson.dumps(x) + b"\n" for x in result.violations + result.escalations)


@settings(max_examples=150, deadline=None)
@given(scenario(), st.data())
def test_shuffles_within_lateness_change_nothing(events, data):
    delays = data.draw(st.lists(st.integers(0, LATENESS), min_size=len(events), max_size=len(events)))
    assert run(arrivals(events, delays)) == run(in_time_order(events))


@settings(max_examples=100, deadline=None)
@given(scenario(), st.data())
def test_redeliveries_change_nothing(events, data):
    again = data.draw(st.lists(st.sampled_from(events), max_size=len(events))) if events else []
    doubled = events + again
    delays = data.draw(st.lists(st.integers(0, LATENESS), min_size=len(doubled), max_size=len(doubled)))
    assert run(arrivals(doubled, delays)) == run(in_time_order(events))


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
    out = run(events)
    assert b"collect_timeout_24h" in out and b"transit_timeout" in out
