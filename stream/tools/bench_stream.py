"""The broker parts of `shipguard bench`: the null pipe, a bare Faust agent, one and two
workers end to end on a backlog (rate, CPU), one worker at a paced rate (decision latency,
memory), marks at 64 partitions, and the audit replay. Each on an embedded Tansu broker
started here on loopback and stopped after."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .bench import records
from .bench_paced import marks_figures, marks_run, paced_figures, proc_stat
from .bench_waiting import waiting_input_bytes
from .bench_worker import (IDLE_SECONDS, PARTITIONS, merged_buckets, metric, quantile, scrape, wait_until,
                           worker_env)
from ..collect import collect
from ..topic_admin import create_specs, create_topics
from .embedded import EmbeddedBroker, free_port, stop_process
from ..policies import load_policy
from ..produce import produce_log
from ..replay import replay
from ..settings import Settings
from ..service.topology import INPUT_TOPICS, topic_specs

NULL_TOPIC = "bench-null"


def stream_figures(lines: list[bytes], say=print, paced_messages: int | None = None, marks_seconds: float = 10) -> dict:
    recs = records(lines)
    with EmbeddedBroker() as broker:
        create_specs(broker.bootstrap, [*topic_specs("bench1", PARTITIONS), *topic_specs("bench2", PARTITIONS)])
        create_topics(broker.bootstrap, [NULL_TOPIC], PARTITIONS)
        produce_log(broker.bootstrap, recs)
        say("bench: stream: null pipe ...")
        null = asyncio.run(null_pipe(broker.bootstrap, len(recs)))
        say("bench: stream: bare Faust agent ...")
        bare = bare_agent(broker, "bare", len(recs))
        say("bench: stream: one worker ...")
        one = worker_run(broker, "bench1", len(recs), 1)
        say("bench: stream: two workers ...")
        two = worker_run(broker, "bench2", len(recs), 2)
    rate = one["per_s"] / 2                     # half the worker's measured capacity
    paced_recs = recs[:paced_messages or max(2000, int(rate * 60))]
    paced = paced_figures(paced_recs, rate, worker_run, say)
    marks = marks_figures(lambda b, app_id, n: marks_run(b, app_id, n, recs, marks_seconds), say=say)
    cpu1, cpu2 = (1000 * r["cpu_s"] / len(recs) for r in (one, two))
    return {"messages": len(recs), "null_pipe_per_s": round(null), "bare_agent_per_s": round(bare),
            "one_worker_per_s": round(one["per_s"]), "one_worker_vs_null_pipe": round(one["per_s"] / null, 4),
            "one_worker_vs_bare_agent": round(one["per_s"] / bare, 4), "two_workers_per_s": round(two["per_s"]),
            "two_vs_one": round(two["per_s"] / one["per_s"], 2),
            "cpu_s_per_1000_one": round(cpu1, 3), "cpu_s_per_1000_two": round(cpu2, 3),
            "cpu_two_vs_one": round(cpu2 / cpu1, 3),
            "decision_latency_p50_s": one["p50"], "decision_latency_p99_s": one["p99"], "decisions": one["decisions"],
            "paced": {"rate_per_s": round(paced["fed_per_s"]), "messages": len(paced_recs),
                      "decision_latency_p50_s": paced["p50"], "decision_latency_p99_s": paced["p99"],
                      "peak_rss_mb": round(paced["peak_rss"] / 2 ** 20, 1), "peak_waiting_inputs": paced["peak_waiting"],
                      # RSS growth ÷ waiting inputs read ~100 kB, against ~1.5 kB measured directly below:
                      # the growth was mostly orjson's oversized buffers kept in tables (kept_bytes.py), not
                      # waiting inputs, so only the growth itself is shown
                      "rss_growth_mb": round(paced["rss_growth"] / 2 ** 20, 1)},
            "waiting_input": waiting_input_bytes(recs),      # measured in-process (tracemalloc), not from RSS
            "marks": marks}


def bare_agent(broker: EmbeddedBroker, app_id: str, n: int, timeout: float = 600) -> float:
    """The yardstick: a Faust agent that only takes and decodes the input (stream/tools/bench_bare.py)."""
    out = Path(tempfile.mkdtemp(prefix="shipguard-bare-")) / "rate.json"
    proc = subprocess.Popen([sys.executable, "-m", "stream.tools.bench_bare", broker.url, app_id, str(n), str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        wait_until(lambda: out.exists() and out.stat().st_size > 0, [proc], timeout)
        time.sleep(0.05)
        return json.loads(out.read_text())["per_s"]
    finally:
        stop_process(proc, timeout=15)


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


def worker_run(broker: EmbeddedBroker, app_id: str, n: int, workers: int, timeout: float = 1800,
               feed=None, env: dict | None = None) -> dict:
    """Workers from their start to every decision final; the rate counts from the first
    message a worker takes, and leaves out the idle wait that closes the lateness window.
    `feed`: called in a thread once the workers run (the paced input), else the backlog."""
    folder = Path(tempfile.mkdtemp(prefix=f"shipguard-{app_id}-"))
    ports = [free_port() for _ in range(workers)]
    procs, fed = [], {}
    try:
        for k, port in enumerate(ports):
            log = open(folder / f"worker-{k}.log", "ab")
            procs.append(subprocess.Popen([sys.executable, "-m", "stream.cli", "worker"], stdout=log,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          env={**worker_env(broker, app_id, port, str(folder / f"data-{k}")),
                                               **(env or {})}))
        if feed is not None:
            wait_until(lambda: all(metric(p, "shipguard_ready") == 1 for p in ports), procs, 120)
            threading.Thread(target=lambda: fed.update(rate=feed()), daemon=True).start()
        first = wait_until(lambda: sum(metric(p, "shipguard_events_in_total") for p in ports) > 0, procs, 120)
        peak = {"rss": 0, "waiting": 0, "rss_at_start": sum(proc_stat(p.pid)["rss"] for p in procs)}
        sampler = threading.Thread(target=_sample, args=(procs, ports, peak), daemon=True)
        sampler.start()
        settings = Settings(broker=broker.url, app_id=app_id, partitions=PARTITIONS)
        _, info = collect(settings, None, timeout)
        final = time.monotonic()
        peak["done"] = True
        cpu = sum((proc_stat(p.pid) or {"cpu_s": 0})["cpu_s"] for p in procs)
        buckets = merged_buckets([scrape(p) for p in ports])
        grown = max(0, peak["rss"] - peak["rss_at_start"])
        return {"per_s": n / max(1e-3, final - first - IDLE_SECONDS), "decisions": info["published"],
                "p50": quantile(buckets, 0.50), "p99": quantile(buckets, 0.99), "cpu_s": cpu,
                "peak_rss": peak["rss"], "peak_waiting": peak["waiting"], "fed_per_s": fed.get("rate", 0.0),
                "rss_growth": grown}
    finally:
        for proc in procs:
            stop_process(proc, timeout=15)


def _sample(procs, ports, peak: dict) -> None:
    """Peak resident memory and waiting inputs (shipguard_buffered_inputs), every 0.5 s."""
    while not peak.get("done"):
        stats = [proc_stat(p.pid) for p in procs]
        peak["rss"] = max(peak["rss"], sum(s["rss"] for s in stats if s))
        peak["waiting"] = max(peak["waiting"], int(sum(metric(p, "shipguard_buffered_inputs") for p in ports)))
        time.sleep(0.5)


def replay_figures(lines: list[bytes]) -> dict:
    recs = records(lines)
    with EmbeddedBroker() as broker:
        create_topics(broker.bootstrap, INPUT_TOPICS, PARTITIONS)
        produce_log(broker.bootstrap, recs)
        start = time.perf_counter()
        report, _ = replay(broker.bootstrap, load_policy("seed-v1"), 300_000, None)
        seconds = time.perf_counter() - start
    return {"messages": len(recs), "seconds": round(seconds, 2), "violations": len(report["violations"])}
