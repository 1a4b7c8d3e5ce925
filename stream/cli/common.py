"""What every `shipguard` command shares: `--version`, one-line failures, and
the parsing of times, durations and settings given as options."""
from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console

from detectors.timeparse import TimeError, parse_china_time, parse_duration

err = Console(stderr=True, soft_wrap=True)      # one line however long: logs and grep read it whole


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import PackageNotFoundError, version
        try:
            typer.echo(f"shipguard {version('shipguard')}")
        except PackageNotFoundError:               # run from a checkout that was never installed
            typer.echo("shipguard (not installed)")
        raise typer.Exit()


def version_option(show_version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                                     help="print the version and exit")) -> None:
    """shipguard: detect fake shipping on order, tracking and carrier-scan events."""


USAGE, RUNTIME = 2, 1        # exit codes: a bad flag, setting or file; a failure while working


def say(message: str) -> None:
    """The one error style: `shipguard: <what> (<which setting or file>)`, one line on stderr."""
    err.print(f"shipguard: {message}", style="red", markup=False, highlight=False)


def fail(message: str, code: int = USAGE) -> None:
    say(message)
    raise typer.Exit(code)


def reach_broker(settings, within: float) -> None:
    """The broker answers within `within` seconds, or one line and exit 1."""
    from ..broker_wait import BrokerUnreachable, wait_for_broker
    from ..kafka_security import kafka_python_config

    try:
        wait_for_broker(settings.bootstrap, security=kafka_python_config(settings), deadline=within)
    except BrokerUnreachable as exc:
        fail(f"{exc} (SHIPGUARD_BROKER)", RUNTIME)


def json_beside(as_json: bool, output) -> None:
    """--json prints on stdout, so the command's output may not go there too."""
    from .files import is_std

    if as_json and is_std(output):
        fail("--json and --output - would both write stdout")


def print_json(facts: dict) -> None:
    import sys

    import orjson
    sys.stdout.buffer.write(orjson.dumps(facts) + b"\n")
    sys.stdout.flush()


def check_files(inputs: dict | None = None, outputs: dict | None = None) -> None:
    """{option: path}: each input readable and each output writable before any work, else one line."""
    from .files import FileProblem, check_input, check_output

    try:
        for option, path in (inputs or {}).items():
            check_input(path, option)
        for option, path in (outputs or {}).items():
            check_output(path, option)
    except FileProblem as exc:
        fail(str(exc))


def cli_time(text: Optional[str], option: str) -> Optional[int]:
    """RFC 3339, epoch milliseconds, or a time without offset, read as China time (+08:00) as in the feeds."""
    if text is None:
        return None
    try:
        return parse_china_time(int(text) if text.lstrip("-").isdigit() else text)
    except TimeError as exc:
        fail(f"{option}: {exc}")


def cli_duration(text: str, option: str) -> int:
    try:
        return parse_duration(text)
    except ValueError as exc:
        fail(f"{option}: {exc}")


def settings_from_env(**overrides):
    """The settings, or one line naming the bad variable and exit 2 (before anything connects)."""
    from ..settings import SettingsError, from_env

    try:
        return from_env(**overrides)
    except SettingsError as exc:
        fail(str(exc))
