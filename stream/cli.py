"""The `shipguard` command. Each command is thin: it parses options, calls one
function elsewhere, and turns a known failure into one line and a non-zero exit."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Optional

import typer

from detectors.policy import PolicyError

from .cli_common import (WAIT_HELP, app, check_files, cli_duration, cli_time, err, fail, json_beside, print_json,
                         reach_broker, settings_from_env)

@app.command()
def run(
    input: Path = typer.Option(..., "--input", help="event log (JSON Lines, CONTRACT §6)"),
    output: Path = typer.Option(..., "--output", help="violations, one JSON object a line"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="decide as of T (RFC 3339 or epoch ms)"),
    dlq: Optional[Path] = typer.Option(None, "--dlq", help="write dead letters here"),
    lateness: str = typer.Option("5m", "--lateness", help="allowed lateness, e.g. 5m"),
    policy: Optional[str] = typer.Option(None, "--policy", help="policy name or YAML file"),
    escalations: Optional[Path] = typer.Option(None, "--escalations",
                                               help="write shop/product escalations here (policies that define them)"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON object on stdout"),
) -> None:
    """Run the detector over an offline event log (`-`: stdin, stdout)."""
    from .offline_cli import run_command

    check_files({"--input": input}, {"--output": output, "--dlq": dlq, "--escalations": escalations})
    json_beside(as_json, output)
    try:
        run_command(input, output, cli_time(as_of, "--as-of"), dlq, cli_duration(lateness, "--lateness"), policy,
                    escalations, as_json)
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
    platform_cases: bool = typer.Option(False, "--platform-cases",
                                        help="also plant cases of policy platform-2026-07 (transit, escalations)"),
) -> None:
    """Write a synthetic event log with planted cases of every rule (`--output -`: stdout)."""
    from .offline_cli import generate_command

    check_files(outputs={"--output": output})
    try:
        generate_command(orders, seed, disorder_minutes, output, platform_cases)
    except OSError as exc:
        fail(f"{exc.filename}: {exc.strerror}")


@app.command()
def ingest(
    log: Path = typer.Argument(..., help="raw feed payloads: one JSON document a line, or one JSON document"),
    format: str = typer.Option(..., "--format", help="kuaidi100, kdniao or sf"),
    output: Optional[Path] = typer.Option(None, "--output", help="event log to write (default: stdout)"),
    dlq: Optional[Path] = typer.Option(None, "--dlq", help="write dead letters here"),
) -> None:
    """Turn a carrier feed log (Kuaidi100, KDNiao, SF) into carrier-scan event-log lines."""
    from .feeds_cli import IngestError, ingest_command

    try:
        ingest_command(format, log, output, dlq)
    except IngestError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or log}: {exc.strerror}")


@app.command()
def worker(
    broker: Optional[str] = typer.Option(None, help="kafka://host:port [SHIPGUARD_BROKER]"),
    redis_url: Optional[str] = typer.Option(None, help="redis://... or '' for none [SHIPGUARD_REDIS_URL]"),
    partitions: Optional[int] = typer.Option(None, help="partitions of every topic [SHIPGUARD_PARTITIONS]"),
    lateness: Optional[str] = typer.Option(None, help="allowed lateness, e.g. 5m [SHIPGUARD_LATENESS]"),
    policy: Optional[str] = typer.Option(None, help="policy name or file [SHIPGUARD_POLICY]"),
    metrics_port: Optional[int] = typer.Option(None, help="Prometheus port, 0 for none [SHIPGUARD_METRICS_PORT]"),
    store: Optional[str] = typer.Option(None, help="table store: memory:// or rocksdb:// [SHIPGUARD_STORE]"),
    app_id: Optional[str] = typer.Option(None, help="consumer group / app id [SHIPGUARD_APP_ID]"),
    loglevel: str = typer.Option("WARNING", help="log level"),
) -> None:
    """Run one worker of the consumer group (the production entry point)."""
    from .service.worker import run_worker

    settings = settings_from_env(broker=broker, redis_url=redis_url, partitions=partitions, lateness=lateness,
                         policy=policy, metrics_port=metrics_port, store=store, app_id=app_id)
    from .kafka_security import SecurityConfigError

    try:
        cli_duration(settings.lateness, "--lateness")
        run_worker(settings, loglevel)
    except (PolicyError, SecurityConfigError) as exc:
        fail(str(exc))


@app.command()
def topics(
    broker: Optional[str] = typer.Option(None, help="kafka://host:port [SHIPGUARD_BROKER]"),
    partitions: Optional[int] = typer.Option(None, help="partitions of every topic [SHIPGUARD_PARTITIONS]"),
    app_id: Optional[str] = typer.Option(None, help="the worker group's app id [SHIPGUARD_APP_ID]"),
    replication_factor: Optional[int] = typer.Option(None, help="[SHIPGUARD_REPLICATION_FACTOR]"),
    wait: float = typer.Option(60.0, "--wait", help=WAIT_HELP),
) -> None:
    """Create the input, output and internal topics a worker group needs (existing ones are left alone)."""
    from .kafka_security import SecurityConfigError
    from .topics_cli import create_all

    settings = settings_from_env(broker=broker, partitions=partitions, app_id=app_id, replication_factor=replication_factor)
    reach_broker(settings, wait)
    try:
        names = create_all(settings)
    except SecurityConfigError as exc:
        fail(str(exc))
    err.print(f"topics ready on {settings.bootstrap}: {', '.join(names)}")


@app.command()
def produce(
    input: Path = typer.Option(..., "--input", help="event log to load onto the input topics"),
    broker: Optional[str] = typer.Option(None, help="kafka://host:port [SHIPGUARD_BROKER]"),
    wait: float = typer.Option(15.0, "--wait", help=WAIT_HELP),
) -> None:
    """Load an event log onto the three input topics, in order, keyed per CONTRACT §1."""
    from .cli_files import opened
    from .eventlog import read_log
    from .produce import produce_log

    settings = settings_from_env(broker=broker)
    check_files({"--input": input})
    reach_broker(settings, wait)
    try:
        with opened(input) as stream:
            counts = produce_log(settings.bootstrap, read_log(stream))
    except OSError as exc:
        fail(f"{exc.filename or input}: {exc.strerror}")
    err.print("produced " + ", ".join(f"{t} {n}" for t, n in sorted(counts.items())))


@app.command()
def collect(
    output: Path = typer.Option(..., "--output", help="where to write the violations"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="T: RFC 3339 or epoch ms"),
    timeout: float = typer.Option(300.0, "--timeout", help="seconds to wait, connecting included"),
    broker: Optional[str] = typer.Option(None, help="kafka://host:port [SHIPGUARD_BROKER]"),
    app_id: Optional[str] = typer.Option(None, help="the worker group's app id [SHIPGUARD_APP_ID]"),
    partitions: Optional[int] = typer.Option(None, help="[SHIPGUARD_PARTITIONS]"),
    lateness: Optional[str] = typer.Option(None, help="[SHIPGUARD_LATENESS]"),
    escalations: Optional[Path] = typer.Option(None, "--escalations",
                                               help="also write the escalations whose day closed at or before T"),
    policy: Optional[str] = typer.Option(None, help="the workers' policy, for --escalations [SHIPGUARD_POLICY]"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as one JSON object on stdout"),
) -> None:
    """Wait for the group to finish the input, then write the violations decided at or before T."""
    from .collect import CollectTimeout, collect as run_collect, collect_escalations
    from .offline_cli import write_lines
    from .policies import load_policy

    settings = settings_from_env(broker=broker, app_id=app_id, partitions=partitions, lateness=lateness, policy=policy)
    check_files(outputs={"--output": output, "--escalations": escalations})
    json_beside(as_json, output)
    try:
        chosen = load_policy(settings.policy) if escalations is not None else None
    except PolicyError as exc:
        fail(str(exc))
    started = time.monotonic()
    reach_broker(settings, timeout)
    timeout = max(1.0, timeout - (time.monotonic() - started))
    try:
        violations, info = run_collect(settings, cli_time(as_of, "--as-of"), timeout)
    except CollectTimeout as exc:
        fail(f"timed out: {exc}")
    write_lines(output, violations)
    facts = {"violations": len(violations), "as_of": info["as_of"], "published": info["published"],
             "duplicates": info["duplicates"]}
    if not as_json:
        err.print(f"collected {len(violations)} violations as of {info['as_of']} "
                  f"({info['published']} published, {info['duplicates']} duplicate ids)")
    if escalations is not None:
        found, counts = collect_escalations(settings, info["as_of"], chosen)
        write_lines(escalations, found)          # by day, kind, shop, product: as `run --escalations`
        facts["escalations"] = {"written": len(found), "policy_version": chosen.version, **counts}
        if not as_json:
            err.print(f"collected {len(found)} escalations of policy {chosen.version} "
                      f"({counts['published']} published, {counts['duplicates']} duplicate ids)", soft_wrap=True)
    if as_json:
        print_json(facts)


@app.command()
def query(
    kind: str = typer.Argument(..., help="order, shop or carrier"),
    ident: str = typer.Argument(..., help="the order, shop or carrier id"),
    redis_url: Optional[str] = typer.Option(None, help="[SHIPGUARD_REDIS_URL]"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Violations and penalties of one order, shop or carrier, from the serving view."""
    from .query_cli import query_command

    if kind not in ("order", "shop", "carrier"):
        fail("KIND must be order, shop or carrier")
    url = redis_url or settings_from_env().redis_url
    if not url:
        fail("no serving view to ask: SHIPGUARD_REDIS_URL is empty (--redis-url)")
    query_command(kind, ident, url, as_json)


@app.command()
def up(
    orders: int = typer.Option(2000, "--orders", min=1, help="orders of generated traffic"),
    seed: int = typer.Option(1, "--seed", help="seed of the generated traffic"),
    partitions: Optional[int] = typer.Option(None, "--partitions", min=1,
                                             help="partitions of every topic [SHIPGUARD_PARTITIONS]"),
    metrics_port: Optional[int] = typer.Option(None, "--metrics-port", min=1, max=65535,
                                               help="the worker's Prometheus port (default: a free one)"),
    redis_url: Optional[str] = typer.Option(None, "--redis-url",
                                            help="Redis to use if it answers, else one is started [SHIPGUARD_REDIS_URL]"),
    duration: Optional[float] = typer.Option(None, "--duration", min=0,
                                             help="stop by itself this many seconds after the traffic (default: run until Ctrl-C)"),
) -> None:
    """Start everything on this machine (embedded broker, Redis, a worker), feed it generated traffic, show live counts."""
    from .up import run_up

    raise typer.Exit(run_up(orders, seed, partitions, metrics_port, redis_url, duration))


@app.command()
def bench(
    quick: bool = typer.Option(False, "--quick", help="small sizes (CI); without it, BENCHMARKS.md's sizes"),
    parts: str = typer.Option("offline,stream,memory,replay", help="which figures, comma-separated"),
    output: Optional[Path] = typer.Option(None, help="also write the figures as JSON here"),
) -> None:
    """Print issue 5's figures: offline engine, workers vs the null pipe, latency, memory per parcel, replay."""
    from .bench_cli import run_bench_cli

    chosen = {p.strip() for p in parts.split(",") if p.strip()}
    unknown = chosen - {"offline", "stream", "memory", "replay"}
    if unknown:
        fail(f"--parts: unknown {', '.join(sorted(unknown))}")
    if run_bench_cli(quick, chosen, output) != 0:
        raise typer.Exit(1)


from . import cli_audit  # noqa: E402,F401  (registers replay and explain after the commands above)


def main() -> None:
    from .kafka_security import SecurityConfigError
    from .settings import SettingsError

    def one_line(message: str, code: int) -> None:
        err.print(f"shipguard: {message}", style="red", markup=False, highlight=False)
        sys.exit(code)

    try:
        code = app(standalone_mode=False)      # usage errors come here instead of Typer's boxed, wrapped text
    except (SettingsError, SecurityConfigError) as exc:    # a command that met a bad setting late
        one_line(str(exc), 2)
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
        one_line(f"{type(exc).__name__}: {exc}", 1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    sys.exit(main())
