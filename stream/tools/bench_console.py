"""The console's figures: serving-view bytes per violation, and list-page latency with N violations
in the view (issue 14: every list page <= 200 ms p95 at 100 000). The `console` part of `shipguard bench`;
alone:

    python -m stream.tools.bench_console --redis-url redis://127.0.0.1:PORT/0 [--violations N] [--requests R]

It writes under a fresh key prefix of that Redis and deletes it afterwards.
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import threading
import time
import uuid
from contextlib import contextmanager

from detectors.decisions import SEED_RULES

from ..serving import ServingView, connect
from ..serving_read import ServingReader
from .embedded import free_port

DAY_MS = 86_400_000
START_MS = 1_764_000_000_000                     # 2025-11-25 00:00 +08:00
CARRIERS = ("ZTO", "YTO", "YUNDA", "STO", "SF", "JD", "JT", "EMS")
ORDER_LEVEL = ("ship_timeout", "pickup_timeout")
FAKE = ("duplicate_waybill", "pickup_before_payment", "route_address_mismatch", "recalled_after_deadline",
        "not_received")


def synthetic_violations(n: int, seed: int = 1, days: int = 30, shops: int = 2000):
    """n violations of the seed rules over `days` days, shops and carriers skewed as real ones are."""
    rng = random.Random(seed)
    for i in range(n):
        rule = rng.choice(SEED_RULES)
        carrier = None if rule in ORDER_LEVEL else rng.choice(CARRIERS)
        fake = rule in FAKE
        capped = not fake and rng.random() < 0.02
        yield {"violation_id": f"bench-{i:08d}", "rule": rule, "category": "fake_shipping" if fake else "timeout",
               "order_id": f"O{rng.randrange(n * 2):09d}", "shop_id": f"S{int(rng.paretovariate(1.2)) % shops:05d}",
               "carrier": carrier, "waybill_no": f"W{i:010d}" if carrier else None,
               "decided_at": START_MS + rng.randrange(days * DAY_MS), "evidence": [f"e{i}a", f"e{i}b"],
               "penalty": {"kind": "compensation" if fake else "deposit_deduction",
                           "amount_fen": 0 if capped else rng.randrange(1000, 10_000) if fake else 1000,
                           "capped": capped},
               "policy_version": "seed-v1"}


def fill(url: str, n: int, prefix: str) -> dict:
    """Write n violations under prefix; Redis's used_memory before and after, and the seconds it took."""
    client = connect(url)
    reader = ServingReader(client, prefix)
    before, started = reader.memory_bytes(), time.monotonic()
    ServingView(client, prefix=prefix).record_all(synthetic_violations(n))
    seconds, after = time.monotonic() - started, reader.memory_bytes()
    client.close()
    return {"violations": n, "bytes_per_violation": round((after - before) / n, 1), "fill_seconds": round(seconds, 1)}


def drop(url: str, prefix: str) -> None:
    client = connect(url)
    for keys in _batches(client.scan_iter(match=f"{prefix}:*", count=5000), 5000):
        client.unlink(*keys)
    client.close()


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _pages(rng: random.Random, days: list[str]) -> dict[str, callable]:
    """Each list page, with parameters drawn afresh per request."""
    def window():
        start = rng.randrange(len(days))
        return f"day_from={days[start]}&day_to={days[min(len(days) - 1, start + rng.randrange(1, 8))]}"
    return {
        "overview": lambda: "/",
        "violations": lambda: f"/violations?page={rng.randrange(1, 50)}",
        "violations_deep": lambda: f"/violations?page={rng.randrange(500, 2000)}",
        "violations_rule_penalty": lambda: f"/violations?rule={rng.choice(SEED_RULES)}&sort=penalty&{window()}",
        "violations_shop_carrier": lambda: f"/violations?shop=S{rng.randrange(40):05d}&carrier={rng.choice(CARRIERS)}",
        "violations_days_penalty": lambda: f"/violations?sort=penalty&{window()}",
        "shops": lambda: f"/shops?sort={rng.choice(('violations', 'penalty_fen', 'capped'))}&{window()}",
        "carriers": lambda: f"/carriers?{window()}",
    }


@contextmanager
def console_connection(url: str, prefix: str):
    """A keep-alive HTTP connection to a console over the view under `prefix` (uvicorn in a thread)."""
    import uvicorn

    from ..console.app import create_console
    from ..console.settings import ConsoleSettings

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_console(ConsoleSettings(url, prefix=prefix)), host="127.0.0.1",
                                           port=port, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, name="bench-console", daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        yield connection
    finally:
        connection.close()
        server.should_exit = True
        thread.join(10)


def timed_get(connection, path: str, name: str) -> float:
    """Milliseconds for one GET, its body read; anything but 200 is an error."""
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    took = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise RuntimeError(f"{name}: HTTP {response.status} for {path}")
    return took


def quantiles_ms(times: list[float]) -> dict:
    cuts = statistics.quantiles(times, n=20, method="inclusive") if len(times) > 1 else times * 19
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(cuts[18], 1)}


def list_page_latency(url: str, prefix: str, requests: int = 100, seed: int = 1) -> dict:
    """p50 and p95 milliseconds per list page over HTTP (one keep-alive connection)."""
    client = connect(url)
    days = ServingReader(client, prefix).days()
    client.close()
    rng, figures = random.Random(seed), {}
    with console_connection(url, prefix) as connection:
        for name, path in _pages(rng, days).items():
            figures[name] = quantiles_ms([timed_get(connection, path(), name) for _ in range(requests)])
    return figures


def run(url: str, n: int = 100_000, requests: int = 100) -> dict:
    prefix = f"bench-console-{uuid.uuid4().hex[:8]}"
    try:
        figures = {"memory": fill(url, n, prefix)}
        figures["latency"] = list_page_latency(url, prefix, requests)
    finally:
        drop(url, prefix)
    figures["worst_p95_ms"] = max(f["p95_ms"] for f in figures["latency"].values())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description="the console's serving-view memory and list-page latency")
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--violations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100, help="requests per page")
    args = parser.parse_args()
    print(json.dumps(run(args.redis_url, args.violations, args.requests), indent=2))


if __name__ == "__main__":
    main()
