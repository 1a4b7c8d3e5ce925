"""Peak resident memory of `shipguard run` on a generated log (issue 13: <= 400 MB on the
100 000-order log): the command runs as a child process, and its peak is the VmHWM of its own
address space, read from /proc while it runs (the last read is at most 50 ms before it exits).
Not wait4's ru_maxrss: Linux carries the parent's high-water mark into a vforked child across
exec, and after the bench's offline part that read 5 614 MB for a run whose own peak was ~340."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from .synth import iter_generate


def write_log(orders: int, path: Path, seed: int = 1) -> tuple[int, int]:
    """The log `shipguard generate --orders N --seed 1` writes; (messages, as-of)."""
    lines, as_of = iter_generate(orders, seed, 3)
    n = 0
    with open(path, "wb") as out:
        for line in lines:
            out.write(orjson.dumps(line) + b"\n")
            n += 1
    return n, as_of


def run_peak_rss(orders: int, policy: str = "seed-v1", timeout: float = 900) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="shipguard-bench-run-"))
    log = folder / "events.jsonl"
    messages, as_of = write_log(orders, log)
    cmd = [sys.executable, "-m", "stream.cli", "run", "--input", str(log), "--as-of", str(as_of), "--policy", policy,
           "--output", str(folder / "violations.jsonl"), "--dlq", str(folder / "dlq.jsonl"), "--json"]
    start = time.perf_counter()
    with open(folder / "stderr.txt", "wb") as errors:        # a file, never a pipe that could fill
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors, stdin=subprocess.DEVNULL)
    try:
        status, peak_kib = _wait_watching(proc.pid, timeout)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)     # reaped here, not by Popen
    if proc.returncode != 0:
        said = (folder / "stderr.txt").read_text(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(f"shipguard run exited {proc.returncode}: {said}")
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    return {"orders": orders, "messages": messages, "policy": policy, "seconds": round(seconds, 2),
            "peak_rss_mb": round(peak_kib / 1024, 1)}


def _wait_watching(pid: int, timeout: float) -> tuple[int, int]:
    """(wait status, the child's VmHWM in KiB at the last read before it exited)."""
    deadline, peak = time.monotonic() + timeout, 0
    while True:
        peak = max(peak, _hwm_kib(pid))
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status, peak
        if time.monotonic() > deadline:
            raise TimeoutError(f"shipguard run took over {timeout:.0f} s")
        time.sleep(0.05)


def _hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):   # exited between two reads
        pass
    return 0
