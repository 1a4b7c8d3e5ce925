"""What `shipguard ingest` does: a file of raw carrier feed payloads -> carrier-scan event-log lines.

    shipguard ingest --format kuaidi100 pushes.jsonl --output scans.jsonl --dlq bad.jsonl
    shipguard run --input scans.jsonl …      # or: shipguard produce --input scans.jsonl

The file holds one JSON payload a line, or is one JSON document (pretty-printed
is fine). Each scan is written once, in the order first seen: a push that
repeats a parcel's whole history adds only its new records.
"""
from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import IO

import orjson
from rich.console import Console

from detectors.events import CARRIER_SCAN
from detectors.feeds import FORMATS, convert_feed, scan_key

from ..offline import dead_letter_record

console = Console(stderr=True)


class IngestError(Exception):
    """The input cannot be used at all: one line, non-zero exit."""


def payloads(data: bytes) -> list[tuple[int, bytes]]:
    """(line number, payload): the whole file if it is one JSON document, else each non-empty line."""
    body = data.removeprefix(b"\xef\xbb\xbf")
    if not body.strip():
        return []
    try:
        orjson.loads(body)
        return [(1, body.strip())]
    except orjson.JSONDecodeError:
        pass
    return [(n, line.rstrip(b"\r")) for n, line in enumerate(body.split(b"\n"), 1) if line.strip()]


def ingest(fmt: str, docs: list[tuple[int, bytes]], out: IO[bytes], dead_out: IO[bytes] | None) -> Counter:
    """Convert each payload; write event-log lines and dead-letter records. Returns the counts."""
    counts: Counter = Counter()
    seen: set[str] = set()
    for line, raw in docs:
        result = convert_feed(fmt, raw)
        counts["payloads"] += 1
        for scan in result.scans:
            if scan["event_id"] in seen:
                counts["repeated"] += 1
                continue
            seen.add(scan["event_id"])
            counts[f"status:{scan['status']}"] += 1
            out.write(orjson.dumps({"topic": CARRIER_SCAN, "key": scan_key(scan), "value": scan}) + b"\n")
        for dead in result.dead:
            counts[f"dead:{dead.reason}"] += 1
            if dead_out is not None:
                dead_out.write(orjson.dumps(dead_letter_record(dead, None, line)) + b"\n")
    return counts


def ingest_command(fmt: str, log: Path, output: Path | None, dlq: Path | None) -> Counter:
    if fmt not in FORMATS:
        raise IngestError(f"--format {fmt}: use one of {', '.join(FORMATS)}")
    docs = payloads(log.read_bytes())
    if docs and all(_unreadable(raw) for _, raw in docs):
        raise IngestError(f"{log}: no line is a JSON document (is it a {fmt} feed log?)")
    out = open(output, "wb") if output is not None else sys.stdout.buffer
    dead_out = open(dlq, "wb") if dlq is not None else None
    try:
        counts = ingest(fmt, docs, out, dead_out)
        out.flush()
    except BrokenPipeError:
        if output is not None:
            raise
        # The reader of stdout (`| head`) stopped early: nothing wrong with the input.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return Counter()
    finally:
        if output is not None:
            out.close()
        if dead_out is not None:
            dead_out.close()
    print_summary(fmt, counts)
    return counts


def _unreadable(raw: bytes) -> bool:
    try:
        orjson.loads(raw)
        return False
    except orjson.JSONDecodeError:
        return True


def print_summary(fmt: str, counts: Counter) -> None:
    def part(prefix: str) -> str:
        found = {k[len(prefix):]: n for k, n in counts.items() if k.startswith(prefix)}
        listed = ", ".join(f"{k} {n}" for k, n in sorted(found.items()))
        return f"{sum(found.values())}" + (f" ({listed})" if listed else "")

    console.print(f"{fmt}: {counts['payloads']} payloads, scans {part('status:')}, "
                  f"repeated {counts['repeated']}; dead letters {part('dead:')}", highlight=False)
