"""Event-time expiry (detectors/retention.py): the keyed states, the 30-day
waybill index above all, stop growing at their window."""
from __future__ import annotations

import dataclasses

import pytest

from detectors.engine import Engine
from detectors.messages import ORDER, PARCEL, PICKUP
from detectors.policy import PolicyError, policy_from_text
from stream.policies import bundled_text

from .test_rule_cases import LATENESS, POLICY, T0, build, ms

DAY = 86_400_000
SHIPPED = [  # one order, shipped and signed within two days
    {"paid": {"order": "o1", "at": "0h"}},
    {"upload": {"order": "o1", "parcel": "ZTO:1", "at": "1h"}},
    {"scan": {"parcel": "ZTO:1", "status": "collected", "at": "2h"}},
    {"scan": {"parcel": "ZTO:1", "status": "in_transit", "at": "3h"}},
    {"scan": {"parcel": "ZTO:1", "status": "signed", "at": "2d", "city": "杭州市"}},
]


def engine_after(events: list, watermark_at: str) -> Engine:
    engine = Engine(POLICY, lateness_ms=LATENESS)
    for event in build({"events": events + [{"paid": {"order": "later", "at": watermark_at}}]}):
        engine.offer(event)
    engine.finish()
    return engine


def test_keys_are_forgotten_once_the_watermark_passes_their_retention():
    # the last input on the parcel is at 2d, the not_received deadline at 1h+15d: kept until 30d after the later
    kept_until = ms("1h") + 15 * DAY + POLICY.retention_ms
    before = engine_after(SHIPPED, fmt_ms(kept_until - 1 + LATENESS))
    assert "ZTO:1" in before.states[PARCEL]
    assert "o1" not in before.states[ORDER]        # the order's own last deadline (48 h) came earlier
    after = engine_after(SHIPPED, fmt_ms(kept_until + 1 + LATENESS))
    assert "ZTO:1" not in after.states[PARCEL]
    assert "o1" not in after.states[ORDER] and "o1" not in after.states[PICKUP]
    assert after.states[PARCEL] == {}


def test_a_key_touched_again_is_kept_from_its_new_activity():
    touched = SHIPPED + [{"scan": {"parcel": "ZTO:1", "status": "unknown", "at": "40d"}}]
    engine = engine_after(touched, "69d")
    assert "ZTO:1" in engine.states[PARCEL]
    assert engine.states[PARCEL]["ZTO:1"].keep_until == T0 + 40 * DAY + POLICY.retention_ms
    assert "ZTO:1" not in engine_after(touched, "71d").states[PARCEL]


def test_the_duplicate_window_still_sees_thirty_days_back():
    """A reuse 29 days after the first upload is still caught after expiry has run elsewhere."""
    events = [
        {"paid": {"order": "a", "at": "0h", "recipient": "r1"}},
        {"upload": {"order": "a", "parcel": "SF:9", "at": "1h"}},
        {"paid": {"order": "b", "at": "29d", "recipient": "r2"}},
        {"upload": {"order": "b", "parcel": "SF:9", "at": "29d1h"}},
    ]
    engine = engine_after(events, "200d")
    assert [v["order_id"] for v in engine.violations if v["rule"] == "duplicate_waybill"] == ["b"]
    assert "SF:9" not in engine.states[PARCEL]


def test_no_violation_changes_with_expiry_on_the_rule_cases():
    """Retention only forgets what no rule can still use: every case decides the same
    with a retention of 30 days as with one of ten years."""
    from .test_rule_cases import params, policy_named, run
    for param in params():
        _, case = param.values
        if "xfail" in case:
            continue
        forever = dataclasses.replace(policy_named(case["policy"]), retention_ms=3650 * DAY)
        events = build(case)
        engine = Engine(forever, lateness_ms=LATENESS, as_of=T0 + ms(case.get("as_of", "60d")))
        for event in events:
            engine.offer(event)
        assert engine.finish() == run(case, events)[0], case["name"]


def test_the_policy_refuses_a_retention_shorter_than_a_window():
    text = bundled_text("seed-v1").replace("retention: 30d", "retention: 20d")
    with pytest.raises(PolicyError, match="retention"):
        policy_from_text(text)


def test_compensation_memory_follows_the_retention():
    """Once per order, within the retention: the book forgets an order compensated
    longer ago than that, as the keyed states forget the order itself."""
    from detectors.decisions import Decision
    from detectors.penalties import PenaltyBook
    order = build({"events": [{"paid": {"order": "o1", "at": "0h"}}]})[0]
    from detectors.messages import OrderFacts
    facts = OrderFacts(order.order_id, order.shop_id, order.paid_at, order.paid_amount_fen, order.recipient_id,
                       order.address, order.paid_at + 48 * 3_600_000, order.event_id)
    book = PenaltyBook(POLICY)
    first = book.charge(Decision("duplicate_waybill", facts, "SF", "1", T0, ("e1",)))
    again = book.charge(Decision("not_received", facts, "SF", "1", T0 + 29 * DAY, ("e2",)))
    long_after = book.charge(Decision("route_address_mismatch", facts, "SF", "2", T0 + 60 * DAY, ("e3",)))
    assert first["amount_fen"] > 0 and again["amount_fen"] == 0
    assert long_after["amount_fen"] == first["amount_fen"]
    assert len(book.compensated) == 1


def fmt_ms(rel: int) -> str:
    return f"{rel}ms"
