"""A throwaway deployment for one test: a fresh Tansu broker, its topics, and
`shipguard worker` / `collect` run as real processes through the CLI."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from stream.tools.embedded import EmbeddedBroker, free_port
from stream.topic_admin import create_specs
from stream.eventlog import read_log
from stream.produce import produce_log
from stream.service.topology import topic_specs

PARTITIONS = 4


class Deployment:
    def __init__(self, workdir: Path, redis_url: str = "", create_topics: bool = True):
        self.workdir, self.redis_url = workdir, redis_url
        self.broker = EmbeddedBroker().start()
        self.app_id = f"sg-{uuid.uuid4().hex[:8]}"
        if create_topics:
            create_specs(self.broker.bootstrap, topic_specs(self.app_id, PARTITIONS))
        self.workers: list[subprocess.Popen] = []

    def env(self, metrics_port: int = 0, idle_seconds: float = 2) -> dict:
        return {**os.environ, "SHIPGUARD_BROKER": self.broker.url, "SHIPGUARD_APP_ID": self.app_id,
                "SHIPGUARD_PARTITIONS": str(PARTITIONS), "SHIPGUARD_SESSION_TIMEOUT": "2",
                "SHIPGUARD_IDLE_SECONDS": str(idle_seconds),
                "SHIPGUARD_METRICS_PORT": str(metrics_port), "SHIPGUARD_REDIS_URL": self.redis_url}

    def produce(self, log: Path, lines: slice = slice(None)) -> dict:
        with open(log, "rb") as stream:
            return produce_log(self.broker.bootstrap, list(read_log(stream))[lines])

    def start_worker(self, metrics_port: int = 0, idle_seconds: float = 2, extra_env=None) -> subprocess.Popen:
        n = len(self.workers)
        out = open(self.workdir / f"worker-{n}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "stream.cli", "worker", "--loglevel", "INFO"],
                                env={**self.env(metrics_port, idle_seconds), **(extra_env or {})}, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        self.workers.append(proc)
        return proc

    def stop_worker(self, proc: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 30) -> int:
        proc.send_signal(sig)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def collect(self, output: Path, as_of: str | None = None, timeout: float = 240,
                escalations: Path | None = None, policy: str | None = None) -> str:
        args = [sys.executable, "-m", "stream.cli", "collect", "--output", str(output), "--timeout", str(timeout)]
        if as_of:
            args += ["--as-of", as_of]
        if escalations is not None:
            args += ["--escalations", str(escalations)]
        if policy:
            args += ["--policy", policy]
        done = subprocess.run(args, env=self.env(), capture_output=True, text=True, timeout=timeout + 60)
        assert done.returncode == 0, done.stderr + self.log_tail()
        return done.stderr

    def log_tail(self, lines: int = 40) -> str:
        tails = []
        for path in sorted(self.workdir.glob("worker-*.log")):
            tails.append(f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(tails)

    def wait_for(self, predicate, timeout: float = 60, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"timed out waiting for {what}\n{self.log_tail()}"
            for proc in self.workers:
                assert proc.poll() is None or proc.returncode == 0, f"a worker died\n{self.log_tail()}"
            time.sleep(0.3)

    def close(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                self.stop_worker(proc, timeout=15)
        self.broker.stop()


def metrics_port() -> int:
    return free_port()
