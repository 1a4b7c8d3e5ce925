"""What the integration tests look at: the offline run to compare with, the
topics a deployment wrote, and a worker's /metrics."""
from __future__ import annotations

import re
import urllib.request

import orjson

from stream import kafka_read
from stream.eventlog import read_log
from stream.offline import run_offline
from stream.policies import load_policy
from stream.tools.synth import generate

LATENESS = 300_000


def write_log(folder, orders: int, seed: int = 11) -> tuple:
    """A generated log with 3 minutes of disorder: (path, as-of as a string)."""
    lines, as_of = generate(orders, seed, 3)
    path = folder / "events.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path, str(as_of)


def offline(path, as_of=None):
    """The offline run's violation bytes, and its result."""
    with open(path, "rb") as stream:
        result = run_offline(read_log(stream), load_policy("seed-v1"), LATENESS, as_of)
    return b"".join(orjson.dumps(v) + b"\n" for v in result.violations), result


def topic_records(bootstrap: str, topic: str) -> list:
    """Every record on the topic now."""
    c = kafka_read.consumer(bootstrap)
    try:
        return list(kafka_read.read_range(c, {}, kafka_read.true_ends(c, kafka_read.partitions(c, topic))))
    finally:
        c.close()


def published(bootstrap: str) -> int:
    """How many violations are on the topic now."""
    c = kafka_read.consumer(bootstrap)
    try:
        return sum(kafka_read.true_ends(c, kafka_read.partitions(c, "violations")).values())
    finally:
        c.close()


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return response.read().decode()


def metric(text: str, name: str, **labels) -> float:
    """The samples of `name` that carry these labels, summed over the other labels (PromQL's
    `sum(name{labels})`); 0 when there is none."""
    want = {f'{k}="{v}"' for k, v in labels.items()}
    total = 0.0
    for line in text.splitlines():
        if line.startswith(f"{name}{{"):
            pairs = set(line[len(name) + 1:line.rindex("}")].split(","))     # our label values hold no comma
            if want <= pairs:
                total += float(line.rsplit(" ", 1)[1])
    return total


def metric_sum(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if re.match(rf"{name}(\{{| )", line))
