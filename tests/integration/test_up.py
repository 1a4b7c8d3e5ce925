"""`shipguard up` end to end: a subprocess, as a user runs it, stopping by itself (--duration)."""
from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.integration


def running(pid: int) -> bool:
    """Alive and not a zombie (psutil-free: /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_up_runs_reports_and_cleans_up(redis_url):
    # The session's own Redis: `up` uses a Redis that answers, and this one is ours, not the machine's.
    cmd = [sys.executable, "-m", "stream.cli", "up", "--orders", "300", "--duration", "20", "--redis-url", redis_url]
    started = time.monotonic()
    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=180)
    out = done.stdout.decode("utf-8", "replace")
    assert done.returncode == 0, out
    assert time.monotonic() - started < 120, out

    metrics = re.search(r"metrics: (http://127\.0\.0\.1:\d+/metrics)", out)
    assert metrics, out
    assert f"redis: existing server at {redis_url}" in out
    assert re.search(r"log: +/\S+worker\.log", out)
    assert f"shipguard query shop S00001 --redis-url {redis_url}" in out

    final = re.search(r"^final: violations (\d+)(?: \(([^)]*)\))?; events in (\d+); dead letters (\d+)", out, re.M)
    assert final, out
    rules = dict((name, int(n)) for name, n in (part.rsplit(" ", 1) for part in (final[2] or "").split(", ") if part))
    assert sum(rules.values()) == int(final[1])
    assert len([n for n in rules.values() if n > 0]) >= 3, out
    assert int(final[3]) > 0

    pids = [int(p) for p in re.findall(r"\bpid (\d+)", out)]
    assert len(pids) >= 2, out                      # the broker and the worker (and a Redis if it started one)
    time.sleep(0.2)
    assert not [p for p in pids if running(p)], out
