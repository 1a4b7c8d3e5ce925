"""The auditor's commands: `shipguard replay` and `shipguard explain` over a fixed range of the topics."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from detectors.policy import PolicyError

from .common import check_files, cli_duration, cli_time, err, fail, json_beside, reach_broker, settings_from_env
from .options import (AsJson, AsOf, Broker, FromOffsets, FromTimestamp, OfflineLateness, OfflinePolicy, ToOffsets,
                      ToTimestamp, Wait)


def _bounds(from_timestamp, from_offsets, to_timestamp, to_offsets) -> dict:
    from .replay_run import offsets_file

    if from_timestamp and from_offsets or to_timestamp and to_offsets:
        fail("give a timestamp or an offsets file for each end, not both")
    try:
        return {"from_ts": cli_time(from_timestamp, "--from-timestamp"), "to_ts": cli_time(to_timestamp, "--to-timestamp"),
                "from_offsets": offsets_file(from_offsets, end=False), "to_offsets": offsets_file(to_offsets, end=True)}
    except (OSError, ValueError) as exc:
        fail(f"offsets file: {exc}")


def _html_beside(html: Path | None, output: Path, as_json: bool) -> None:
    from .files import is_std

    if html is not None and is_std(html) and (is_std(output) or as_json):
        fail("--html - would share stdout with " + ("--json" if as_json else "--output -"))


def replay(
    output: Path = typer.Option(..., "--output", help="the report (JSON)"),
    html: Optional[Path] = typer.Option(None, "--html", help="also write the report as one self-contained HTML file"),
    from_timestamp: FromTimestamp = None,
    from_offsets: FromOffsets = None,
    to_timestamp: ToTimestamp = None,
    to_offsets: ToOffsets = None,
    as_of: AsOf = None,
    policy: OfflinePolicy = None,
    lateness: OfflineLateness = "5m",
    compare: Optional[Path] = typer.Option(None, "--compare", help="an earlier report: say which decisions differ"),
    topic: Optional[str] = typer.Option(None, "--topic", help="also publish the violations to this audit topic"),
    broker: Broker = None,
    wait: Wait = 15.0,
    as_json: AsJson = False,
) -> None:
    """Replay the input topics over a fixed range and write an audit report."""
    from .replay_run import publish, run_replay, write_html, write_report
    from ..service.topology import VIOLATIONS

    if topic == VIOLATIONS:
        fail(f"--topic {topic} is the live output: an audit publishes elsewhere")
    check_files({"--from-offsets": from_offsets, "--to-offsets": to_offsets, "--compare": compare},
                {"--output": output, "--html": html})
    json_beside(as_json, output)
    _html_beside(html, output, as_json)
    bounds = _bounds(from_timestamp, from_offsets, to_timestamp, to_offsets)
    settings = settings_from_env(broker=broker)
    reach_broker(settings, wait)
    try:
        bootstrap = settings.bootstrap
        report, _ = run_replay(bootstrap, policy, cli_duration(lateness, "--lateness"),
                               cli_time(as_of, "--as-of"), bounds, compare)
        write_report(report, output, as_json)
        if html is not None:
            write_html(report, html)
        if topic:
            err.print(f"published {publish(bootstrap, topic, report)} violations to {topic}")
    except (PolicyError, ValueError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename}: {exc.strerror}")


def explain(
    order_id: str = typer.Argument(..., help="the order to explain"),
    from_timestamp: FromTimestamp = None,
    from_offsets: FromOffsets = None,
    to_timestamp: ToTimestamp = None,
    to_offsets: ToOffsets = None,
    as_of: AsOf = None,
    policy: OfflinePolicy = None,
    lateness: OfflineLateness = "5m",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    broker: Broker = None,
    wait: Wait = 15.0,
) -> None:
    """One order's timeline (every event with its time and source offset) and each decision's evidence."""
    from .replay_run import run_explain

    check_files({"--from-offsets": from_offsets, "--to-offsets": to_offsets})
    bounds = _bounds(from_timestamp, from_offsets, to_timestamp, to_offsets)
    settings = settings_from_env(broker=broker)
    reach_broker(settings, wait)
    try:
        run_explain(order_id, settings.bootstrap, policy, cli_duration(lateness, "--lateness"),
                    cli_time(as_of, "--as-of"), bounds, as_json)
    except PolicyError as exc:
        fail(str(exc))
