"""Carrier feed adapters: a raw tracking payload -> contract `carrier-scan` events (CONTRACT §1).

    result = convert_feed("kuaidi100", raw_bytes)
    result.scans   # contract carrier-scan dicts, oldest first, each valid for detectors.parse
    result.dead    # DeadLetters: the whole payload, or one per unusable record in it

Pure: no I/O, never raises for any bytes (only for an unknown format name). One module per format (its tables are
data at the top of it), common.py for what they share, keywords.py for records
without a code. Times without an offset are China time (Asia/Shanghai, +08:00).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from ..events import CARRIER_SCAN
from ..parse import DeadLetter, parse_value
from . import kdniao, kuaidi100, sf
from .common import FeedError, record

FORMATS = {"kuaidi100": kuaidi100, "kdniao": kdniao, "sf": sf}
FEED_MAX_BYTES = 1 << 20       # a full-history push of a busy parcel is tens of KB; 1 MiB is far beyond


@dataclass
class Converted:
    scans: list[dict] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)


def scan_key(scan: dict) -> str:
    """The carrier-scan message key (CONTRACT §1)."""
    return f"{scan['carrier']}:{scan['waybill_no']}"


def convert_feed(fmt: str, raw: bytes, topic: str | None = None, max_bytes: int = FEED_MAX_BYTES) -> Converted:
    """One feed payload. `topic` names the source in dead letters (default: the format)."""
    if fmt not in FORMATS:                  # the caller's configuration error, not the payload's
        raise ValueError(f"unknown feed format {fmt!r}: use one of {', '.join(FORMATS)}")
    adapter = FORMATS[fmt]
    topic = topic or fmt
    out = Converted()

    def dead(reason: str, detail: str) -> Converted:
        out.dead.append(DeadLetter(topic, reason, detail, raw))
        return out

    if len(raw) > max_bytes:
        return dead("oversize", f"payload is {len(raw)} bytes, limit {max_bytes}")
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            return dead("not_utf8", "payload is not valid UTF-8")
        return dead("not_json", "payload is not valid JSON")
    if type(doc) is not dict:
        return dead("not_object", "payload is not a JSON object")
    try:
        parcels = adapter.parcels(doc)
    except FeedError as e:
        return dead(e.reason, e.detail)
    found: dict[str, tuple[int, int, dict]] = {}
    for carrier, waybill, records in parcels:
        for path, item in records:
            try:
                value = adapter.convert(carrier, waybill, record(item, path), path)
            except FeedError as e:
                dead(e.reason, e.detail)
                continue
            checked = parse_value(CARRIER_SCAN, value, b"")     # what the detector will accept, exactly
            if isinstance(checked, DeadLetter):
                dead(checked.reason, f"{path.rstrip('.')}: {checked.detail}")
            elif value["event_id"] not in found:                 # the same record twice in one payload
                found[value["event_id"]] = (checked.scanned_at, len(found), value)
    out.scans = [value for _, _, value in sorted(found.values(), key=lambda t: t[:2])]
    return out
