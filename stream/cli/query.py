"""What `shipguard query order|shop|carrier ID` does: read the Redis serving view."""
from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit

import orjson
import redis
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from ..human import format_time, yuan

from ..serving import KINDS, ServingView, connect

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redact(url: str) -> str:
    """The URL without its password, fit for an error message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + parts.netloc.rpartition("@")[2]))


def query_command(kind: str, ident: str, redis_url: str | None, as_json: bool) -> dict:
    if kind not in KINDS:
        raise SystemExit(f"shipguard: query kind must be one of {', '.join(KINDS)}, not {kind!r}")
    url = redis_url or DEFAULT_REDIS_URL
    try:
        client = connect(url)
        try:
            result = ServingView(client).query(kind, ident)
        finally:
            client.close()
    except (redis.RedisError, ValueError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise SystemExit(f"shipguard: cannot query Redis at {redact(url)}: {message}") from None
    if as_json:
        sys.stdout.buffer.write(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
        sys.stdout.flush()
    else:
        print_result(result, Console())
    return result


def print_result(result: dict, console: Console) -> None:
    totals = result["totals"]
    console.print(Text(f"{result['kind']} {result['id']}"))
    if not totals:
        console.print("no violations recorded")
        return
    summary = Table("total", "value")
    summary.add_row("violations", str(totals.get("violations", 0)))
    summary.add_row("penalty (yuan)", yuan(totals.get("penalty_fen", 0)))
    for field in sorted(f for f in totals if f.startswith("rule:")):
        summary.add_row(field, str(totals[field]))
    console.print(summary)
    rows = Table(*(Column(h, overflow="fold") for h in ("decided_at", "rule", "carrier", "waybill_no", "penalty (yuan)")))
    for v in result["violations"]:
        penalty = v["penalty"]
        text = f"{yuan(penalty['amount_fen'])} {penalty['kind']}" + (" (capped)" if penalty.get("capped") else "")
        cells = (format_time(v["decided_at"]), v["rule"], v.get("carrier") or "-", v.get("waybill_no") or "-", text)
        rows.add_row(*(Text(str(c), overflow="fold") for c in cells))   # ids are data, never markup, never cut
    console.print(rows)
