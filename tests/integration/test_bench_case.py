"""The bench's console and case rows (stream/tools/bench_case.py, bench.py's `console` and `case` parts)
run end to end at small sizes against a Redis of their own."""
from __future__ import annotations

import orjson
import pytest

from stream.produce import message_key
from stream.serving import connect
from stream.service.ingest import kafka_partitioner
from stream.tools.bench import log_lines, records, with_redis
from stream.tools.bench_case import fill_timelines, run, sample_orders
from stream.tools.bench_cli import rows
from stream.tools.bench_console import run as console_run

pytestmark = pytest.mark.integration


def test_case_row_measures_case_pages_over_the_timelines_of_a_log(redis_url):
    figures = run(redis_url, log_lines(4_000, seed=4), cases=12, per_rule=2)
    assert figures["messages"] == 4_000 and 0 < figures["events"] <= 4_000
    assert figures["cases"] == 12 and figures["violations"] > 0
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    assert figures["bytes_per_event"] > 0 and figures["fill_events_per_s"] > 0
    client = connect(redis_url)
    assert not list(client.scan_iter(match="bench-case-*"))
    client.close()


def test_the_coordinates_are_where_produce_puts_each_record(redis_url):
    """Offsets count every record of a partition in log order, dead letters included."""
    recs = records(log_lines(2_000, seed=4))
    client = connect(redis_url)
    fill_timelines(redis_url, "bench-coords", recs, 86_400_000, partitions=4)
    place = kafka_partitioner(4)
    seen, expected = {}, {}
    for r in recs:
        p = place(message_key(r))
        expected[(r.topic, p, seen.setdefault((r.topic, p), 0))] = r
        seen[(r.topic, p)] += 1
    members = [orjson.loads(m) for key in client.scan_iter(match="bench-coords:tl:*") for m in client.zrange(key, 0, -1)]
    assert members
    for m in members:
        assert orjson.loads(expected[(m["tp"], m["p"], m["o"])].raw)["event_id"] == m["e"]
    client.delete(*client.scan_iter(match="bench-coords:*"))
    client.close()


def test_sample_takes_decided_orders_of_each_rule_then_random_ones():
    recs = records(log_lines(2_000, seed=4))
    violations = [{"rule": "a", "order_id": "X1"}, {"rule": "a", "order_id": "X2"}, {"rule": "b", "order_id": "X3"}]
    picked = sample_orders(recs, violations, 6, per_rule=1)
    assert picked[:2] == ["X1", "X3"] and len(picked) == 6 and len(set(picked)) == 6


def test_both_parts_run_on_a_private_redis_and_print_as_rows():
    figures = {"console": with_redis(lambda url: console_run(url, n=300, requests=3))}
    names = {name for _, name, _ in rows(figures)}
    assert "worst_p95_ms" in names and "latency.overview.p95_ms" in names and "memory.bytes_per_violation" in names
