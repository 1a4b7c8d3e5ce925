"""Stream bench rows that need a live input rather than a backlog: decision latency at a
paced rate, the worker's memory while inputs wait out the lateness, and marks per second
at 64 partitions, idle and loaded."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .bench_worker import metric, wait_until, worker_env
from ..topic_admin import create_specs
from .embedded import EmbeddedBroker, free_port, stop_process
from ..produce import produce_log
from ..service.topology import topic_specs

TICK = 0.1                 # wall seconds between paced chunks


def pace(bootstrap: str, recs: list, rate: float, stop: threading.Event | None = None) -> float:
    """Produce `recs` at about `rate` messages/s, in chunks every TICK; returns the rate achieved."""
    chunk = max(1, int(rate * TICK))
    start = time.monotonic()
    for n in range(0, len(recs), chunk):
        if stop is not None and stop.is_set():
            break
        produce_log(bootstrap, recs[n:n + chunk], progress=False)
        wait = start + (n + chunk) / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    return len(recs) / max(1e-3, time.monotonic() - start)


def proc_stat(pid: int) -> dict | None:
    """CPU seconds and resident bytes of a live process, from /proc (Linux)."""
    import os
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/statm") as f:
            resident_pages = int(f.read().split()[1])
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return {"cpu_s": (int(fields[11]) + int(fields[12])) / ticks, "rss": resident_pages * os.sysconf("SC_PAGE_SIZE")}


def paced_figures(recs: list, rate: float, run_worker, say=print) -> dict:
    """One worker on a fresh broker while the input arrives at `rate` msg/s (5 min lateness)."""
    with EmbeddedBroker() as broker:
        create_specs(broker.bootstrap, topic_specs("paced", 4))
        say(f"bench: stream: paced at {rate:.0f} msg/s ...")
        return run_worker(broker, "paced", len(recs), 1, feed=lambda: pace(broker.bootstrap, recs, rate))


def marks_figures(run_marks, partitions: int = 64, say=print) -> dict:
    with EmbeddedBroker() as broker:
        create_specs(broker.bootstrap, topic_specs("marks", partitions))
        say(f"bench: stream: marks at {partitions} partitions ...")
        return run_marks(broker, "marks", partitions)


def marks_run(broker: EmbeddedBroker, app_id: str, partitions: int, recs: list, seconds: float) -> dict:
    """Mark messages per second of one worker at `partitions` partitions: idle, then loaded."""
    folder = Path(tempfile.mkdtemp(prefix=f"shipguard-{app_id}-"))
    port = free_port()
    env = {**worker_env(broker, app_id, port, str(folder / "data")), "SHIPGUARD_PARTITIONS": str(partitions)}
    proc = subprocess.Popen([sys.executable, "-m", "stream.cli", "worker"], stdout=open(folder / "worker.log", "ab"),
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        wait_until(lambda: metric(port, "shipguard_ready") == 1, [proc], 300)
        time.sleep(2)                          # the first marks of every source go out once
        figures = {"partitions": partitions}
        for name, load in (("idle", None), ("loaded", recs)):
            before, start = metric(port, "shipguard_mark_messages_total"), time.monotonic()
            if load:
                stop = threading.Event()
                threading.Timer(seconds, stop.set).start()
                pace(broker.bootstrap, load, len(load) / seconds, stop)
            time.sleep(max(0.0, seconds - (time.monotonic() - start)))
            spent = time.monotonic() - start
            figures[f"{name}_marks_per_s"] = round((metric(port, "shipguard_mark_messages_total") - before) / spent, 1)
        figures["loaded_input_per_s"] = round(len(recs) / seconds)
        return figures
    finally:
        stop_process(proc, timeout=15)
