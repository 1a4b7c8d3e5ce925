"""stream.metrics: counters move, names render, no identifier ever becomes a label."""
from __future__ import annotations

import re

import pytest

from stream.metrics import Metrics


def violation(rule="duplicate_waybill", kind="compensation", amount=1234, capped=False, secret="SECRET123"):
    return {"violation_id": secret + "-vid", "rule": rule, "category": "fake_shipping", "order_id": secret,
            "shop_id": secret + "-shop", "carrier": "SF", "waybill_no": secret, "decided_at": 1_700_000_000_000,
            "evidence": [secret + "-ev"], "penalty": {"kind": kind, "amount_fen": amount, "capped": capped},
            "policy_version": "v1"}


def value(m: Metrics, name: str, **labels) -> float | None:
    return m.registry.get_sample_value(name, labels)


def total(m: Metrics, name: str, **labels) -> float:
    """The samples carrying these labels, summed over the others (PromQL's sum by)."""
    return sum(s.value for family in m.registry.collect() for s in family.samples
               if s.name == name and labels.items() <= s.labels.items())


def test_counters_move():
    m = Metrics()
    m.event_in("order-paid")
    m.event_in("order-paid")
    m.event_in("carrier-scan")
    m.dead_letter("not_json")
    m.late("detect", 3)
    m.late("detect")
    m.late("detect", 0)
    m.redis_error()
    m.redis_dropped(2)
    assert value(m, "shipguard_events_in_total", topic="order-paid") == 2
    assert value(m, "shipguard_events_in_total", topic="carrier-scan") == 1
    assert value(m, "shipguard_dead_letters_total", reason="not_json") == 1
    assert value(m, "shipguard_late_events_total", stage="detect") == 4
    assert value(m, "shipguard_redis_write_errors_total") == 1
    assert value(m, "shipguard_redis_dropped_writes_total") == 2


def test_violations_count_by_rule_and_kind():
    m = Metrics()
    m.violation(violation(amount=1234))
    m.violation(violation(amount=0))                       # a second compensation of an order is 0
    m.violation(violation(rule="ship_timeout", kind="deposit_deduction", amount=500, capped=True))
    assert total(m, "shipguard_violations_total", rule="duplicate_waybill") == 2
    assert total(m, "shipguard_violations_total", rule="ship_timeout") == 1
    assert value(m, "shipguard_violations_total", rule="ship_timeout", carrier="SF") == 1
    assert value(m, "shipguard_penalty_fen_total", rule="duplicate_waybill", kind="compensation") == 1234
    assert value(m, "shipguard_penalty_fen_total", rule="ship_timeout", kind="deposit_deduction") == 500
    assert value(m, "shipguard_penalties_capped_total", rule="ship_timeout") == 1
    assert value(m, "shipguard_penalties_capped_total", rule="duplicate_waybill") is None


def test_gauges_and_histogram():
    m = Metrics()
    m.watermark("detect", None, None)                      # nothing seen yet: nothing set
    assert value(m, "shipguard_watermark_timestamp_seconds", stage="detect") is None
    m.watermark("detect", 1_700_000_000_000, 1_700_000_300_500)
    assert value(m, "shipguard_watermark_timestamp_seconds", stage="detect") == 1_700_000_000
    assert value(m, "shipguard_watermark_lag_seconds", stage="detect") == pytest.approx(300.5)
    m.table_size("orders", 42)
    m.redis_pending(7)
    m.buffered("detect", 9)
    assert value(m, "shipguard_table_keys", table="orders") == 42
    assert value(m, "shipguard_redis_pending_writes") == 7
    assert value(m, "shipguard_buffered_inputs", stage="detect") == 9
    for seconds in (0.0005, 0.02, 12, 45):
        m.decision_latency(seconds)
    assert value(m, "shipguard_decision_latency_seconds_count") == 4
    assert value(m, "shipguard_decision_latency_seconds_bucket", le="0.001") == 1
    assert value(m, "shipguard_decision_latency_seconds_bucket", le="30.0") == 3


def test_render_has_every_name():
    m = Metrics()
    m.event_in("order-paid")
    m.dead_letter("oversize")
    m.violation(violation(capped=True))
    m.late("detect")
    m.watermark("detect", 1000, 2000)
    m.decision_latency(0.1)
    m.table_size("orders", 1)
    m.buffered("detect", 1)
    text = m.render().decode()
    for name in ("events_in_total", "dead_letters_total", "violations_total", "penalty_fen_total",
                 "penalties_capped_total", "late_events_total", "watermark_lag_seconds", "watermark_timestamp_seconds",
                 "decision_latency_seconds", "table_keys", "redis_write_errors_total", "redis_pending_writes",
                 "buffered_inputs"):
        assert f"shipguard_{name}" in text, name


def test_times_of_day_are_named_timestamp_seconds():
    """Prometheus' convention: a gauge holding an epoch time ends in _timestamp_seconds, a duration in _seconds."""
    for family in Metrics().registry.collect():
        if family.name.startswith("shipguard_"):
            epoch = "epoch" in family.documentation
            assert epoch == family.name.endswith("_timestamp_seconds"), (family.name, family.documentation)


def test_fresh_registries_are_independent():
    a, b = Metrics(), Metrics()
    a.event_in("order-paid")
    assert value(a, "shipguard_events_in_total", topic="order-paid") == 1
    assert value(b, "shipguard_events_in_total", topic="order-paid") is None


def test_no_identifier_reaches_a_label():
    m = Metrics()
    m.violation(violation())
    m.violation(violation(rule="SECRET123-rule", kind="SECRET123-kind", capped=True))  # malformed: bucketed
    text = m.render().decode()
    assert "SECRET123" not in text
    allowed = {"duplicate_waybill", "other", "compensation", "deposit_deduction"}
    labels = set(re.findall(r'(?:rule|kind)="([^"]*)"', text))
    assert labels <= allowed, labels - allowed


def test_serve_exposes_on_loopback():
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    m = Metrics()
    m.event_in("order-paid")
    m.serve(port)
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
        assert b'shipguard_events_in_total{topic="order-paid"} 1.0' in body
    finally:
        server, _thread = m._server
        server.shutdown()
        server.server_close()


def test_up_counts_each_rule_over_its_carriers():
    from stream.tools.livecounts import parse            # `shipguard up` reads the worker's /metrics
    m = Metrics()
    for carrier in ("SF", "ZTO", None):
        m.violation({**violation(), "carrier": carrier})
    counts = parse(m.render().decode())
    assert counts.rules["duplicate_waybill"] == 3 and counts.violations == 3
