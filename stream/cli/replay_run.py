"""What `shipguard replay` and `shipguard explain` print and write."""
from __future__ import annotations

import sys
from pathlib import Path

import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from ..audit import compare, explain
from ..human import format_time, yuan
from .common import print_json
from .files import opened
from ..policies import load_policy
from ..replay import replay

console = Console(stderr=True)


def offsets_file(path: Path | None, end: bool) -> dict | None:
    """{"topic": {"partition": offset}}, or a report whose range gives [start, end]."""
    if path is None:
        return None
    doc = orjson.loads(path.read_bytes())
    table = doc.get("range", doc) if isinstance(doc, dict) else doc
    shape = f"{path}: want {{topic: {{partition: offset}}}} or a replay report"
    if not isinstance(table, dict) or not all(isinstance(parts, dict) for parts in table.values()):
        raise ValueError(shape)
    offsets = {t: {p: (v[1] if end else v[0]) if isinstance(v, list) and len(v) == 2 else v for p, v in parts.items()}
               for t, parts in table.items()}
    if not all(isinstance(o, int) and not isinstance(o, bool) and o >= 0 and p.isdigit()
               for parts in offsets.values() for p, o in parts.items()):
        raise ValueError(shape)
    return offsets


class _Bar:
    def __init__(self, total: int):
        self.progress = Progress("replay", BarColumn(), MofNCompleteColumn(), TransferSpeedColumn(),
                                 TimeRemainingColumn(), console=console, transient=True)
        self.task = self.progress.add_task("read", total=total)

    def __enter__(self):
        self.progress.start()
        return lambda n=1: self.progress.advance(self.task, n)

    def __exit__(self, *exc):
        self.progress.stop()
        return False


def run_replay(bootstrap, policy_name, lateness_ms, as_of, bounds, compare_with: Path | None,
               keep_events: bool = False):
    """The report, and with `keep_events` the events in the replay's order (for explain)."""
    policy = load_policy(policy_name)
    report, events = replay(bootstrap, policy, lateness_ms, as_of, _Bar, keep_events, **bounds)
    if compare_with is not None:
        report["comparison"] = compare(orjson.loads(compare_with.read_bytes()), report)
    return report, events


def publish(bootstrap: str, topic: str, report: dict) -> int:
    """The replayed violations onto an audit topic, keyed by order_id (never the live topic)."""
    from ..produce import make_producer

    producer = make_producer(bootstrap)
    try:
        for v in report["violations"]:
            producer.send(topic, key=v["order_id"].encode(), value=orjson.dumps(v))
        producer.flush()
    finally:
        producer.close()
    return len(report["violations"])


def report_summary(report: dict) -> dict:
    """The report without its lists: what `replay --json` prints."""
    facts = {k: v for k, v in report.items() if not isinstance(v, list) and k != "comparison"}
    facts.update({k: len(report[k]) for k in ("violations", "dead_letters", "escalations") if k in report})
    if "comparison" in report:
        facts["comparison"] = {k: len(v) if isinstance(v, list) else v for k, v in report["comparison"].items()}
    return facts


def write_report(report: dict, output: Path, as_json: bool = False) -> None:
    with opened(output, "wb") as out:
        out.write(orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n")
    if as_json:
        print_json(report_summary(report))
        return
    ranges = sum(len(p) for p in report["range"].values())
    console.print(f"replayed {sum(report['events'].values())} events from {ranges} partitions, policy "
                  f"{report['policy_version']}, as of {_when(report['as_of'])}: {len(report['violations'])} violations, "
                  f"{len(report['dead_letters'])} dead letters -> {output}")
    table = Table("rule", "violations")
    for rule, n in report["counts"].items():
        table.add_row(rule, str(n))
    console.print(table)
    if "escalations" in report:
        console.print(f"escalations: {len(report['escalations'])}")
    if "comparison" in report:
        print_comparison(report["comparison"])


def write_html(report: dict, output: Path) -> None:
    """The auditors' self-contained HTML page of the report (stream/report_html.py)."""
    from ..report_html import render

    with opened(output, "wb") as out:
        out.write(render(report).encode("utf-8"))


def _when(ms: int | None) -> str:
    return format_time(ms) if ms is not None else "no events"


def print_comparison(diff: dict) -> None:
    table = Table("rule", "added", "removed", "changed", "fields changed",
                  title=f"{diff['old_policy']} -> {diff['new_policy']}")
    for rule, kinds in sorted(diff["by_rule"].items()):
        fields = sorted({f for entry in kinds["changed"] for f in entry["fields"]})
        table.add_row(rule, str(len(kinds["added"])), str(len(kinds["removed"])), str(len(kinds["changed"])),
                      ", ".join(fields))
    console.print(table if diff["by_rule"] else "no decision differs")
    if diff.get("escalations"):
        windows = Table("escalation", "added", "removed", title="escalation windows")
        for kind, changes in sorted(diff["escalations"].items()):
            windows.add_row(kind, str(len(changes["added"])), str(len(changes["removed"])))
        console.print(windows)


def print_explanation(doc: dict, as_json: bool) -> None:
    if as_json:
        print(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        return
    out = Console(width=None if sys.stdout.isatty() else 200)   # an audit trail is never cut short
    timeline = _table(f"order {doc['order_id']}", "time", "topic", "partition", "offset", "event", "what")
    for e in doc["timeline"]:
        timeline.add_row(e["at"], e["topic"], str(e["partition"]), str(e["offset"]), e["event_id"], e["what"])
    out.print(timeline)
    decisions = _table(f"decisions ({doc['policy_version']})", "decided", "rule", "parcel", "penalty (yuan)", "evidence")
    for d in doc["decisions"]:
        evidence = "; ".join(f"{e['event_id']} @{e.get('topic', '?')}/{e.get('partition', '?')}:{e.get('offset', '?')}"
                             for e in d["evidence_events"])
        parcel = f"{d['carrier']}:{d['waybill_no']}" if d["carrier"] else "-"
        decisions.add_row(d["at"], d["rule"], parcel, yuan(d["penalty"]["amount_fen"]), evidence)
    out.print(decisions if doc["decisions"] else "no decision for this order in the range")


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def run_explain(order_id, bootstrap, policy_name, lateness_ms, as_of, bounds, as_json):
    report, events = run_replay(bootstrap, policy_name, lateness_ms, as_of, bounds, None, keep_events=True)
    print_explanation(explain(order_id, events, report), as_json)
