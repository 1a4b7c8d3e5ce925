"""stream.serving against a real redis-server the tests start themselves."""
from __future__ import annotations

import json
import uuid

import pytest

from stream.metrics import Metrics
from stream.cli.query import query_command, redact
from stream.serving import ServingView, connect

pytestmark = pytest.mark.integration


def violation(n: int, rule="duplicate_waybill", order="O1", shop="S1", carrier: str | None = "SF",
              amount=1000, kind="compensation", capped=False) -> dict:
    return {"violation_id": f"vid-{n}", "rule": rule, "category": "fake_shipping", "order_id": order,
            "shop_id": shop, "carrier": carrier, "waybill_no": f"W{n}" if carrier else None,
            "decided_at": 1_763_000_000_000 + n * 1000, "evidence": [f"e{n}"],
            "penalty": {"kind": kind, "amount_fen": amount, "capped": capped}, "policy_version": "v1"}


V1 = violation(1, order="O1", amount=1000)
V2 = violation(2, rule="route_address_mismatch", order="O2", amount=2500, carrier="YTO")
V3 = violation(3, rule="ship_timeout", order="O1", carrier=None, amount=500, kind="deposit_deduction", capped=True)


@pytest.fixture
def view(redis_url):
    client = connect(redis_url)
    metrics = Metrics()
    yield ServingView(client, prefix=f"t{uuid.uuid4().hex[:8]}", metrics=metrics)
    client.close()


def test_record_and_query_each_kind(view):
    for v in (V3, V1, V2):                                  # out of order: query sorts by decided_at
        view.record(v)
    order = view.query("order", "O1")
    assert order["kind"] == "order" and order["id"] == "O1"
    assert order["violations"] == [V1, V3]
    assert order["totals"] == {"violations": 2, "penalty_fen": 1500, "rule:duplicate_waybill": 1,
                               "rule:ship_timeout": 1}
    shop = view.query("shop", "S1")
    assert shop["violations"] == [V1, V2, V3]
    assert shop["totals"]["violations"] == 3 and shop["totals"]["penalty_fen"] == 4000
    sf = view.query("carrier", "SF")
    assert sf["violations"] == [V1] and sf["totals"] == {"violations": 1, "penalty_fen": 1000,
                                                         "rule:duplicate_waybill": 1}
    assert view.query("carrier", "YTO")["totals"]["rule:route_address_mismatch"] == 1
    assert view.query("order", "nobody") == {"kind": "order", "id": "nobody", "totals": {}, "violations": []}
    with pytest.raises(ValueError):
        view.query("parcel", "O1")
    assert view.pending == 0


def test_re_recording_changes_nothing(view):
    for v in (V1, V2, V3):
        view.record(v)
    before = {(k, i): view.query(k, i) for k, i in (("order", "O1"), ("order", "O2"), ("shop", "S1"),
                                                     ("carrier", "SF"), ("carrier", "YTO"))}
    for v in (V1, V2, V3, V1):
        view.record(v)
    view.record({**V1, "penalty": {**V1["penalty"], "amount_fen": 99_999}})   # same id: first write wins
    after = {key: view.query(*key) for key in before}
    assert after == before
    assert before[("shop", "S1")]["totals"]["violations"] == 3


def test_outage_queues_then_flush_drains(start_redis):
    server = start_redis()
    metrics = Metrics()
    client = connect(server.url)
    view = ServingView(client, metrics=metrics, retry_interval=0)
    view.record(V1)
    server.stop(save=True)                                  # keep V1 in dump.rdb for the restart

    for v in (V2, V3, V1, V2):                              # Redis down: nothing raises
        view.record(v)
    assert view.pending == 4
    assert metrics.registry.get_sample_value("shipguard_redis_write_errors_total") >= 1
    assert metrics.registry.get_sample_value("shipguard_redis_pending_writes") == 4
    assert view.flush_pending() == 0 and view.pending == 4

    start_redis(port=server.port)                           # back, same port, same data dir
    assert view.flush_pending() == 4
    assert view.pending == 0
    assert metrics.registry.get_sample_value("shipguard_redis_pending_writes") == 0
    shop = view.query("shop", "S1")
    assert [v["violation_id"] for v in shop["violations"]] == ["vid-1", "vid-2", "vid-3"]
    assert shop["totals"]["violations"] == 3 and shop["totals"]["penalty_fen"] == 4000
    client.close()


def test_closed_port_never_raises_and_record_flushes_when_back(redis_url):
    dead = connect("redis://127.0.0.1:1/0")                 # nothing listens on port 1
    metrics = Metrics()
    view = ServingView(dead, prefix=f"t{uuid.uuid4().hex[:8]}", metrics=metrics, retry_interval=0)
    view.record(V1)
    view.record(V2)
    assert view.pending == 2
    assert metrics.registry.get_sample_value("shipguard_redis_write_errors_total") == 2
    live = connect(redis_url)
    view.client = live                                      # as if the same address came back
    view._script = live.register_script(view._script.script)
    view.record(V3)                                         # record() flushes the backlog first, in order
    assert view.pending == 0
    assert view.query("shop", "S1")["totals"]["violations"] == 3
    live.close()


def test_pending_is_bounded():
    metrics = Metrics()
    view = ServingView(connect("redis://127.0.0.1:1/0"), metrics=metrics, max_pending=2, retry_interval=60)
    for v in (V1, V2, V3):
        view.record(v)
    assert view.pending == 2 and view.dropped == 1
    assert [v["violation_id"] for v in view._pending] == ["vid-2", "vid-3"]     # the oldest went
    assert metrics.registry.get_sample_value("shipguard_redis_dropped_writes_total") == 1


def test_query_command(redis_url, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    client = connect(redis_url)
    ServingView(client).record(violation(7, order="Q-ORDER", shop="Q-SHOP", amount=321))
    client.close()
    result = query_command("order", "Q-ORDER", redis_url, as_json=True)
    assert json.loads(capsys.readouterr().out) == result
    assert result["totals"]["penalty_fen"] == 321
    query_command("shop", "Q-SHOP", redis_url, as_json=False)
    out = capsys.readouterr().out
    assert "duplicate_waybill" in out and "W7" in out and "3.21" in out and "+08:00" in out


def test_query_command_unreachable_is_one_line():
    with pytest.raises(SystemExit) as exc:
        query_command("order", "O1", "redis://:hunter2@127.0.0.1:1/0", as_json=True)
    message = str(exc.value.code)
    assert message.startswith("shipguard: cannot query Redis") and "\n" not in message
    assert "hunter2" not in message
    assert redact("rediss://user:pw@h:6380/1") == "rediss://user:***@h:6380/1"
