"""`shipguard bench`: issue 5's figures from one run on one machine, with the
generator's data. `--quick` is the small run CI makes; without it, the sizes
of BENCHMARKS.md. Each figure is measured, never assumed; a part that fails
prints its one-line reason and the others still run."""
from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass

import orjson

from ..eventlog import LogRecord, read_log
from ..offline import run_offline
from ..policies import load_policy
from .synth import iter_generate

MESSAGES_PER_ORDER = 12.8       # what the generator makes, dead letters included


@dataclass(frozen=True)
class Sizes:
    offline: int        # messages through the offline engine
    stream: int         # messages through the workers and the null pipe
    parcels: int        # parcels in the index for the memory figure
    replay: int         # messages in the audit replay
    run_orders: int     # orders in the log whose `shipguard run` peak memory is measured
    console: int = 100_000          # violations in the serving view behind the list pages
    console_requests: int = 100     # requests per list page
    case: int = 1_000_000           # messages whose timelines are in the serving view behind the case pages
    cases: int = 200                # case pages asked for


QUICK = Sizes(offline=50_000, stream=3_000, parcels=50_000, replay=20_000, run_orders=5_000, console=2_000,
              console_requests=20, case=20_000, cases=40)
FULL = Sizes(offline=1_000_000, stream=62_000, parcels=1_000_000, replay=1_000_000, run_orders=100_000)


def log_lines(messages: int, seed: int = 1) -> list[bytes]:
    """The first `messages` lines of a generated log, as JSON Lines."""
    lines, _ = iter_generate(int(messages / MESSAGES_PER_ORDER) + 50, seed, 3)
    out = []
    for line in lines:
        out.append(orjson.dumps(line) + b"\n")
        if len(out) == messages:
            break
    return out


def records(lines: list[bytes]) -> list[LogRecord]:
    return list(read_log(iter(lines)))


def offline_figures(lines: list[bytes], runs: int = 3) -> dict:
    """The engine over the same records `runs` times: the median run is the figure. One run of the
    1 M log moved from 68 to 77 k msg/s between two hours of one day on this machine (BENCHMARKS.md)."""
    recs = records(lines)
    policy = load_policy("seed-v1")
    seconds, counts = [], set()
    for _ in range(runs):
        start = time.perf_counter()
        result = run_offline(recs, policy, 300_000)
        seconds.append(time.perf_counter() - start)
        counts.add(len(result.violations))
    if len(counts) != 1:
        raise RuntimeError(f"the runs decided different numbers of violations: {sorted(counts)}")
    median = statistics.median(seconds)
    return {"messages": len(recs), "runs": runs, "seconds": round(median, 2),
            "messages_per_s": round(len(recs) / median),
            "runs_messages_per_s": " / ".join(str(round(len(recs) / s)) for s in seconds),
            "violations": counts.pop()}


def with_redis(measure):
    """measure(url) against a Redis started for it alone, stopped afterwards."""
    from .embedded import ensure_redis, stop_process

    url, proc = ensure_redis(None, private=True)
    try:
        return measure(url)
    finally:
        stop_process(proc)


def run_bench(sizes: Sizes, parts: set[str], say=print) -> dict:
    from . import bench_case, bench_console, bench_memory, bench_stream
    figures: dict = {"sizes": vars(sizes)}
    steps = [
        ("offline", lambda: offline_figures(log_lines(sizes.offline))),
        ("stream", lambda: bench_stream.stream_figures(log_lines(sizes.stream, seed=2), say)),
        ("memory", lambda: bench_memory.memory_figures(sizes.parcels, sizes.run_orders)),
        ("replay", lambda: bench_stream.replay_figures(log_lines(sizes.replay, seed=3))),
        ("console", lambda: with_redis(lambda url: bench_console.run(url, sizes.console, sizes.console_requests))),
        ("case", lambda: with_redis(lambda url: bench_case.run(url, log_lines(sizes.case, seed=4), sizes.cases))),
    ]
    for name, step in steps:
        if name not in parts:
            continue
        say(f"bench: {name} ...")
        try:
            figures[name] = step()
        except Exception as exc:          # one part failing must not hide the others' figures
            figures[name] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"bench: {name} failed: {exc}", file=sys.stderr)
    return figures
