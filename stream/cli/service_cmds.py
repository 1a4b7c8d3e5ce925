"""The commands around a worker group: `worker`, `topics`, `produce`, `collect`, `query`."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from detectors.policy import PolicyError

from ..human import format_time
from .common import RUNTIME, check_files, cli_duration, cli_time, err, fail, json_beside, print_json, reach_broker, \
    settings_from_env
from .options import AppId, AsJson, AsOf, Broker, Kind, Lateness, Partitions, Policy, RedisUrl, Wait


def worker(
    broker: Broker = None,
    redis_url: RedisUrl = None,
    partitions: Partitions = None,
    lateness: Lateness = None,
    policy: Policy = None,
    metrics_port: Annotated[Optional[int], typer.Option(
        "--metrics-port", min=0, max=65535, help="Prometheus port, 0 for none [SHIPGUARD_METRICS_PORT]")] = None,
    store: Annotated[Optional[str], typer.Option(
        "--store", help="table store: memory:// or rocksdb:// [SHIPGUARD_STORE]")] = None,
    app_id: AppId = None,
    loglevel: Annotated[str, typer.Option("--loglevel", help="log level")] = "WARNING",
    wait: Annotated[Optional[float], typer.Option(
        "--wait", min=0, help="seconds to wait for the broker at start, then exit 1 (default: wait for ever, "
                              "logging every 30 s)")] = None,
) -> None:
    """Run one worker of the consumer group (the production entry point)."""
    from ..broker_wait import BrokerUnreachable
    from ..kafka_security import SecurityConfigError
    from ..service.worker import run_worker

    settings = settings_from_env(broker=broker, redis_url=redis_url, partitions=partitions, lateness=lateness,
                                 policy=policy, metrics_port=metrics_port, store=store, app_id=app_id)
    try:
        cli_duration(settings.lateness, "--lateness")
        run_worker(settings, loglevel, wait)
    except (PolicyError, SecurityConfigError) as exc:
        fail(str(exc))
    except BrokerUnreachable as exc:
        fail(f"{exc} (SHIPGUARD_BROKER)", RUNTIME)


def topics(
    broker: Broker = None,
    partitions: Partitions = None,
    app_id: AppId = None,
    replication_factor: Annotated[Optional[int], typer.Option(
        "--replication-factor", min=1, help="[SHIPGUARD_REPLICATION_FACTOR]")] = None,
    wait: Wait = 60.0,
) -> None:
    """Create the input, output and internal topics a worker group needs (existing ones are left alone)."""
    from ..kafka_security import SecurityConfigError
    from .topics import create_all

    settings = settings_from_env(broker=broker, partitions=partitions, app_id=app_id,
                                 replication_factor=replication_factor)
    reach_broker(settings, wait)
    try:
        names = create_all(settings)
    except SecurityConfigError as exc:
        fail(str(exc))
    err.print(f"topics ready on {settings.bootstrap}: {', '.join(names)}")


def produce(
    input: Annotated[Path, typer.Option("--input", help="event log to load onto the input topics")],
    broker: Broker = None,
    wait: Wait = 15.0,
) -> None:
    """Load an event log onto the three input topics, in order, keyed per docs/contract.md."""
    from ..eventlog import read_log
    from ..produce import produce_log
    from .files import opened

    settings = settings_from_env(broker=broker)
    check_files({"--input": input})
    reach_broker(settings, wait)
    try:
        with opened(input) as stream:
            counts = produce_log(settings.bootstrap, read_log(stream))
    except OSError as exc:
        fail(f"{exc.filename or input}: {exc.strerror}")
    err.print("produced " + ", ".join(f"{t} {n}" for t, n in sorted(counts.items())))


def collect(
    output: Annotated[Path, typer.Option("--output", help="where to write the violations")],
    as_of: AsOf = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0, help="seconds to wait, connecting included")] = 300.0,
    broker: Broker = None,
    app_id: AppId = None,
    partitions: Partitions = None,
    lateness: Lateness = None,
    escalations: Annotated[Optional[Path], typer.Option(
        "--escalations", help="also write the escalations whose day closed at or before T")] = None,
    policy: Policy = None,
    as_json: AsJson = False,
) -> None:
    """Wait for the group to finish the input, then write the violations decided at or before T."""
    from ..collect import CollectTimeout, collect as run_collect, collect_escalations
    from ..policies import load_policy
    from .offline_run import write_lines

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
        fail(f"timed out: {exc}", RUNTIME)
    write_lines(output, violations)
    facts = {"violations": len(violations), "as_of": info["as_of"], "as_of_time": format_time(info["as_of"]),
             "published": info["published"],
             "duplicates": info["duplicates"]}
    if not as_json:
        err.print(f"collected {len(violations)} violations as of {format_time(info['as_of'])} "
                  f"({info['published']} published, {info['duplicates']} duplicate ids)")
    if escalations is not None:
        found, counts = collect_escalations(settings, info["as_of"], chosen)
        write_lines(escalations, found)          # by day, kind, shop, product: as `run --escalations`
        facts["escalations"] = {"written": len(found), "policy_version": chosen.version, **counts}
        if not as_json:
            err.print(f"collected {len(found)} escalations of policy {chosen.version} "
                      f"({counts['published']} published, {counts['duplicates']} duplicate ids)")
    if as_json:
        print_json(facts)


def query(
    kind: Annotated[Kind, typer.Argument(help="what to look up")],
    ident: Annotated[str, typer.Argument(help="the order, shop or carrier id")],
    redis_url: Annotated[Optional[str], typer.Option("--redis-url", help="[SHIPGUARD_REDIS_URL]")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Violations and penalties of one order, shop or carrier, from the serving view."""
    from .query import query_command

    url = redis_url or settings_from_env().redis_url
    if not url:
        fail("no serving view to ask: SHIPGUARD_REDIS_URL is empty (--redis-url)")
    query_command(kind.value, ident, url, as_json)
