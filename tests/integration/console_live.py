"""The console over a real worker's output, for the browser tests (issue 14's acceptance).

`live_console(folder, redis_server)` runs one throwaway deployment: a generated log with every
platform-2026-07 rule and escalation planted (plus hostile.py's order), taken by one worker, then
`shipguard collect` (the reference the pages are checked against) and `shipguard console` as real
processes. What it yields holds the collected violations and escalations and the console's URL."""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from collections import Counter

import orjson

from detectors.events import TOPICS
from stream.eventlog import read_log
from stream.offline import run_offline
from stream.policies import load_policy
from stream.serving import connect
from stream.serving_keys import Keys
from stream.tools.embedded import free_port
from stream.tools.synth import generate

from . import hostile
from .deployment import Deployment
from .observe import topic_records

POLICY = "platform-2026-07"
DB = 11                     # the serving view's own database on the session's Redis
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Live:
    url: str
    violations: list[dict]
    escalations: list[dict]
    dead_letters: Counter         # reason -> messages, as the offline run reads the same log
    where: dict                   # event_id -> (topic, partition, offset), read back from the topics
    as_of: int                    # what collect was given, the generator's
    deployment: Deployment


def _lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with _OPENER.open(url, timeout=2):
                return
        except OSError:
            assert proc.poll() is None, f"the console exited: {proc.returncode}"
            assert time.monotonic() < deadline, f"the console did not answer at {url}"
            time.sleep(0.2)


def _positions(bootstrap: str) -> dict:
    where = {}
    for topic in TOPICS:
        for r in topic_records(bootstrap, topic):
            try:
                value = orjson.loads(r.value)
                where.setdefault(value["event_id"], (topic, r.partition, r.offset))
            except (orjson.JSONDecodeError, TypeError, KeyError):
                pass                                        # a dead letter: no event id to look up
    return where


@contextmanager
def live_console(folder: Path, redis_server):
    lines, as_of = generate(400, 21, 3, platform_cases=True)
    log = folder / "events.jsonl"
    log.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in hostile.plant(lines)))
    redis_url = f"redis://127.0.0.1:{redis_server.port}/{DB}"
    client = connect(redis_url)
    client.flushdb()
    d = Deployment(folder, redis_url=redis_url)
    console = None
    try:
        d.produce(log)
        metrics = free_port()
        d.start_worker(metrics, extra_env={"SHIPGUARD_POLICY": POLICY})
        out, escalations = folder / "violations.jsonl", folder / "escalations.jsonl"
        d.collect(out, str(as_of), escalations=escalations, policy=POLICY)
        violations = _lines(out)
        # The serving view is written beside the topic: wait until it holds every collected violation.
        everything = Keys("shipguard").all
        d.wait_for(lambda: client.zcard(everything) >= len(violations), 60, "the serving view")
        port = free_port()
        console = subprocess.Popen(
            [sys.executable, "-m", "stream.cli", "console", "--port", str(port), "--redis-url", redis_url,
             "--policy", POLICY, "--metrics-url", f"http://127.0.0.1:{metrics}/metrics"],
            env=d.env(), stdin=subprocess.DEVNULL, stdout=open(folder / "console.log", "ab"),
            stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        _wait_http(url + "/static/console.css", console)
        with open(log, "rb") as stream:
            dead = Counter(x["reason"] for x in run_offline(read_log(stream), load_policy(POLICY), 300_000).dead_letters)
        yield Live(url, violations, _lines(escalations), dead, _positions(d.broker.bootstrap), as_of, d)
    finally:
        if console is not None and console.poll() is None:
            console.terminate()
            console.wait(15)
        d.close()
        client.flushdb()
        client.close()
