"""The `shipguard` command. Each command is thin: it parses options, calls one
function elsewhere, and turns a known failure into one line and a non-zero exit."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from detectors.policy import PolicyError
from detectors.timeparse import TimeError, parse_duration, parse_time

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="shipguard: detect fake shipping on order, tracking and carrier-scan events.")
err = Console(stderr=True)


def fail(message: str) -> None:
    err.print(f"[red]shipguard: {message}[/red]", highlight=False)
    raise typer.Exit(2)


def cli_time(text: Optional[str], option: str) -> Optional[int]:
    """RFC 3339 with an offset, or epoch milliseconds."""
    if text is None:
        return None
    try:
        return parse_time(int(text) if text.lstrip("-").isdigit() else text)
    except TimeError as exc:
        fail(f"{option}: {exc}")


def cli_duration(text: str, option: str) -> int:
    try:
        return parse_duration(text)
    except ValueError as exc:
        fail(f"{option}: {exc}")


@app.command()
def run(
    input: Path = typer.Option(..., "--input", help="event log (JSON Lines, CONTRACT §6)"),
    output: Path = typer.Option(..., "--output", help="violations, one JSON object a line"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="decide as of T (RFC 3339 or epoch ms)"),
    dlq: Optional[Path] = typer.Option(None, "--dlq", help="write dead letters here"),
    lateness: str = typer.Option("5m", "--lateness", help="allowed lateness, e.g. 5m"),
    policy: Optional[str] = typer.Option(None, "--policy", help="policy name or YAML file"),
) -> None:
    """Run the detector over an offline event log."""
    from .offline_cli import run_command

    try:
        run_command(input, output, cli_time(as_of, "--as-of"), dlq, cli_duration(lateness, "--lateness"), policy)
    except PolicyError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename}: {exc.strerror}")


@app.command()
def generate(
    orders: int = typer.Option(..., "--orders", min=1, help="how many orders"),
    output: Path = typer.Option(..., "--output", help="where to write the event log"),
    seed: int = typer.Option(1, "--seed"),
    disorder_minutes: float = typer.Option(3.0, "--disorder-minutes", min=0),
) -> None:
    """Write a synthetic event log with planted cases of every rule."""
    from .offline_cli import generate_command

    try:
        generate_command(orders, seed, disorder_minutes, output)
    except OSError as exc:
        fail(f"{exc.filename}: {exc.strerror}")


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
