"""deploy/prometheus against real tools: promtool checks the files, and a real Prometheus scrapes a
running `shipguard worker`, loads the alert rules, evaluates them without error, and fires one."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
import yaml
from kafka import KafkaConsumer

from stream.tools.embedded import free_port
from stream.settings import from_env
from stream.service.topology import progress_topic
from stream.cli.topics import wanted

from .deployment import Deployment
from .prometheus_server import Prometheus, binary

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PROM = ROOT / "deploy" / "prometheus"
DLQ_ALERT = "ShipguardDeadLetterRateHigh"


@pytest.mark.parametrize("args", [("check", "config", "prometheus.yml"), ("check", "rules", "alerts.yml"),
                                  ("test", "rules", "alerts_test.yml")], ids=" ".join)
def test_promtool(args):
    done = subprocess.run([binary("promtool"), *args], cwd=PROM, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_topics_command_creates_what_a_worker_group_needs(broker, fresh_names):
    """`shipguard topics`, the one-shot service of docker-compose.yml and deploy/k8s/topics-job.yaml."""
    env = {**os.environ, "SHIPGUARD_BROKER": broker.url, "SHIPGUARD_APP_ID": f"sg-{fresh_names}",
           "SHIPGUARD_PARTITIONS": "3"}
    for _ in range(2):                                         # a second run leaves the topics alone
        done = subprocess.run([sys.executable, "-m", "stream.cli", "topics"], env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    specs = wanted(from_env(env))
    progress = progress_topic(f"sg-{fresh_names}")
    assert {s.partitions for s in specs if s.name != progress} == {3}
    assert [s.partitions for s in specs if s.name == progress] == [1]
    assert any(s.compacted and s.name.endswith("-changelog") for s in specs)
    with closing(KafkaConsumer(bootstrap_servers=broker.bootstrap)) as c:
        for spec in specs:
            assert len(c.partitions_for_topic(spec.name) or ()) == spec.partitions, spec.name


def local_config(tmp_path: Path, target: str) -> Path:
    """deploy/prometheus/prometheus.yml aimed at one local worker, scraping every second. It loads
    alerts.yml as shipped, and a copy with every `for` at 0 s so that a condition fires at once."""
    config = yaml.safe_load((PROM / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    (job,) = config["scrape_configs"]
    job.update(scrape_timeout="1s", static_configs=[{"targets": [target]}])
    alerts = yaml.safe_load((PROM / "alerts.yml").read_text())
    for group in alerts["groups"]:
        group["name"] += "-now"
        for rule in group["rules"]:
            rule["for"] = "0s"
    (tmp_path / "alerts-now.yml").write_text(yaml.safe_dump(alerts))
    config["rule_files"] = [str(PROM / "alerts.yml"), str(tmp_path / "alerts-now.yml")]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    return tmp_path / "prometheus.yml"


def status(url: str, method: str = "GET") -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=3) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


def wait(predicate, what: str, d: Deployment, prom: Prometheus, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{prom.log_tail()}\n{d.log_tail()}"
        assert all(p.poll() is None for p in d.workers), f"the worker died\n{d.log_tail()}"
        time.sleep(0.5)


def send_bad_messages(d: Deployment, n: int) -> None:
    from stream.produce import make_producer
    producer = make_producer(d.broker.bootstrap)
    for i in range(n):
        producer.send("order-paid", value=b"{not json " + str(i).encode())
    producer.flush()
    producer.close()


def firing(prom: Prometheus) -> set[str]:
    return {a["labels"]["alertname"] for a in prom.api("alerts")["alerts"] if a["state"] == "firing"}


def test_prometheus_scrapes_a_worker_and_evaluates_the_alerts(tmp_path):
    d = Deployment(tmp_path)
    prom = None
    try:
        port = free_port()
        d.start_worker(metrics_port=port)
        base = f"http://127.0.0.1:{port}"
        d.wait_for(lambda: status(base + "/readyz") == 200, timeout=90, what="the worker's /readyz")
        assert status(base + "/healthz") == 200
        assert status(base + "/metrics", "POST") == 405             # read-only

        prom = Prometheus(local_config(tmp_path, f"127.0.0.1:{port}"), tmp_path)

        def target_up():
            targets = prom.api("targets")["activeTargets"]
            return len(targets) == 1 and targets[0]["health"] == "up"
        wait(target_up, "the worker's target to be up", d, prom)

        def rules():
            return [r for g in prom.api("rules")["groups"] for r in g["rules"]]
        shipped = len(yaml.safe_load((PROM / "alerts.yml").read_text())["groups"][0]["rules"])
        wait(lambda: len(rules()) == 2 * shipped and all(r["health"] == "ok" for r in rules()),
             "every rule evaluated without error", d, prom)
        assert not [r.get("lastError") for r in rules() if r.get("lastError")]

        def value(query):
            return {tuple(sorted(s["metric"].items())): float(s["value"][1]) for s in prom.api("query", query=query)["result"]}
        wait(lambda: list(value("shipguard_ready").values()) == [1.0], "shipguard_ready 1 in Prometheus", d, prom)
        wait(lambda: len(value("shipguard_consumer_lag_messages")) == 3, "the consumer lag of the 3 inputs", d, prom)

        # Unusable input only: the dead-letter share is 100 %. Two batches, so the counter rises between scrapes.
        send_bad_messages(d, 10)
        wait(lambda: value("sum(shipguard_dead_letters_total)") != {}, "the first dead letters scraped", d, prom)
        time.sleep(1.5)
        send_bad_messages(d, 10)
        wait(lambda: DLQ_ALERT in firing(prom), f"{DLQ_ALERT} firing", d, prom)
        assert "ShipguardWorkerDown" not in firing(prom)
        wait(lambda: value('sum(shipguard_dead_letters_total{reason="not_json"})') == {(): 20.0},
             "all 20 dead letters counted", d, prom)
    finally:
        if prom is not None:
            prom.stop()
        d.close()
