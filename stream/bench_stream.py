"""The broker parts of `shipguard bench`: the null pipe, one and two workers
end to end, decision latency, and the audit replay. All on one embedded
Tansu broker per figure, started here on loopback and stopped after."""
from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .bench import records
from .collect import collect
from .embedded import EmbeddedBroker, create_specs, create_topics, free_port, stop_process
from .policies import load_policy
from .produce import produce_log
from .replay import replay
from .settings import Settings
from .service.topology import INPUT_TOPICS, topic_specs

PARTITIONS = 4
IDLE_SECONDS = 1.0
NULL_TOPIC = "bench-null"


def stream_figures(lines: list[bytes], say=print) -> dict:
    recs = records(lines)
    with EmbeddedBroker() as broker:
        create_specs(broker.bootstrap, [*topic_specs("bench1", PARTITIONS), *topic_specs("bench2", PARTITIONS)])
        create_topics(broker.bootstrap, [NULL_TOPIC], PARTITIONS)
        produce_log(broker.bootstrap, recs)
        say("bench: stream: null pipe ...")
        null = asyncio.run(null_pipe(broker.bootstrap, len(recs)))
        say("bench: stream: one worker ...")
        one = worker_run(broker, "bench1", len(recs), 1)
        say("bench: stream: two workers ...")
        two = worker_run(broker, "bench2", len(recs), 2)
    return {"messages": len(recs), "null_pipe_per_s": round(null), "one_worker_per_s": round(one["per_s"]),
            "one_worker_vs_null_pipe": round(one["per_s"] / null, 4), "two_workers_per_s": round(two["per_s"]),
            "two_vs_one": round(two["per_s"] / one["per_s"], 2),
            "decision_latency_p50_s": one["p50"], "decision_latency_p99_s": one["p99"],
            "decisions": one["decisions"]}


async def null_pipe(bootstrap: str, n: int) -> float:
    """aiokafka consumes the input and produces one message per message, nothing else:
    the most any stream processor could do on this broker."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await consumer.start()
    await producer.start()
    try:
        consumer.assign([TopicPartition(t, p) for t in INPUT_TOPICS for p in range(PARTITIONS)])
        await consumer.seek_to_beginning()
        seen, start, pending = 0, time.perf_counter(), []
        while seen < n:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for msgs in batches.values():
                for msg in msgs:
                    pending.append(await producer.send(NULL_TOPIC, msg.value, key=msg.key))
                seen += len(msgs)
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        return n / (time.perf_counter() - start)
    finally:
        await producer.stop()
        await consumer.stop()


def worker_env(broker: EmbeddedBroker, app_id: str, port: int, data_dir: str) -> dict:
    return {**os.environ, "SHIPGUARD_BROKER": broker.url, "SHIPGUARD_APP_ID": app_id,
            "SHIPGUARD_PARTITIONS": str(PARTITIONS), "SHIPGUARD_SESSION_TIMEOUT": "2",
            "SHIPGUARD_IDLE_SECONDS": str(IDLE_SECONDS),
            "SHIPGUARD_METRICS_PORT": str(port), "SHIPGUARD_REDIS_URL": "", "SHIPGUARD_DATA_DIR": data_dir}


def worker_run(broker: EmbeddedBroker, app_id: str, n: int, workers: int, timeout: float = 1800) -> dict:
    """Workers from their start to every decision final; the rate counts from the first
    message a worker takes, and leaves out the idle wait that closes the lateness window."""
    folder = Path(tempfile.mkdtemp(prefix=f"shipguard-{app_id}-"))
    ports = [free_port() for _ in range(workers)]
    procs = []
    try:
        for k, port in enumerate(ports):
            log = open(folder / f"worker-{k}.log", "ab")
            procs.append(subprocess.Popen([sys.executable, "-m", "stream.cli", "worker"], stdout=log,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          env=worker_env(broker, app_id, port, str(folder / f"data-{k}"))))
        first = _wait(lambda: sum(metric(p, "shipguard_events_in_total") for p in ports) > 0, procs, 120)
        settings = Settings(broker=broker.url, app_id=app_id, partitions=PARTITIONS)
        _, info = collect(settings, None, timeout)
        final = time.monotonic()
        buckets = merged_buckets([scrape(p) for p in ports])
        return {"per_s": n / max(1e-3, final - first - IDLE_SECONDS), "decisions": info["published"],
                "p50": quantile(buckets, 0.50), "p99": quantile(buckets, 0.99)}
    finally:
        for proc in procs:
            stop_process(proc, timeout=15)


def _wait(predicate, procs, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while not predicate():
        if any(p.poll() not in (None, 0) for p in procs):
            raise RuntimeError("a bench worker exited")
        if time.monotonic() > deadline:
            raise TimeoutError("the bench workers took no input")
        time.sleep(0.05)
    return time.monotonic()


def scrape(port: int) -> str:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    except OSError:
        return ""


def metric(port: int, name: str) -> float:
    return sum(float(v) for v in re.findall(rf"^{name}(?:{{[^}}]*}})? (\S+)$", scrape(port), re.M))


def merged_buckets(texts: list[str]) -> list[tuple[float, float]]:
    """Cumulative (le, count) of the decision latency histogram, summed over workers."""
    total: dict[float, float] = {}
    for text in texts:
        for le, n in re.findall(r'^shipguard_decision_latency_seconds_bucket\{le="([^"]+)"\} (\S+)$', text, re.M):
            total[float(le)] = total.get(float(le), 0.0) + float(n)
    return sorted(total.items())


def quantile(buckets: list[tuple[float, float]], q: float) -> float | None:
    """Prometheus' histogram_quantile: linear within the bucket that holds rank q."""
    if not buckets or buckets[-1][1] == 0:
        return None
    rank, lower, below = q * buckets[-1][1], 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if le == float("inf"):
                return lower
            return round(lower + (le - lower) * (rank - below) / max(count - below, 1e-9), 4)
        lower, below = le, count
    return lower


def replay_figures(lines: list[bytes]) -> dict:
    recs = records(lines)
    with EmbeddedBroker() as broker:
        create_topics(broker.bootstrap, INPUT_TOPICS, PARTITIONS)
        produce_log(broker.bootstrap, recs)
        start = time.perf_counter()
        report, _ = replay(broker.bootstrap, load_policy("seed-v1"), 300_000, None)
        seconds = time.perf_counter() - start
    return {"messages": len(recs), "seconds": round(seconds, 2), "violations": len(report["violations"])}
