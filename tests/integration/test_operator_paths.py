"""Issue 12's operator paths with real processes: `up` stopped by a signal leaves no child behind, and a
worker whose input topics are missing says which within 10 s instead of waiting in silence."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from stream.tools.embedded import EmbeddedBroker

from .test_up import running

pytestmark = pytest.mark.integration


def _read_lines(stream, into: list) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.extend(line.decode("utf-8", "replace") for line in stream),
                              daemon=True)
    thread.start()
    return thread


def _wait_for(lines: list, pattern: str, proc, timeout: float) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in list(lines):
            if found := re.search(pattern, line):
                return found
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"no line matching {pattern!r} within {timeout} s:\n{''.join(lines)}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_up_stopped_by_a_signal_leaves_no_child(sig, redis_url):
    proc = subprocess.Popen([sys.executable, "-m", "stream.cli", "up", "--orders", "300", "--redis-url", redis_url],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []
    reader = _read_lines(proc.stdout, lines)
    try:
        broker = int(_wait_for(lines, r"tansu pid (\d+)", proc, 60)[1])
        worker = int(_wait_for(lines, r"worker: pid (\d+)", proc, 60)[1])
        time.sleep(5)                                   # the traffic is flowing, the worker busy
        assert running(broker) and running(worker), "".join(lines)
        proc.send_signal(sig)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    assert code == 0, "".join(lines)
    gone_by = time.monotonic() + 5
    while time.monotonic() < gone_by and (running(broker) or running(worker)):
        time.sleep(0.1)
    assert not running(broker) and not running(worker), "".join(lines)
    assert any(line.startswith("final: ") for line in lines), "".join(lines)


def test_a_worker_without_its_topics_names_them_within_10_s(tmp_path):
    with EmbeddedBroker() as broker:                     # a broker of its own: no topic on it
        env = {**os.environ, "SHIPGUARD_BROKER": broker.url, "SHIPGUARD_REDIS_URL": "", "SHIPGUARD_METRICS_PORT": "0",
               "SHIPGUARD_DATA_DIR": str(tmp_path)}
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "stream.cli", "worker"], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        lines: list[str] = []
        _read_lines(proc.stdout, lines)
        try:
            said = _wait_for(lines, r"waiting for topics (.*) on ", proc, 10)
            assert time.monotonic() - started < 10
            assert {"order-paid", "tracking-uploaded", "carrier-scan"} <= set(re.split(r",\s*", said[1])), said[0]
        finally:
            proc.terminate()
            proc.wait(15)


def test_collect_on_a_broker_without_the_topics_names_them_within_its_timeout(tmp_path):
    with EmbeddedBroker() as broker:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "stream.cli", "collect", "--timeout", "5", "--output",
                               str(tmp_path / "v.jsonl")], env={**os.environ, "SHIPGUARD_BROKER": broker.url},
                              capture_output=True, text=True, timeout=60)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr          # a failure while working: exit 1
    assert "no topic carrier-scan, order-paid" in lines[0] and "shipguard topics" in lines[0], lines[0]
    assert time.monotonic() - started < 5 + 5
