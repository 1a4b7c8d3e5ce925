"""The console's bench helper (stream/tools/bench_console.py) runs end to end at a small size."""
from __future__ import annotations

import pytest

from stream.serving import connect
from stream.tools.bench_console import run, synthetic_violations

pytestmark = pytest.mark.integration


def test_bench_console_measures_and_cleans_up(redis_url):
    figures = run(redis_url, n=400, requests=3)
    assert figures["memory"]["violations"] == 400 and figures["memory"]["bytes_per_violation"] > 0
    assert set(figures["latency"]) >= {"overview", "violations", "shops", "carriers"}
    assert all(f["p95_ms"] >= f["p50_ms"] > 0 for f in figures["latency"].values())
    client = connect(redis_url)
    assert not list(client.scan_iter(match="bench-console-*"))
    client.close()


def test_synthetic_violations_are_the_contracts_shape():
    v = next(synthetic_violations(1))
    assert set(v) == {"violation_id", "rule", "category", "order_id", "shop_id", "carrier", "waybill_no",
                      "decided_at", "evidence", "penalty", "policy_version"}
