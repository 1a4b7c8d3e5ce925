"""What `shipguard run` and `shipguard generate` do, with progress and a summary."""
from __future__ import annotations

import sys
from pathlib import Path

import orjson
import rich.progress
from rich.console import Console
from rich.table import Table

from ..human import format_time, yuan

from .common import print_json
from .files import is_std, opened
from ..eventlog import read_log
from ..offline import RunResult, run_offline
from ..policies import load_policy

console = Console(stderr=True)


def run_command(input: Path, output: Path, as_of: int | None, dlq: Path | None,
                lateness_ms: int, policy_name: str | None, escalations: Path | None = None,
                as_json: bool = False) -> RunResult:
    policy = load_policy(policy_name)
    if is_std(input):
        result = run_offline(read_log(sys.stdin.buffer), policy, lateness_ms, as_of)
    else:
        with rich.progress.open(input, "rb", description="reading", console=console, transient=True) as stream:
            result = run_offline(read_log(stream), policy, lateness_ms, as_of)
    write_lines(output, result.violations)
    if dlq is not None:
        write_lines(dlq, result.dead_letters)
    if escalations is not None:
        write_lines(escalations, result.escalations)   # by day, kind, shop, product
    facts = summary(result, policy.version, policy.rules)
    if as_json:
        print_json(facts)
        return result
    print_summary(facts)
    if policy.escalations:
        kinds = {k.name: sum(e["kind"] == k.name for e in result.escalations) for k in policy.escalations}
        console.print("escalations: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
    return result


def write_lines(path: Path, objects: list[dict]) -> None:
    with opened(path, "wb") as out:
        for obj in objects:
            out.write(orjson.dumps(obj) + b"\n")


def summary(result: RunResult, policy_version: str, rules: tuple[str, ...]) -> dict:
    """What a run did, as `--json` prints it and the table shows it: amounts in fen."""
    counts = result.counts
    by_rule = {}
    for rule in rules:                     # the policy's rules, in decision order
        mine = [v for v in result.violations if v["rule"] == rule]
        by_rule[rule] = {"violations": len(mine), "penalty_fen": sum(v["penalty"]["amount_fen"] for v in mine),
                         "capped": sum(v["penalty"]["capped"] for v in mine)}
    return {"policy_version": policy_version, "as_of": result.as_of,
            "as_of_time": format_time(result.as_of) if result.as_of is not None else None,
            "events": {k[3:]: v for k, v in sorted(counts.items()) if k.startswith("in:")},
            "late": counts["late"], "after_as_of": counts["after_as_of"],
            "dead_letters": {k[5:]: v for k, v in sorted(counts.items()) if k.startswith("dead:")},
            "rules": by_rule, "violations": len(result.violations),
            "penalty_fen": sum(v["penalty"]["amount_fen"] for v in result.violations),
            "escalations": len(result.escalations)}


def print_summary(facts: dict) -> None:
    console.print(f"policy {facts['policy_version']}, as of {facts['as_of_time'] or 'no events'}")
    console.print("events: " + ", ".join(f"{t} {n}" for t, n in facts["events"].items())
                  + f"; late {facts['late']}, after as-of {facts['after_as_of']}")
    dead = facts["dead_letters"]
    console.print(f"dead letters: {sum(dead.values())}"
                  + (" (" + ", ".join(f"{r} {n}" for r, n in dead.items()) + ")" if dead else ""))
    table = Table("rule", "violations", "penalty (yuan)", "capped")
    for rule, row in facts["rules"].items():
        table.add_row(rule, str(row["violations"]), yuan(row['penalty_fen']), str(row["capped"]))
    table.add_row("total", str(facts["violations"]), yuan(facts['penalty_fen']), "")
    console.print(table)


def generate_command(orders: int, seed: int, disorder_minutes: float, output: Path,
                     platform_cases: bool = False) -> None:
    from ..tools.synth import iter_generate

    lines, as_of = iter_generate(orders, seed, disorder_minutes, platform_cases=platform_cases)
    written = 0
    with opened(output, "wb") as out:
        for line in lines:
            out.write(orjson.dumps(line) + b"\n")
            written += 1
    console.print(f"wrote {written} messages for {orders} orders to {output}")
    if is_std(output):
        console.print(f"as-of {format_time(as_of)}")      # stdout holds the log
    else:
        print(f"as-of {format_time(as_of)}")
