"""The case page's data (issue 14): a worker's decisions from the serving view, placed on
the order's timeline read from only its partitions, with every piece of evidence found."""
from __future__ import annotations

import orjson
import pytest

from stream.audit import explain
from stream.console.case_timing import case_of, time_cases
from stream.policies import load_policy
from stream.replay import replay
from stream.serving import ServingView, connect
from stream.service.ingest import kafka_partitioner
from stream.tools.synth import generate

from .deployment import PARTITIONS, Deployment

pytestmark = pytest.mark.integration
HOUR = 3_600_000
DAY = 24 * HOUR


@pytest.fixture(scope="module")
def worked(tmp_path_factory, redis_server):
    """A worker has taken a generated log with every seed-v1 rule planted; its serving view is db 9."""
    folder = tmp_path_factory.mktemp("case")
    lines, as_of = generate(400, 21, 3)
    log = folder / "events.jsonl"
    log.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    url = f"redis://127.0.0.1:{redis_server.port}/9"
    client = connect(url)
    client.flushdb()
    d = Deployment(folder, redis_url=url)
    try:
        d.produce(log)
        d.start_worker()
        published = folder / "published.jsonl"
        d.collect(published, str(as_of))
        violations = [orjson.loads(line) for line in published.read_bytes().splitlines()]
        yield d, ServingView(client), violations, as_of
    finally:
        d.close()
        client.close()


def one_order_per_rule(violations: list[dict]) -> dict[str, str]:
    picked: dict[str, str] = {}
    for v in violations:
        picked.setdefault(v["rule"], v["order_id"])
    return picked


def test_every_decision_sits_on_its_timeline_with_all_its_evidence(worked):
    d, view, violations, _ = worked
    picked = one_order_per_rule(violations)
    assert len(picked) == 8, sorted(picked)                      # every seed-v1 rule was planted
    for rule, order_id in sorted(picked.items()):
        case = case_of(d.broker.bootstrap, view, order_id)
        decided = [v for v in violations if v["order_id"] == order_id]
        placed = {x["violation_id"]: x for x in case["timeline"] if x["kind"] == "decision"}
        assert set(placed) == {v["violation_id"] for v in decided}, rule
        events = {x["event_id"]: x for x in case["timeline"] if x["kind"] == "event"}
        for v in decided:
            assert set(v["evidence"]) <= set(events), (rule, v["evidence"], sorted(events))
            assert all(v["violation_id"] in events[e]["evidence_of"] for e in v["evidence"])
            assert placed[v["violation_id"]]["policy_version"] == v["policy_version"] == "seed-v1"
            assert placed[v["violation_id"]]["penalty"] == v["penalty"]
        assert case["missing_evidence"] == []
        times = [x["time"] for x in case["timeline"]]
        assert times == sorted(times)


def test_it_reads_only_the_partitions_of_the_order_and_its_parcels(worked):
    d, view, violations, _ = worked
    partition_of = kafka_partitioner(PARTITIONS)
    for rule, order_id in sorted(one_order_per_rule(violations).items()):
        case = case_of(d.broker.bootstrap, view, order_id)
        parcels = {x["parcel"] for x in case["timeline"] if x["kind"] == "event" and x["parcel"]}
        allowed = {("order-paid", partition_of(order_id)), ("tracking-uploaded", partition_of(order_id))}
        allowed |= {("carrier-scan", partition_of(p)) for p in parcels}
        other_uploads = any(x.get("other_order") for x in case["timeline"])
        for read in case["read"]:
            where = (read["topic"], read["partition"])
            assert where in allowed or (other_uploads and read["topic"] == "tracking-uploaded"), (rule, where)
            assert 0 <= read["from"] <= read["to"] <= read["end"]


def test_the_timeline_holds_what_a_full_replay_shows_in_its_window(worked):
    """The window search drops no event: against `explain` over the whole range (offsets included),
    the order's own events all, and its parcels' scans in the windows read_case documents."""
    d, view, violations, as_of = worked
    report, records = replay(d.broker.bootstrap, load_policy("seed-v1"), 300_000, as_of, keep_events=True)
    for rule, order_id in sorted(one_order_per_rule(violations).items()):
        case = case_of(d.broker.bootstrap, view, order_id)
        full = explain(order_id, records, report)
        own = [e["time"] for e in full["timeline"] if e["topic"] != "carrier-scan"]
        decided = [x["decided_at"] for x in full["decisions"]]

        def promised(e) -> bool:
            return (e["topic"] != "carrier-scan" or min(own) - 6 * HOUR <= e["time"] <= max(own) + 3 * DAY
                    or any(abs(e["time"] - t) <= HOUR for t in decided))
        want = {(e["event_id"], e["topic"], e["partition"], e["offset"]) for e in full["timeline"] if promised(e)}
        mine = [x for x in case["timeline"] if x["kind"] == "event" and not x["other_order"]]
        got = {(x["event_id"], x["topic"], x["partition"], x["offset"]) for x in mine}
        assert want <= got, (rule, sorted(want - got))
        assert got <= {(e["event_id"], e["topic"], e["partition"], e["offset"]) for e in full["timeline"]}, rule


def test_the_timing_function_reports_what_it_measured(worked):
    d, view, violations, _ = worked
    orders = sorted(one_order_per_rule(violations).values())
    timing = time_cases(d.broker.bootstrap, view, orders)
    assert timing["cases"] == len(orders) and timing["missing_evidence"] == 0
    assert 0 < timing["p50_s"] <= timing["p95_s"] <= timing["max_s"]
    print(f"case timing on {len(orders)} orders: {timing}")
