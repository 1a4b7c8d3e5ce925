"""The `shipguard` command. Each command is thin: it parses options, calls one
function elsewhere, and turns a known failure into one line and a non-zero exit.
Commands live in *_cmds.py and are registered here, in the order `--help` lists them."""
from __future__ import annotations

import sys

import typer

from .common import RUNTIME, USAGE, say, version_option

HELP = "shipguard: detect fake shipping on order, tracking and carrier-scan events."


def build_app() -> typer.Typer:
    from . import audit_cmds, console_cmds, offline_cmds, service_cmds, tool_cmds

    app = typer.Typer(add_completion=False, no_args_is_help=True, help=HELP)
    app.callback()(version_option)
    for command in (offline_cmds.run, offline_cmds.generate, offline_cmds.ingest, service_cmds.worker,
                    service_cmds.topics, service_cmds.produce, service_cmds.collect, service_cmds.query,
                    console_cmds.console, tool_cmds.up, tool_cmds.bench, audit_cmds.replay, audit_cmds.explain):
        app.command()(command)
    return app


def main() -> None:
    from ..kafka_security import SecurityConfigError
    from ..settings import SettingsError

    def one_line(message: str, code: int) -> None:
        say(message)
        sys.exit(code)

    try:
        code = build_app()(standalone_mode=False)      # usage errors come here instead of Typer's boxed, wrapped text
    except (SettingsError, SecurityConfigError) as exc:    # a command that met a bad setting late
        one_line(str(exc), USAGE)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int):
            message = exc.format_message().strip()     # click's usage errors; no arguments: the help, shown
            if message and "\n" not in message:
                one_line(message, exc.exit_code)
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Abort":              # click's Ctrl-C at a prompt
            sys.exit(130)
        # The broker or Redis failing mid-command (the broker was reached at the start): one line, not
        # the client's 120-line traceback.
        if type(exc).__module__.split(".")[0] not in ("kafka", "aiokafka", "redis"):
            raise
        one_line(f"{type(exc).__name__}: {exc}", RUNTIME)
    sys.exit(code if isinstance(code, int) else 0)
