"""`shipguard up` starts the console, prints its URL, and stops it with everything else."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from .test_operator_paths import _read_lines, _wait_for
from .test_up import running

pytestmark = pytest.mark.integration
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str) -> str:
    with _OPENER.open(url, timeout=5) as response:
        return response.read().decode("utf-8")


def test_up_serves_the_console_and_stops_it(redis_url):
    from stream.tools.embedded import free_port
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "stream.cli", "up", "--orders", "300", "--redis-url", redis_url,
                             "--console-port", str(port)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []
    reader = _read_lines(proc.stdout, lines)
    try:
        found = _wait_for(lines, r"console: pid (\d+) at (http://127\.0\.0\.1:\d+/)", proc, 60)
        pid, url = int(found[1]), found[2]
        assert url == f"http://127.0.0.1:{port}/"
        deadline, listed = time.monotonic() + 90, ""
        while time.monotonic() < deadline:          # the worker's violations reach the console's pages
            try:
                listed = get(url + "violations")
            except OSError:
                listed = ""
            if re.search(r"\((?:[1-9]\d*) in all\)", listed):
                break
            time.sleep(1)
        assert re.search(r"\((?:[1-9]\d*) in all\)", listed), "".join(lines)
        overview = get(url)
        assert "Dead letters per reason" in overview and "input lag:" in overview
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    assert code == 0, "".join(lines)
    gone_by = time.monotonic() + 5
    while time.monotonic() < gone_by and running(pid):
        time.sleep(0.1)
    assert not running(pid), "".join(lines)
