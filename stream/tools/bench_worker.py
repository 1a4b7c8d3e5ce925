"""What the stream bench needs to run and read a worker: its environment, waiting on it,
and its /metrics (scrape, sum a metric, the latency histogram's quantiles)."""
from __future__ import annotations

import os
import re
import time
import urllib.request

from .embedded import EmbeddedBroker

PARTITIONS = 4
IDLE_SECONDS = 1.0


def worker_env(broker: EmbeddedBroker, app_id: str, port: int, data_dir: str) -> dict:
    return {**os.environ, "SHIPGUARD_BROKER": broker.url, "SHIPGUARD_APP_ID": app_id,
            "SHIPGUARD_PARTITIONS": str(PARTITIONS), "SHIPGUARD_SESSION_TIMEOUT": "2",
            "SHIPGUARD_IDLE_SECONDS": str(IDLE_SECONDS),
            "SHIPGUARD_METRICS_PORT": str(port), "SHIPGUARD_REDIS_URL": "", "SHIPGUARD_DATA_DIR": data_dir}


def wait_until(predicate, procs, timeout: float) -> float:
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
