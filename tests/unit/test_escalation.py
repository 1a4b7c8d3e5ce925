"""Shop- and product-level escalations of policy platform-2026-07 (detectors/escalation.py):
thresholds exactly at and around their values, day windows on event time, and the same
escalations whatever order the inputs arrive in."""
from __future__ import annotations

import random

import pytest

from detectors.decisions import Decision
from detectors.escalation import Escalations, day_bounds
from detectors.events import Address
from detectors.messages import OrderFacts
from stream.policies import load_policy

POLICY = load_policy("platform-2026-07")
HOUR, DAY = 3_600_000, 86_400_000
D0 = day_bounds("2026-11-02", "Asia/Shanghai")[0]          # 2026-11-02T00:00:00+08:00
ADDRESS = Address("浙江省", "杭州市", "西湖区", "d1")


def order(n: int, shop: str = "s1", product: str = "p1", paid_at: int = D0 + HOUR, hours: int = 48) -> OrderFacts:
    return OrderFacts(f"o{n:04d}", shop, paid_at, 10000, "r1", ADDRESS, paid_at + hours * HOUR, f"pay{n}", product)


def decided(facts: OrderFacts, rule: str, at: int) -> Decision:
    return Decision(rule, facts, None, None, at, (facts.paid_event_id,))


def run(inputs, through: int = D0 + 10 * DAY) -> list[dict]:
    esc = Escalations(POLICY)
    for item in inputs:
        esc.opened(item) if isinstance(item, OrderFacts) else esc.decided(item)
    esc.close(through)
    return esc.emitted


def kinds(emitted) -> list[tuple]:
    return [(e["kind"], e["shop_id"], e["product_id"], e["day"], e["orders"], e["base"]) for e in emitted]


# -- shop_fraud: >= 3 fraud orders in a shop's day ---------------------------------------------
@pytest.mark.parametrize("n, escalates", [(2, False), (3, True), (4, True)])
def test_fraud_orders_threshold(n, escalates):
    inputs = [decided(order(k), "route_address_mismatch", D0 + 5 * HOUR) for k in range(n)]
    assert kinds(run(inputs)) == ([("shop_fraud", "s1", None, "2026-11-02", n, None)] if escalates else [])


def test_fraud_counts_orders_not_decisions():
    o1, o2 = order(1), order(2)
    inputs = [decided(o1, "route_address_mismatch", D0 + HOUR), decided(o1, "not_received", D0 + 2 * HOUR),
              decided(o2, "duplicate_waybill", D0 + 3 * HOUR)]
    assert run(inputs) == []


def test_fraud_ignores_timeouts_and_other_shops():
    inputs = [decided(order(1), "route_address_mismatch", D0 + HOUR),
              decided(order(2), "pickup_before_payment", D0 + HOUR),
              decided(order(3), "collect_timeout_24h", D0 + HOUR),                # a timeout, not fraud
              decided(order(4, shop="s2"), "not_received", D0 + HOUR)]           # another shop
    assert run(inputs) == []


def test_fraud_day_is_the_shanghai_calendar_day_of_decided_at():
    last_ms, midnight = D0 + DAY - 1, D0 + DAY
    split = [decided(order(1), "route_address_mismatch", D0), decided(order(2), "route_address_mismatch", last_ms),
             decided(order(3), "route_address_mismatch", midnight)]
    assert run(split) == []
    same = split[:2] + [decided(order(3), "route_address_mismatch", last_ms)]
    assert kinds(run(same)) == [("shop_fraud", "s1", None, "2026-11-02", 3, None)]


# -- shop_abnormal_track: rate > 10 % of the day's paid orders and >= 20 abnormal orders -------
def abnormal_day(abnormal: int, paid: int) -> list:
    """`paid` orders of s1 paid on day 0; `abnormal` others (paid the day before) decided on day 0."""
    inputs = [order(k) for k in range(paid)]
    for k in range(abnormal):
        early = order(1000 + k, paid_at=D0 - 20 * HOUR)
        inputs += [early, decided(early, "collect_timeout_24h", D0 + 4 * HOUR)]
    return inputs


@pytest.mark.parametrize("abnormal, paid, escalates", [
    (20, 200, False),     # exactly 10 %: not over
    (20, 199, True),      # 10.05 %
    (21, 200, True),      # 10.5 %
    (19, 100, False),     # 19 %, but under 20 orders
    (20, 100, True),
    (20, 0, True),        # no paid orders that day: any rate is over
])
def test_abnormal_track_thresholds(abnormal, paid, escalates):
    got = kinds(run(abnormal_day(abnormal, paid)))
    assert got == ([("shop_abnormal_track", "s1", None, "2026-11-02", abnormal, paid)] if escalates else [])


def test_abnormal_track_rules_are_the_three_track_timeouts():
    inputs = [order(k) for k in range(100)]
    for k, rule in enumerate(["collect_timeout_24h", "dispatch_timeout_24h", "transit_timeout"] * 7):
        inputs.append(decided(order(2000 + k, paid_at=D0 - DAY), rule, D0 + 5 * HOUR))
    inputs.append(decided(order(3000, paid_at=D0 - DAY), "ship_timeout", D0 + 5 * HOUR))   # not a track
    assert kinds(run(inputs)) == [("shop_abnormal_track", "s1", None, "2026-11-02", 21, 100)]


# -- product_overdue: >= 50 % of the product's orders due that day, >= 100 of them -------------
def overdue_day(late: int, due: int) -> list:
    inputs = []
    for k in range(due):
        o = order(k, paid_at=D0 - 2 * DAY + HOUR)            # due on day 0 at 01:00
        inputs.append(o)
        if k < late:
            inputs.append(decided(o, "ship_timeout", o.deadline))
    return inputs


@pytest.mark.parametrize("late, due, escalates", [
    (50, 100, True),      # 50 % with 100 orders
    (49, 100, False),     # 49 %
    (50, 101, False),     # 49.5 %
    (51, 102, True),      # 50 % again
    (50, 99, False),      # 50.5 %, but 99 orders
    (99, 99, False),
    (100, 100, True),
])
def test_product_overdue_thresholds(late, due, escalates):
    got = kinds(run(overdue_day(late, due)))
    assert got == ([("product_overdue", "s1", "p1", "2026-11-02", late, due)] if escalates else [])


def test_product_overdue_is_per_product_of_a_shop():
    due = D0 - 2 * DAY + HOUR
    on_time = [order(500 + k, product="p2", paid_at=due) for k in range(100)]          # s1's other product
    elsewhere = [order(700 + k, shop="s2", paid_at=due) for k in range(40)]              # p1 of shop s2
    elsewhere += [decided(o, "ship_timeout", o.deadline) for o in elsewhere]
    assert kinds(run(overdue_day(50, 100) + on_time + elsewhere)) == \
        [("product_overdue", "s1", "p1", "2026-11-02", 50, 100)]


# -- windows close on event time, once ----------------------------------------------------------
def test_a_day_closes_when_the_watermark_passes_its_last_millisecond():
    esc = Escalations(POLICY)
    for item in [decided(order(k), "route_address_mismatch", D0 + HOUR) for k in range(3)]:
        esc.decided(item)
    assert esc.close(D0 + DAY - 2) == []
    first = esc.close(D0 + DAY - 1)
    assert [e["kind"] for e in first] == ["shop_fraud"]
    assert first[0]["window_start"] == D0 and first[0]["window_end"] == D0 + DAY
    assert esc.close(D0 + 5 * DAY) == [] and esc.emitted == first        # emitted once


def test_an_input_for_a_closed_day_is_late_and_changes_nothing():
    esc = Escalations(POLICY)
    for k in range(2):
        esc.decided(decided(order(k), "route_address_mismatch", D0 + HOUR))
    esc.close(D0 + DAY)
    esc.decided(decided(order(9), "route_address_mismatch", D0 + 2 * HOUR))
    assert esc.late == 1 and esc.close(D0 + 3 * DAY) == [] and esc.emitted == []


def test_ids_are_deterministic_and_name_kind_subject_and_day():
    a = run([decided(order(k), "route_address_mismatch", D0 + HOUR) for k in range(3)])
    b = run([decided(order(k), "route_address_mismatch", D0 + 20 * HOUR) for k in range(3)])
    c = run([decided(order(k, shop="s2"), "route_address_mismatch", D0 + HOUR) for k in range(3)])
    d = run([decided(order(k), "route_address_mismatch", D0 + DAY + HOUR) for k in range(3)])
    assert a[0]["escalation_id"] == b[0]["escalation_id"]
    assert len({a[0]["escalation_id"], c[0]["escalation_id"], d[0]["escalation_id"]}) == 3


@pytest.mark.parametrize("seed", range(5))
def test_any_arrival_order_gives_the_same_escalations(seed):
    inputs = (abnormal_day(25, 150) + overdue_day(60, 110)
              + [decided(order(5000 + k, shop="s3"), "not_received", D0 + k * 7 * HOUR) for k in range(12)])
    baseline = run(inputs)
    assert {e["kind"] for e in baseline} == {"shop_fraud", "shop_abnormal_track", "product_overdue"}
    shuffled = inputs[:]
    random.Random(seed).shuffle(shuffled)
    assert run(shuffled) == baseline
    stepwise = Escalations(POLICY)                 # closed day by day while the inputs arrive
    for item in sorted(shuffled, key=lambda x: x.paid_at if isinstance(x, OrderFacts) else x.decided_at):
        t = item.paid_at if isinstance(item, OrderFacts) else item.decided_at
        stepwise.close(t - 1)
        stepwise.opened(item) if isinstance(item, OrderFacts) else stepwise.decided(item)
    stepwise.close(D0 + 10 * DAY)
    assert stepwise.emitted == baseline and stepwise.late == 0
