"""The console's pages. Each reads the serving view (and, for the overview, the workers' metrics)
and renders a template; every value reaches the page through Jinja's autoescape."""
from __future__ import annotations

import csv
import io

from starlette.responses import StreamingResponse

from detectors.decisions import RULE_ORDER

from ..human import format_time, yuan
from . import chart
from .case import read_case
from .params import CATEGORIES, board_sort, page_number, violation_filter, window
from .worker_metrics import read_workers

OVERVIEW_DAYS, BOARD_DAYS = 14, 7
CSV_COLUMNS = ("violation_id", "decided_at", "decided_at_time", "rule", "category", "order_id", "shop_id", "carrier",
               "waybill_no", "penalty_kind", "amount_fen", "capped", "policy_version", "evidence")


def _window_days(reader, params, default: int) -> tuple[list[str], str | None, str | None]:
    day_from, day_to = window(params)
    if day_from or day_to:
        return reader.days_between(day_from, day_to), day_from, day_to
    days = reader.days()[-default:]
    return days, (days[0] if days else None), (days[-1] if days else None)


def overview(request):
    console = request.app.state.console
    days, day_from, day_to = _window_days(console.reader, request.query_params, OVERVIEW_DAYS)
    daily = console.reader.daily(days)
    rules = [r for r in RULE_ORDER if any(d["rules"].get(r) for d in daily)]
    counts = {(d["day"], r): n for d in daily for r, n in d["rules"].items()}
    fen = {(d["day"], r): n for d in daily for r, n in d["fen"].items()}
    per_rule = [{"rule": r, "violations": sum(counts.get((d, r), 0) for d in days),
                 "penalty_fen": sum(fen.get((d, r), 0) for d in days)} for r in rules]
    workers = read_workers(console.settings.metrics_urls)
    return console.render(request, "overview.html", {
        "day_from": day_from, "day_to": day_to, "daily": daily, "per_rule": per_rule,
        "violations_chart": chart.stacked_bars(days, rules, counts, str),
        "penalty_chart": chart.stacked_bars(days, rules, fen, yuan),
        "workers": workers, "asked_workers": bool(console.settings.metrics_urls)})


def violations(request):
    console = request.app.state.console
    f, page = violation_filter(request.query_params), page_number(request.query_params)
    size = console.settings.page_size
    found = console.reader.violations(f, (page - 1) * size, size)
    return console.render(request, "violations.html", {
        "f": f, "params": f.as_params(), "page": page, "size": size, "found": found, "rules": RULE_ORDER,
        "categories": CATEGORIES, "last_page": max(1, -(-found.total // size))})


def violations_csv(request):
    console = request.app.state.console
    f = violation_filter(request.query_params)

    def lines():
        buffer = io.StringIO()
        out = csv.writer(buffer)
        out.writerow(CSV_COLUMNS)
        for v in console.reader.iter_violations(f):
            out.writerow(csv_row(v))
            if buffer.tell() > 65536:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="violations.csv"'})


def _cell(value) -> str:
    """Text as a spreadsheet shows it, never as a formula (ids come from outside the platform)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_row(v: dict) -> list:
    p = v["penalty"]
    return [_cell(v["violation_id"]), v["decided_at"], format_time(v["decided_at"]), _cell(v["rule"]),
            _cell(v["category"]), _cell(v["order_id"]), _cell(v["shop_id"]), _cell(v.get("carrier")),
            _cell(v.get("waybill_no")), _cell(p["kind"]), p["amount_fen"], str(bool(p.get("capped"))).lower(),
            _cell(v.get("policy_version")), _cell(" ".join(v.get("evidence") or ()))]


def board(subject: str):
    def page(request):
        console = request.app.state.console
        days, day_from, day_to = _window_days(console.reader, request.query_params, BOARD_DAYS)
        shown = subject == "shop" and console.settings.escalations
        sort, number = board_sort(request.query_params, subject, shown), page_number(request.query_params)
        size = console.settings.page_size
        found = console.reader.leaderboard(subject, days, sort, (number - 1) * size, size)
        return console.render(request, "board.html", {
            "subject": subject, "day_from": day_from, "day_to": day_to, "sort": sort, "page": number, "size": size,
            "found": found, "escalations": shown,
            "last_page": max(1, -(-found.total // size))})
    return page


def case(request):
    """The order's timeline from the serving view (stream/console/case.py): 404 when it has neither
    events nor decisions there."""
    console = request.app.state.console
    order_id = request.path_params["order_id"]
    found = read_case(console.reader.client, order_id, console.settings.prefix)
    return console.render(request, "case.html", {"order_id": order_id, "case": found},
                          status_code=200 if found["timeline"] else 404)
