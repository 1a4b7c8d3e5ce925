"""The serving view's list-page reads (stream/serving_read.py) against a real redis-server."""
from __future__ import annotations

import uuid

import pytest

from stream.serving import ServingView, connect
from stream.serving_keys import day_of
from stream.serving_read import ServingReader, ViolationFilter

pytestmark = pytest.mark.integration

DAY = 86_400_000
T0 = 1_764_000_000_000          # 2025-11-25 00:00 +08:00 (a day's start in China time)
RULES = ("duplicate_waybill", "ship_timeout", "route_address_mismatch")


def violation(n: int, day: int, rule: str, shop: str, carrier: str | None, fen: int, capped=False) -> dict:
    category = "timeout" if rule == "ship_timeout" else "fake_shipping"
    return {"violation_id": f"vid-{n:03d}", "rule": rule, "category": category, "order_id": f"O{n % 7}",
            "shop_id": shop, "carrier": carrier, "waybill_no": f"W{n}" if carrier else None,
            "decided_at": T0 + day * DAY + n * 1000, "evidence": [f"e{n}"],
            "penalty": {"kind": "compensation", "amount_fen": fen, "capped": capped}, "policy_version": "v1"}


def corpus() -> list[dict]:
    out = []
    for n in range(60):
        rule = RULES[n % 3]
        carrier = None if rule == "ship_timeout" else ("SF", "YTO")[n % 2]
        out.append(violation(n, n % 4, rule, f"S{n % 5}", carrier, fen=(n * 37) % 1000, capped=n % 11 == 0))
    return out


@pytest.fixture
def filled(redis_url):
    client = connect(redis_url)
    prefix = f"t{uuid.uuid4().hex[:8]}"
    view, data = ServingView(client, prefix=prefix), corpus()
    for v in data:
        view.record(v)
    yield ServingReader(client, prefix), data
    client.close()


def expected(data, f: ViolationFilter) -> list[dict]:
    chosen = [v for v in data if all(v[{"shop": "shop_id"}.get(k, k)] == value for k, value in f.given())
              and (f.day_from is None or day_of(v["decided_at"]) >= f.day_from)
              and (f.day_to is None or day_of(v["decided_at"]) <= f.day_to)]
    key = (lambda v: (v["penalty"]["amount_fen"], v["violation_id"])) if f.sort == "penalty" \
        else (lambda v: (v["decided_at"], v["violation_id"]))
    return sorted(chosen, key=key, reverse=f.descending)


FILTERS = [ViolationFilter(), ViolationFilter(rule="ship_timeout"), ViolationFilter(category="fake_shipping"),
           ViolationFilter(shop="S2"), ViolationFilter(carrier="SF", rule="duplicate_waybill"),
           ViolationFilter(day_from=day_of(T0 + DAY), day_to=day_of(T0 + 2 * DAY)),
           ViolationFilter(shop="S1", day_from=day_of(T0 + 2 * DAY)),
           ViolationFilter(sort="penalty"), ViolationFilter(sort="penalty", descending=False, carrier="YTO"),
           ViolationFilter(sort="penalty", rule="duplicate_waybill", day_to=day_of(T0 + DAY)),
           ViolationFilter(descending=False, category="timeout", shop="S3"),
           ViolationFilter(shop="nobody")]


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.as_params().items()))
def test_each_filter_sort_and_page_matches_a_plain_filter(filled, f):
    reader, data = filled
    want = expected(data, f)
    first, second = reader.violations(f, 0, 7), reader.violations(f, 7, 7)
    assert first.total == second.total == len(want)
    assert [v["violation_id"] for v in first.rows + second.rows] == [v["violation_id"] for v in want[:14]]
    assert list(reader.iter_violations(f, batch=4)) == want
    assert not reader.client.keys(f"{reader.keys.p}:tmp:*")        # no temporary key left behind


def test_days_and_daily_aggregates(filled):
    reader, data = filled
    days = reader.days()
    assert days == sorted({day_of(v["decided_at"]) for v in data}) and len(days) == 4
    assert reader.days_between(days[1], days[2]) == days[1:3]
    daily = {d["day"]: d for d in reader.daily(days)}
    for day in days:
        mine = [v for v in data if day_of(v["decided_at"]) == day]
        assert daily[day]["violations"] == len(mine)
        assert daily[day]["penalty_fen"] == sum(v["penalty"]["amount_fen"] for v in mine)
        assert daily[day]["capped"] == sum(v["penalty"]["capped"] for v in mine)
        assert sum(daily[day]["rules"].values()) == len(mine)
        assert daily[day]["fen"].get("ship_timeout", 0) == sum(
            v["penalty"]["amount_fen"] for v in mine if v["rule"] == "ship_timeout")


@pytest.mark.parametrize("subject,field", [("shop", "shop_id"), ("carrier", "carrier")])
def test_leaderboard_over_a_window(filled, subject, field):
    reader, data = filled
    window = reader.days()[1:3]
    mine = [v for v in data if day_of(v["decided_at"]) in window and v[field] is not None]
    board = reader.leaderboard(subject, window, sort="penalty_fen")
    ids = {v[field] for v in mine}
    assert board.total == len(ids)
    fen = {i: sum(v["penalty"]["amount_fen"] for v in mine if v[field] == i) for i in ids}
    assert [r["penalty_fen"] for r in board.rows] == sorted(fen.values(), reverse=True)
    for row in board.rows:
        rows = [v for v in mine if v[field] == row["id"]]
        assert row["violations"] == len(rows) and row["penalty_fen"] == fen[row["id"]]
        assert row["capped"] == sum(v["penalty"]["capped"] for v in rows)
        assert row["fake_rate"] == sum(v["category"] == "fake_shipping" for v in rows) / len(rows)
    assert reader.leaderboard(subject, window, offset=1, limit=1).rows == \
        reader.leaderboard(subject, window).rows[1:2]
    assert reader.leaderboard(subject, []).total == 0
    with pytest.raises(ValueError):
        reader.leaderboard(subject, window, sort="bogus")


def test_escalations_are_counted_once_per_id(redis_url):
    client = connect(redis_url)
    prefix = f"t{uuid.uuid4().hex[:8]}"
    view, reader = ServingView(client, prefix=prefix), ServingReader(client, prefix)
    day = day_of(T0)
    e = {"escalation_id": "esc-1", "kind": "shop_fraud", "level": "shop", "shop_id": "S9", "product_id": None,
         "day": day, "window_start": T0, "window_end": T0 + DAY, "orders": 3, "base": None,
         "order_ids": ["O1", "O2", "O3"], "policy_version": "platform-2026-07"}
    for doc in (e, e, {**e, "orders": 99}, {**e, "escalation_id": "esc-2"}):
        view.record_escalation(doc)
    view.record(violation(1, 0, "duplicate_waybill", "S9", "SF", 1000))
    board = reader.leaderboard("shop", [day], sort="escalations")
    assert board.rows[0]["id"] == "S9" and board.rows[0]["escalations"] == 2
    assert reader.days() == [day]
    client.close()


def test_record_all_equals_record_one_by_one(redis_url):
    client = connect(redis_url)
    one, many = (f"t{uuid.uuid4().hex[:8]}" for _ in range(2))
    data = corpus()
    for v in data:
        ServingView(client, prefix=one).record(v)
    ServingView(client, prefix=many).record_all(data + data[:5], chunk=16)   # a repeat changes nothing
    f = ViolationFilter(sort="penalty")
    assert ServingReader(client, one).violations(f, 0, 100) == ServingReader(client, many).violations(f, 0, 100)
    days = ServingReader(client, one).days()
    assert ServingReader(client, one).daily(days) == ServingReader(client, many).daily(days)
    client.close()
