"""The stream decides what the offline run decides (issue 3's acceptance).

A generated log with 3 minutes of disorder goes through real workers on a real
(embedded) broker; `shipguard collect` must write the same bytes as
`shipguard run` on the same log, after a SIGTERM restart, and with two workers.
"""
from __future__ import annotations

import functools
import signal
import subprocess
import sys

import orjson
import pytest

from .deployment import PARTITIONS, Deployment, metrics_port
from .observe import LATENESS, offline, published
from .observe import metric as _metric, metric_sum as _metric_sum, scrape as _scrape

pytestmark = pytest.mark.integration


@pytest.fixture
def deployment(tmp_path):
    d = Deployment(tmp_path)
    yield d
    d.close()


def test_one_worker_equals_the_offline_run(log, deployment, tmp_path):
    path, as_of = log
    deployment.produce(path)
    deployment.start_worker()
    out = tmp_path / "collected.jsonl"
    info = deployment.collect(out, as_of)
    expected, _ = offline(path, int(as_of))
    assert expected.count(b"\n") >= 10                 # the log plants real cases
    assert out.read_bytes() == expected, info
    assert "0 duplicate ids" in info
    default = tmp_path / "collected-default.jsonl"      # no --as-of: the input's end minus the lateness
    deployment.collect(default)
    assert default.read_bytes() == offline(path)[0]


@pytest.mark.parametrize("stop, store", [(signal.SIGTERM, None), (signal.SIGKILL, None),
                                         (signal.SIGKILL, "rocksdb://")], ids=["sigterm", "kill_9", "kill_9_rocksdb"])
def test_stop_mid_stream_and_restart_changes_nothing(stop, store, long_log, deployment, tmp_path):
    """Half the input, a worker that decides part of it and is stopped, then a
    new worker and the other half: the result is the uninterrupted run's. With
    SIGKILL (issue 6's first fault) the worker gets no chance to flush or commit:
    its tables come back from the changelog and what it had not committed is read again.
    With RocksDB in a data directory both workers share (as deploy/k8s runs it), the
    second one starts from what the first left on disk."""
    if store:
        env = {"SHIPGUARD_STORE": store, "SHIPGUARD_DATA_DIR": str(tmp_path / "data")}
        deployment.start_worker = functools.partial(deployment.start_worker, extra_env=env)
    path, as_of = long_log
    expected = offline(path, int(as_of))[0]
    half = sum(1 for _ in open(path, "rb")) // 2
    deployment.produce(path, slice(0, half))
    # A long idle time: the first worker must not close the lateness window between the halves.
    first = deployment.start_worker(idle_seconds=600)
    deployment.wait_for(lambda: published(deployment.broker.bootstrap) >= 1, what="the first violations")
    code = deployment.stop_worker(first, sig=stop)
    assert code == (0 if stop == signal.SIGTERM else -signal.SIGKILL), deployment.log_tail()
    assert 0 < published(deployment.broker.bootstrap) < expected.count(b"\n")
    deployment.produce(path, slice(half, None))    # waiting for the new worker, as after an outage
    deployment.start_worker()
    out = tmp_path / "collected.jsonl"
    info = deployment.collect(out, as_of)
    assert out.read_bytes() == expected, info
    assert "0 duplicate ids" in info


def test_two_workers_decide_what_one_decides(log, deployment, tmp_path):
    path, as_of = log
    ports = [metrics_port(), metrics_port()]
    for port in ports:
        deployment.start_worker(port)
    deployment.produce(path)
    out = tmp_path / "collected.jsonl"
    info = deployment.collect(out, as_of)
    assert out.read_bytes() == offline(path, int(as_of))[0], info
    taken = [_metric_sum(_scrape(port), "shipguard_events_in_total") for port in ports]
    assert all(n > 0 for n in taken), f"both workers should have taken input: {taken}"


def test_metrics_and_serving_view_match_the_run(log, tmp_path, redis_url):
    path, as_of = log
    d = Deployment(tmp_path, redis_url=redis_url + "?db=0")
    try:
        d.produce(path)
        port = metrics_port()
        d.start_worker(port)
        out = tmp_path / "collected.jsonl"
        d.collect(out)
        _, result = offline(path)
        everything, _ = offline(path, result.as_of + LATENESS)     # the stream has taken the whole input
        text = _scrape(port)
        for topic in ("order-paid", "tracking-uploaded", "carrier-scan"):
            assert _metric(text, "shipguard_events_in_total", topic=topic) == result.counts[f"in:{topic}"]
        assert _metric_sum(text, "shipguard_dead_letters_total") == len(result.dead_letters)
        published = [orjson.loads(line) for line in everything.splitlines()]
        for rule in {v["rule"] for v in published}:        # summed over carrier
            assert _metric(text, "shipguard_violations_total", rule=rule) == sum(v["rule"] == rule for v in published)
        assert _metric(text, "shipguard_violations_total") == len(published)
        shop = published[0]["shop_id"]
        shown = subprocess.run([sys.executable, "-m", "stream.cli", "query", "shop", shop, "--json",
                                "--redis-url", redis_url], capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0, shown.stderr
        view = orjson.loads(shown.stdout)
        mine = [v for v in published if v["shop_id"] == shop]
        assert {v["violation_id"] for v in view["violations"]} == {v["violation_id"] for v in mine}
        assert view["totals"]["penalty_fen"] == sum(v["penalty"]["amount_fen"] for v in mine)
        d.stop_worker(d.workers[0])
        _assert_nothing_personal(path, text + d.log_tail(lines=10**6))
    finally:
        d.close()


def _assert_nothing_personal(log_path, shown: str) -> None:
    """No recipient, address detail or waybill number in a log line or a metric (issue 6, security)."""
    secrets = set()
    for line in open(log_path, "rb"):
        value = orjson.loads(line).get("value")
        if not isinstance(value, dict):
            continue
        for field in ("recipient_id", "waybill_no"):
            if isinstance(value.get(field), str) and len(value[field]) >= 8:
                secrets.add(value[field])
        address = value.get("address")
        if isinstance(address, dict) and isinstance(address.get("detail_hash"), str) and len(address["detail_hash"]) >= 8:
            secrets.add(address["detail_hash"])
    assert len(secrets) > 100
    leaked = sorted(s for s in secrets if s in shown)
    assert not leaked, f"{len(leaked)} personal values in logs or metrics, e.g. {leaked[:3]}"










def test_a_worker_started_before_its_broker_waits_for_it(log, tmp_path):
    """Issue 6: the broker is unreachable at start; the worker says so, retries, and runs when it comes."""
    from stream.tools.embedded import EmbeddedBroker
    from stream.topic_admin import create_specs
    from stream.service.topology import topic_specs

    path, as_of = log
    d = Deployment(tmp_path)
    try:
        port = d.broker.port
        d.broker.stop()                          # nothing listens there now
        worker = d.start_worker()
        d.wait_for(lambda: "unreachable" in d.log_tail(), timeout=30, what="the retry log line")
        assert worker.poll() is None, d.log_tail()
        d.broker = EmbeddedBroker(port).start()
        create_specs(d.broker.bootstrap, topic_specs(d.app_id, PARTITIONS))
        d.produce(path)
        out = tmp_path / "collected.jsonl"
        info = d.collect(out, as_of)
        assert out.read_bytes() == offline(path, int(as_of))[0], info
        assert "reachable after" in d.log_tail(lines=10**6)
    finally:
        d.close()
