"""A worker whose broker dies mid-run retries it with backoff, one line per try, and resumes (issue 12).

Before: aiokafka connected again every 100 ms from each of its loops, ~110 error lines/s and
9 % of a core for as long as the broker was away (stream/service/reconnect.py).

The restarted broker is empty, and the input after it is less than before: a worker that kept
its old positions, or committed them into the new group, would never read it (seen in CI: a
commit begun before the loss went out as a standalone commit, faust_compat._commit_only_as_member)."""
from __future__ import annotations

import os
import re
import signal
import time

import pytest

from stream.tools.embedded import EmbeddedBroker
from stream.topic_admin import create_specs
from stream.service.topology import topic_specs

from .deployment import PARTITIONS, Deployment, metrics_port
from .observe import metric_sum, scrape

pytestmark = pytest.mark.integration
DOWN = 15.0            # seconds without the broker: tries at about 0, 1, 3, 7 and 15 s
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK        # utime + stime


def events_in(port: int) -> float:
    try:
        return metric_sum(scrape(port), "shipguard_events_in_total")
    except OSError:
        return -1.0


def test_a_lost_broker_is_retried_quietly_and_the_worker_resumes_when_it_is_back(log, tmp_path):
    path, _ = log
    d = Deployment(tmp_path)
    worker_log = tmp_path / "worker-0.log"
    try:
        port = metrics_port()
        worker = d.start_worker(port)
        d.produce(path, slice(0, 300))
        d.wait_for(lambda: events_in(port) >= 300, timeout=120, what="the worker to take input")

        address, before = d.broker.bootstrap, len(worker_log.read_text().splitlines())
        os.kill(d.broker.proc.pid, signal.SIGKILL)
        d.broker.proc.wait()
        cpu, lost = cpu_seconds(worker.pid), time.monotonic()
        time.sleep(DOWN)
        wall, used = time.monotonic() - lost, cpu_seconds(worker.pid) - cpu
        outage = worker_log.read_text().splitlines()[before:]
        said = [line for line in outage if f"broker {address} unreachable" in line]
        assert worker.poll() is None, d.log_tail()
        shown = f"{len(outage)} lines in {wall:.0f} s without the broker, the first:\n" + "\n".join(outage[:12])
        assert 1 <= len(said) <= 6 and len(outage) <= len(said) + 4, shown
        assert used < 0.2 * wall, f"{used:.1f} s of CPU in {wall:.0f} s without the broker"

        d.broker = EmbeddedBroker(port=int(address.rsplit(":", 1)[1])).start()   # memory only: topics again
        create_specs(d.broker.bootstrap, topic_specs(d.app_id, PARTITIONS))
        taken = events_in(port)
        d.produce(path, slice(300, 306))
        d.wait_for(lambda: events_in(port) > taken, timeout=120, what="input taken after the broker came back")
        assert re.search(rf"broker {re.escape(address)} reachable again after \d+ s", worker_log.read_text())
    finally:
        d.close()
