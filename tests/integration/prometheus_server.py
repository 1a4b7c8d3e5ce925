"""A real Prometheus server for one test: Debian's `prometheus`, on a free loopback port,
its storage in the test's tmp_path. A missing binary fails the test (CI installs it)."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from stream.tools.embedded import free_port, stop_process


def binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found on PATH: install Debian's prometheus package "
                    "(`apt-get install prometheus`; .ci/run does it)", pytrace=False)
    return found


class Prometheus:
    def __init__(self, config: Path, workdir: Path, timeout: float = 30.0):
        self.proc, self.log_path = None, workdir / "prometheus.log"
        for _ in range(5):               # a free port can be taken between probe and bind: retry
            self.port = free_port()
            cmd = [binary("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={workdir / 'data'}",
                   f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=1h",
                   "--log.level=warn"]
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as r:
                        if r.status == 200:
                            return
                except OSError:
                    pass
                time.sleep(0.2)
            self.stop()
        pytest.fail(f"prometheus did not start:\n{self.log_tail()}", pytrace=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, path: str, **params) -> dict:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}{query}", timeout=5) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return body["data"]

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        stop_process(self.proc)
