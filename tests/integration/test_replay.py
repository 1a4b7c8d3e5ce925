"""Audit replay (issue 4): from the topics a live worker consumed, the same
decisions, byte-identical reports, and an untouched live consumer group."""
from __future__ import annotations

import subprocess
import sys

import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition

from stream.human import yuan
from stream.policies import bundled_names
from stream.tools.synth import generate
from stream.service.topology import INPUT_TOPICS, internal_topics

from .deployment import PARTITIONS, Deployment

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A worker that has processed a generated log, and what it published as of T."""
    folder = tmp_path_factory.mktemp("live")
    lines, as_of = generate(400, 21, 3)
    log = folder / "events.jsonl"
    log.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    d = Deployment(folder)
    try:
        d.produce(log)
        d.start_worker()
        published = folder / "published.jsonl"
        d.collect(published, str(as_of))
        # Stopped, so the group's offsets move only if a replay moves them.
        assert d.stop_worker(d.workers[0]) == 0
        yield d, folder, str(as_of), published.read_bytes()
    finally:
        d.close()


def shipguard(d: Deployment, *args) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "stream.cli", *args, "--broker", d.broker.url],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def committed(d: Deployment) -> dict:
    group = KafkaConsumer(bootstrap_servers=d.broker.bootstrap, group_id=d.app_id, enable_auto_commit=False)
    try:
        return {(t, p): group.committed(TopicPartition(t, p))
                for t in [*INPUT_TOPICS, *internal_topics(d.app_id)] for p in range(PARTITIONS)}
    finally:
        group.close()


def test_replay_reproduces_the_published_violations_byte_for_byte(live):
    d, folder, as_of, published = live
    before = committed(d)
    first, second = folder / "r1.json", folder / "r2.json"
    shipguard(d, "replay", "--as-of", as_of, "--output", str(first))
    shipguard(d, "replay", "--as-of", as_of, "--output", str(second))
    assert first.read_bytes() == second.read_bytes()
    report = orjson.loads(first.read_bytes())
    as_lines = b"".join(orjson.dumps(v) + b"\n" for v in report["violations"])
    assert as_lines == published and published.count(b"\n") >= 10
    assert report["policy_version"] == "seed-v1" and report["shipguard_version"]
    assert sum(report["counts"].values()) == len(report["violations"])
    assert set(report["range"]) == set(INPUT_TOPICS)
    assert all(start == 0 and end > 0 for parts in report["range"].values() for start, end in parts.values())
    # the generated log carries unusable messages: listed with their source, and the replay completed
    assert report["dead_letters"] and all(
        dead["topic"] in INPUT_TOPICS and dead["partition"] is not None and dead["offset"] >= 0 and dead["reason"]
        for dead in report["dead_letters"])
    assert committed(d) == before, "a replay must not move the live group's offsets"


def test_replay_publishes_to_an_audit_topic_never_the_live_one(live, tmp_path):
    from stream import kafka_read

    d, _, as_of, published = live
    shipguard(d, "replay", "--as-of", as_of, "--output", str(tmp_path / "r.json"), "--topic", "audit-violations")
    c = kafka_read.consumer(d.broker.bootstrap)
    try:
        ends = kafka_read.true_ends(c, kafka_read.partitions(c, "audit-violations"))
        assert b"".join(sorted(r.value + b"\n" for r in kafka_read.read_range(c, {}, ends))) == \
            b"".join(sorted(published.splitlines(keepends=True)))
    finally:
        c.close()
    refused = subprocess.run([sys.executable, "-m", "stream.cli", "replay", "--output", str(tmp_path / "x.json"),
                              "--topic", "violations", "--broker", d.broker.url], capture_output=True, text=True)
    assert refused.returncode != 0 and "live output" in refused.stderr


def test_a_policy_change_shows_only_what_it_changes(live, tmp_path):
    d, folder, as_of, _ = live
    assert "seed-v1" in bundled_names()
    base = tmp_path / "base.json"
    shipguard(d, "replay", "--as-of", as_of, "--output", str(base))
    from stream.policies import load_policy  # the bundled file, with the timeout deduction doubled
    from importlib import resources
    text = resources.files("detectors").joinpath("policies/seed-v1.yaml").read_text("utf-8")
    doubled = tmp_path / "doubled.yaml"
    doubled.write_text(text.replace("version: seed-v1", "version: seed-v1-doubled")
                       .replace("amount_fen: 1000", "amount_fen: 2000").replace("daily_cap_fen: 50000", "daily_cap_fen: 100000"))
    assert load_policy(str(doubled)).timeout_fen == 2000
    changed = tmp_path / "changed.json"
    out = shipguard(d, "replay", "--as-of", as_of, "--policy", str(doubled), "--compare", str(base),
                    "--output", str(changed))
    diff = orjson.loads(changed.read_bytes())["comparison"]
    assert diff["old_policy"] == "seed-v1" and diff["new_policy"] == "seed-v1-doubled"
    assert set(diff["by_rule"]) == {"ship_timeout", "pickup_timeout"}
    for kinds in diff["by_rule"].values():
        assert not kinds["added"] and not kinds["removed"] and kinds["changed"]
        assert all(set(entry["fields"]) == {"penalty"} for entry in kinds["changed"])
    assert "ship_timeout" in out.stderr and "seed-v1-doubled" in out.stderr


def test_explain_shows_the_timeline_and_the_evidence(live):
    d, folder, as_of, published = live
    decided = orjson.loads(published.splitlines()[0])
    shown = shipguard(d, "explain", decided["order_id"], "--as-of", as_of, "--json")
    doc = orjson.loads(shown.stdout)
    assert doc["timeline"] and all(e["offset"] >= 0 and e["partition"] is not None for e in doc["timeline"])
    assert [t["time"] for t in doc["timeline"]] == sorted(t["time"] for t in doc["timeline"])
    mine = [x for x in doc["decisions"] if x["violation_id"] == decided["violation_id"]]
    assert mine and {e["event_id"] for e in mine[0]["evidence_events"]} == set(decided["evidence"])
    assert all("offset" in e for e in mine[0]["evidence_events"])
    table = shipguard(d, "explain", decided["order_id"], "--as-of", as_of)
    assert decided["rule"] in table.stdout
    assert yuan(decided["penalty"]["amount_fen"]) in table.stdout       # people read yuan, files keep fen


def test_timestamp_bounds_resolve_by_reading(live, tmp_path):
    """Tansu answers offsets_for_times past the end with offset 0: a far-future start must read nothing."""
    d, folder, as_of, _ = live
    future, past = tmp_path / "future.json", tmp_path / "past.json"
    shipguard(d, "replay", "--from-timestamp", "2099-01-01T00:00:00+08:00", "--output", str(future))
    shipguard(d, "replay", "--to-timestamp", "2001-01-01T00:00:00+08:00", "--output", str(past))
    for path in (future, past):
        report = orjson.loads(path.read_bytes())
        assert report["events"] == {} and report["violations"] == []
        assert all(start == end for parts in report["range"].values() for start, end in parts.values())


def test_the_two_policies_compare_by_rule_and_replay_their_escalations_alike(live, tmp_path):
    """Issue 7: seed-v1 against platform-2026-07 over the same range; the platform replay,
    escalations included, is byte-identical when run twice."""
    d, folder, as_of, _ = live
    seed = tmp_path / "seed.json"
    shipguard(d, "replay", "--as-of", as_of, "--output", str(seed))
    written = []
    for n in (1, 2):
        platform = tmp_path / f"platform-{n}.json"
        out = shipguard(d, "replay", "--as-of", as_of, "--policy", "platform-2026-07", "--compare", str(seed),
                        "--output", str(platform))
        written.append(platform.read_bytes())
    assert written[0] == written[1]
    reports = [orjson.loads(b) for b in written]
    assert "escalations" in reports[0] and "escalations" not in orjson.loads(seed.read_bytes())
    diff = reports[0]["comparison"]
    assert diff["old_policy"] == "seed-v1" and diff["new_policy"] == "platform-2026-07"
    by_rule = diff["by_rule"]
    for rule in ("no_transfer_center_24h", "pickup_timeout"):          # not in the platform's rule set
        if rule in by_rule:
            assert by_rule[rule]["removed"] and not by_rule[rule]["added"]
    assert any(by_rule.get(rule, {}).get("added") for rule in ("collect_timeout_24h", "dispatch_timeout_24h"))
    assert "collect_timeout_24h" in out.stderr or "dispatch_timeout_24h" in out.stderr


def test_a_replay_decides_the_same_escalations_every_time(tmp_path):
    """Escalation windows close on event time only: two replays of one range, planted
    escalations of every kind included, give the same report bytes."""
    lines, as_of = generate(1200, 1, 3, platform_cases=True)
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    d = Deployment(tmp_path)                   # the broker only: a replay needs no worker
    try:
        d.produce(log)
        written = []
        for n in (1, 2):
            report = tmp_path / f"replay-{n}.json"
            shipguard(d, "replay", "--as-of", str(as_of), "--policy", "platform-2026-07", "--output", str(report))
            written.append(report.read_bytes())
        assert written[0] == written[1]
        replayed = orjson.loads(written[0])["escalations"]
        assert {e["kind"] for e in replayed} == {"shop_fraud", "shop_abnormal_track", "product_overdue"}
        from stream.eventlog import read_log
        from stream.offline import run_offline
        from stream.policies import load_policy
        with open(log, "rb") as stream:                  # what `shipguard run` decides on the log itself
            assert replayed == run_offline(read_log(stream), load_policy("platform-2026-07"), 300_000, as_of).escalations
    finally:
        d.close()
