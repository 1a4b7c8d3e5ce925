"""Bytes of an input topic -> a validated event, or a dead letter (CONTRACT §1, §5).

Pure: no I/O. parse_message never raises for any bytes. A dead letter's
`reason` is one of REASONS (a bounded metric label); its `detail` names the
field and the problem but never a value, so no personal data and no waybill
number leaks into logs or metrics.
"""
from __future__ import annotations

from dataclasses import dataclass

import orjson

from .events import (CANCEL, CARRIER_SCAN, ORDER_PAID, SCAN_STATUSES, TRACKING_UPLOADED, UPLOAD,
                     Address, CarrierScan, Event, OrderPaid, TrackingUploaded)
from .parse_fast import SHIP_WITHIN_DEFAULT, SHIP_WITHIN_MAX, SHIP_WITHIN_MIN, fast_paid, fast_scan, fast_upload
from .timeparse import TimeError, parse_time

__all__ = ["DeadLetter", "REASONS", "parse_message", "parse_value", "MAX_BYTES", "FAST"]

REASONS = ("oversize", "not_utf8", "not_json", "not_object", "unknown_topic",
           "missing_field", "wrong_type", "empty_field", "bad_time", "bad_value")
MAX_BYTES = 65536
_ACTIONS = (UPLOAD, CANCEL)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    topic: str
    reason: str  # one of REASONS
    detail: str  # names fields, never values
    raw: bytes


class _Bad(Exception):
    """Raised inside the field checks; turned into a DeadLetter at the top."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason, self.detail = reason, detail


def _str(obj: dict, name: str, path: str = "") -> str:
    """Required non-empty string; kept exactly as given (ids are not stripped)."""
    v = obj.get(name)
    if type(v) is not str:
        if v is None:
            raise _Bad("missing_field", f"missing field {path}{name}")
        raise _Bad("wrong_type", f"{path}{name} must be a string")
    if not v.strip():
        raise _Bad("empty_field", f"{path}{name} is empty")
    return v


def _opt_str(obj: dict, name: str, path: str = "") -> str | None:
    v = obj.get(name)
    if v is None or type(v) is str:
        return v
    raise _Bad("wrong_type", f"{path}{name} must be a string")


def _int(obj: dict, name: str) -> int | None:
    """An int, not a bool and not a float (100.0 is a wrong type); None if absent."""
    v = obj.get(name)
    if v is None or type(v) is int:
        return v
    raise _Bad("wrong_type", f"{name} must be an integer")


def _time(obj: dict, name: str) -> int:
    v = obj.get(name)
    if v is None:
        raise _Bad("missing_field", f"missing field {name}")
    if type(v) is not str and type(v) is not int:
        raise _Bad("wrong_type", f"{name} must be an RFC 3339 string or integer epoch ms")
    try:
        return parse_time(v)
    except TimeError as e:  # the message is a fixed reason, never the value
        raise _Bad("bad_time", f"{name}: {e}") from None


def _order_paid(o: dict) -> OrderPaid:
    event_id, order_id = _str(o, "event_id"), _str(o, "order_id")
    shop_id, product_id = _str(o, "shop_id"), _str(o, "product_id")
    paid_at = _time(o, "paid_at")
    amount = _int(o, "paid_amount_fen")
    if amount is None:
        raise _Bad("missing_field", "missing field paid_amount_fen")
    if amount < 0:
        raise _Bad("bad_value", "paid_amount_fen must be an integer >= 0")
    recipient_id = _str(o, "recipient_id")
    a = o.get("address")
    if a is None:
        raise _Bad("missing_field", "missing field address")
    if type(a) is not dict:
        raise _Bad("wrong_type", "address must be an object")
    address = Address(_opt_str(a, "province", "address.") or "", _str(a, "city", "address."),
                      _opt_str(a, "district", "address.") or "", _opt_str(a, "detail_hash", "address.") or "")
    hours = _int(o, "ship_within_hours")
    if hours is None:
        hours = SHIP_WITHIN_DEFAULT
    elif not SHIP_WITHIN_MIN <= hours <= SHIP_WITHIN_MAX:
        raise _Bad("bad_value", f"ship_within_hours must be in {SHIP_WITHIN_MIN}..{SHIP_WITHIN_MAX}")
    return OrderPaid(event_id, order_id, shop_id, product_id, paid_at, amount, recipient_id, address, hours)


def _tracking_uploaded(o: dict) -> TrackingUploaded:
    event_id, order_id, shop_id = _str(o, "event_id"), _str(o, "order_id"), _str(o, "shop_id")
    carrier, waybill_no = _str(o, "carrier"), _str(o, "waybill_no")
    uploaded_at = _time(o, "uploaded_at")
    action = _opt_str(o, "action")
    if action is None:
        action = UPLOAD
    elif action not in _ACTIONS:
        raise _Bad("bad_value", "action must be upload or cancel")
    return TrackingUploaded(event_id, order_id, shop_id, carrier, waybill_no, uploaded_at, action)


def _carrier_scan(o: dict) -> CarrierScan:
    event_id, carrier, waybill_no = _str(o, "event_id"), _str(o, "carrier"), _str(o, "waybill_no")
    scanned_at = _time(o, "scanned_at")
    status = _str(o, "status")
    if status not in SCAN_STATUSES:
        raise _Bad("bad_value", "status must be one of " + ", ".join(SCAN_STATUSES))
    description = _str(o, "description")
    city = _opt_str(o, "city")
    if city is not None and not city.strip():
        city = None  # an empty city says nothing about where the scan was
    return CarrierScan(event_id, carrier, waybill_no, scanned_at, status, description, city)


_BUILDERS = {ORDER_PAID: _order_paid, TRACKING_UPLOADED: _tracking_uploaded, CARRIER_SCAN: _carrier_scan}
FAST = {ORDER_PAID: fast_paid, TRACKING_UPLOADED: fast_upload, CARRIER_SCAN: fast_scan}   # parse_fast.py


def parse_value(topic: str, value: object, raw: bytes) -> Event | DeadLetter:
    """Validate an already-decoded JSON value (e.g. an offline log's "value")."""
    fast = FAST.get(topic)
    if fast is not None and type(value) is dict:
        event = fast(value)
        if event is not None:
            return event
    if type(value) is not dict:
        return DeadLetter(topic, "not_object", f"top-level JSON value is {_json_kind(value)}, not an object", raw)
    build = _BUILDERS.get(topic)
    if build is None:
        return DeadLetter(topic, "unknown_topic", "not an input topic", raw)
    try:
        return build(value)
    except _Bad as e:
        return DeadLetter(topic, e.reason, e.detail, raw)


def parse_message(topic: str, raw: bytes, max_bytes: int = MAX_BYTES) -> Event | DeadLetter:
    """Kafka message value -> event or dead letter. Never raises for bytes input."""
    if len(raw) > max_bytes:
        return DeadLetter(topic, "oversize", f"message is {len(raw)} bytes, limit {max_bytes}", raw)
    try:
        value = orjson.loads(raw)  # also rejects bad UTF-8, lone surrogates, NaN, depth > 1024
    except orjson.JSONDecodeError:
        # Decode only on the error path: valid JSON is always valid UTF-8, so
        # this gives the same answer as checking UTF-8 first, without the cost.
        try:
            bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            return DeadLetter(topic, "not_utf8", "message is not valid UTF-8", raw)
        return DeadLetter(topic, "not_json", "message is not valid JSON", raw)
    return parse_value(topic, value, raw)


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return {str: "a string", int: "a number", float: "a number", list: "an array"}.get(type(value), "not an object")
