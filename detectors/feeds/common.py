"""What every feed adapter shares: field checks, local times, ids, the scan dict.

Times: Kuaidi100, KDNiao and SF write a local wall-clock time with no offset
(`2021-06-14 17:31:57`). It is China time, so it is read as Asia/Shanghai
(UTC+08:00; China has kept no daylight saving since 1991). A time that does
carry an offset, or integer epoch ms, is taken as it is.

Errors: a FeedError carries one of detectors.parse.REASONS and a detail that
names the field and its place in the document, never its value.
"""
from __future__ import annotations

import hashlib

import orjson

from ..timeparse import TimeError, format_time, parse_china_time
from .keywords import status_from_text


class FeedError(Exception):
    """One unusable document or record: the caller dead-letters it."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


def text(obj: dict, name: str, path: str) -> str:
    """A required non-empty string."""
    v = obj.get(name)
    if v is None:
        raise FeedError("missing_field", f"missing field {path}{name}")
    if type(v) is not str:
        raise FeedError("wrong_type", f"{path}{name} must be a string")
    if not v.strip():
        raise FeedError("empty_field", f"{path}{name} is empty")
    return v


def code(obj: dict, name: str, path: str) -> str | None:
    """An optional status code, written "301" or 301 depending on the feed; None if absent or empty."""
    v = obj.get(name)
    if v is None or v == "":
        return None
    if type(v) is int or (type(v) is str and v.strip().isascii() and v.strip().isdigit()):
        return str(v).strip()
    raise FeedError("wrong_type", f"{path}{name} must be a number")


def optional_text(obj: dict, name: str) -> str | None:
    v = obj.get(name)
    return v.strip() or None if type(v) is str else None


def items(obj: dict, name: str, path: str) -> list:
    v = obj.get(name)
    if v is None:
        raise FeedError("missing_field", f"missing field {path}{name}")
    if type(v) is not list:
        raise FeedError("wrong_type", f"{path}{name} must be an array")
    return v


def indexed(values: list, path: str) -> list[tuple[str, object]]:
    """Each item with the path an error names it by: ("data[3].", item)."""
    return [(f"{path}[{i}].", v) for i, v in enumerate(values)]


def record(value: object, path: str) -> dict:
    if type(value) is not dict:
        raise FeedError("wrong_type", f"{path.rstrip('.')} must be an object")
    return value


def local_time(obj: dict, name: str, path: str) -> int:
    """A feed time -> epoch ms: local China time without offset, RFC 3339, or epoch ms."""
    v = obj.get(name)
    where = f"{path}{name}"
    if v is None:
        raise FeedError("missing_field", f"missing field {where}")
    if type(v) is not str and type(v) is not int:
        raise FeedError("wrong_type", f"{where} must be a time string or epoch ms")
    try:
        return parse_china_time(v)
    except TimeError as e:
        raise FeedError("bad_time", f"{where}: {e}") from None


def event_id(fmt: str, carrier: str, waybill: str, at_ms: int, status_code: str | None, description: str) -> str:
    """The same feed record gives the same id, so a redelivered feed dedupes downstream."""
    digest = hashlib.sha256(orjson.dumps([carrier, waybill, at_ms, status_code or "", description])).hexdigest()
    return f"{fmt}-{digest[:32]}"


def status(status_code: str | None, table: dict[str, str], description: str) -> str:
    """The format's own code when it has one we know; else the wording (keywords.py); else unknown."""
    if status_code is not None and status_code in table:
        return table[status_code]
    return status_from_text(description)


def carrier_code(raw: str, table: dict[str, str]) -> str:
    """The feed's carrier code in the contract's spelling (ZTO, YTO, ...); an unlisted one upper-cased."""
    key = raw.strip()
    return table.get(key.lower(), key.upper())


def scan(fmt: str, carrier: str, waybill: str, at_ms: int, status_code: str | None, status_name: str,
         description: str, city: str | None) -> dict:
    value = {"event_id": event_id(fmt, carrier, waybill, at_ms, status_code, description), "carrier": carrier,
             "waybill_no": waybill, "scanned_at": format_time(at_ms), "status": status_name,
             "description": description}
    if city:
        value["city"] = city
    return value
