"""The auditors' HTML report of a replay: one self-contained file that opens offline.

    page = render(report)      # report: what `replay --output` writes; `replay --html` writes the page

It holds the summary by rule, shop and carrier, the offset range, and a
comparison's differences by rule. The CSS is inline and allowed by its hash in
the page's own Content-Security-Policy, which allows nothing else: no script, no
request. Every text goes through Jinja2's autoescape (shop ids and waybills come
from outside the platform and may carry markup). Amounts in yuan, times in
RFC 3339 (+08:00), as people read them; the counts are the JSON report's.
"""
from __future__ import annotations

import base64
import hashlib
from collections import Counter

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .human import format_time, yuan

TEMPLATE = "report.html"


def tally(violations: list[dict], field: str) -> list[dict]:
    """Violations, penalty and capped per value of `field`, most violations first."""
    count, fen, capped = Counter(), Counter(), Counter()
    for v in violations:
        key = v[field] if v[field] is not None else "-"
        count[key] += 1
        fen[key] += v["penalty"]["amount_fen"]
        capped[key] += bool(v["penalty"]["capped"])
    return [{"name": k, "violations": n, "penalty": yuan(fen[k]), "capped": capped[k]}
            for k, n in sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))]


def offset_rows(ranges: dict) -> list[dict]:
    return [{"topic": topic, "partition": int(p), "start": start, "end": end, "messages": end - start}
            for topic, parts in sorted(ranges.items())
            for p, (start, end) in sorted(parts.items(), key=lambda kv: int(kv[0]))]


def comparison_rows(diff: dict) -> list[dict]:
    return [{"rule": rule, "added": len(k["added"]), "removed": len(k["removed"]), "changed": len(k["changed"]),
             "fields": ", ".join(sorted({f for entry in k["changed"] for f in entry["fields"]}))}
            for rule, k in sorted(diff["by_rule"].items())]


def render(report: dict) -> str:
    env = Environment(loader=PackageLoader("stream", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"]))
    css = env.get_template("report.css").render()
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    violations = report["violations"]
    rules = tally(violations, "rule")
    dead = Counter(d["reason"] for d in report["dead_letters"])
    diff = report.get("comparison")
    return env.get_template(TEMPLATE).render(
        css=css, csp=f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; form-action 'none'",
        r=report, as_of=format_time(report["as_of"]) if report["as_of"] is not None else "no events",
        total={"violations": len(violations), "penalty": yuan(sum(v["penalty"]["amount_fen"] for v in violations)),
               "capped": sum(bool(v["penalty"]["capped"]) for v in violations)},
        rules=rules, shops=tally(violations, "shop_id"), carriers=tally(violations, "carrier"),
        offsets=offset_rows(report["range"]), dead=sorted(dead.items()),
        escalations=sorted(Counter(e["kind"] for e in report.get("escalations", [])).items()),
        has_escalations="escalations" in report, diff=diff, diff_rows=comparison_rows(diff) if diff else [])
