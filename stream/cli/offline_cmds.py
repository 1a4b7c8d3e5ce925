"""The commands that need no broker: `run`, `generate`, `ingest`."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from detectors.policy import PolicyError

from .common import check_files, cli_duration, cli_time, fail, json_beside
from .options import AsJson, AsOf, Dlq, FeedFormat, OfflineLateness, OfflinePolicy


def run(
    input: Annotated[Path, typer.Option("--input", help="event log (JSON Lines, docs/contract.md)")],
    output: Annotated[Path, typer.Option("--output", help="violations, one JSON object a line")],
    as_of: AsOf = None,
    dlq: Dlq = None,
    lateness: OfflineLateness = "5m",
    policy: OfflinePolicy = None,
    escalations: Annotated[Optional[Path], typer.Option(
        "--escalations", help="write shop/product escalations here (policies that define them)")] = None,
    as_json: AsJson = False,
) -> None:
    """Run the detector over an offline event log (`-`: stdin, stdout)."""
    from .offline_run import run_command

    check_files({"--input": input}, {"--output": output, "--dlq": dlq, "--escalations": escalations})
    json_beside(as_json, output)
    try:
        run_command(input, output, cli_time(as_of, "--as-of"), dlq, cli_duration(lateness, "--lateness"), policy,
                    escalations, as_json)
    except PolicyError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename}: {exc.strerror}")


def generate(
    orders: Annotated[int, typer.Option("--orders", min=1, help="how many orders")],
    output: Annotated[Path, typer.Option("--output", help="where to write the event log")],
    seed: Annotated[int, typer.Option("--seed")] = 1,
    disorder_minutes: Annotated[float, typer.Option("--disorder-minutes", min=0)] = 3.0,
    platform_cases: Annotated[bool, typer.Option(
        "--platform-cases", help="also plant cases of policy platform-2026-07 (transit, escalations)")] = False,
) -> None:
    """Write a synthetic event log with planted cases of every rule (`--output -`: stdout)."""
    from .offline_run import generate_command

    check_files(outputs={"--output": output})
    try:
        generate_command(orders, seed, disorder_minutes, output, platform_cases)
    except OSError as exc:
        fail(f"{exc.filename}: {exc.strerror}")


def ingest(
    log: Annotated[Path, typer.Argument(help="raw feed payloads: one JSON document a line, or one JSON document")],
    format: Annotated[FeedFormat, typer.Option("--format", help="the carrier feed's format")],
    output: Annotated[Optional[Path], typer.Option("--output", help="event log to write (default: stdout)")] = None,
    dlq: Dlq = None,
) -> None:
    """Turn a carrier feed log (Kuaidi100, KDNiao, SF) into carrier-scan event-log lines."""
    from .ingest import IngestError, ingest_command

    try:
        ingest_command(format.value, log, output, dlq)
    except IngestError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or log}: {exc.strerror}")
