"""`shipguard bench`: run the parts, print one table of figures, exit non-zero if a part failed."""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .bench import FULL, QUICK, run_bench

TARGETS = {  # the open issues' acceptance lines (11: stream v2; 13: offline and replay; 14: console), beside each figure
    ("offline", "messages_per_s"): ">= 100 000 (1 M)",
    ("stream", "one_worker_vs_bare_agent"): ">= 0.45",
    ("stream", "cpu_two_vs_one"): "<= 1.15",
    ("stream", "paced.decision_latency_p99_s"): "<= 1",
    ("memory", "rocksdb.bytes_per_parcel"): "<= 250",
    ("memory", "run.peak_rss_mb"): "<= 400 (100 000 orders)",
    ("replay", "seconds"): "<= 30 (1 M)",
    ("console", "worst_p95_ms"): "<= 200 (100 000 violations)",
    ("case", "p95_ms"): "<= 1000 (1 M messages)",
}


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def rows(figures: dict):
    for part, values in figures.items():
        if part == "sizes" or not isinstance(values, dict):
            continue
        yield from _flat(part, "", values)


def _flat(part: str, at: str, values: dict):
    """Nested figures as dotted names (the console's latency.<page>.p95_ms)."""
    for name, value in values.items():
        if isinstance(value, dict):
            yield from _flat(part, f"{at}{name}.", value)
        else:
            yield part, f"{at}{name}", value


def run_bench_cli(quick: bool, parts: set[str], output: Path | None) -> int:
    console = Console(stderr=True)
    figures = run_bench(QUICK if quick else FULL, parts, say=lambda m: console.print(m, highlight=False))
    figures["machine"] = machine()
    table = Table(title=f"shipguard bench{' --quick' if quick else ''} ({figures['machine']['cpus']} cpus)")
    for column in ("part", "figure", "value", "target"):
        table.add_column(column)
    for part, name, value in rows({k: v for k, v in figures.items() if k != "machine"}):
        table.add_row(part, name, str(value), TARGETS.get((part, name), ""))
    Console().print(table)
    if output:
        output.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    return 1 if any(isinstance(v, dict) and "error" in v for v in figures.values()) else 0
