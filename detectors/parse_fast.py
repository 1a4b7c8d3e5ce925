"""The fast paths of parse.py (issue 13): a message whose fields are all present and well formed,
as nearly all are, is built after a few inline checks. None means "not sure": parse.py then runs
its strict checks, which name the first problem as they always did, so dead-letter reasons do not
depend on this module (tests/unit/test_parse_fast.py holds the two to the same answers).
Strings repeated on every message are interned: one copy in memory, identity-fast comparisons.
Of the values JSON decodes to, only a string has `strip`: calling it checks a field's type and that it
is not blank at once (a `type(x) is str` of each field as well cost 1.2 % of an offline run's
instructions, callgrind)."""
from __future__ import annotations

from sys import intern

from .events import CANCEL, SCAN_STATUSES, UPLOAD, Address, CarrierScan, OrderPaid, TrackingUploaded
from .timeparse import MAX_MS, MIN_MS, TimeError, parse_time

SHIP_WITHIN_DEFAULT, SHIP_WITHIN_MIN, SHIP_WITHIN_MAX = 48, 48, 360   # contract §1

_STATUS = {s: s for s in SCAN_STATUSES}     # checks a status and gives its one copy
_ACTION = {UPLOAD: UPLOAD, CANCEL: CANCEL}


def _text_time(at) -> int | None:
    """An event time that is not in-range epoch ms: RFC 3339 text, else None (not sure)."""
    if type(at) is str:
        try:
            return parse_time(at)
        except TimeError:
            return None
    return None


def fast_paid(o: dict) -> OrderPaid | None:
    try:
        event_id, order_id, shop_id, product_id, recipient_id, amount, a = (
            o["event_id"], o["order_id"], o["shop_id"], o["product_id"], o["recipient_id"], o["paid_amount_fen"],
            o["address"])
        city = a["city"]
    except (KeyError, TypeError):
        return None
    if type(a) is not dict:
        return None
    province, district, detail, hours = a.get("province"), a.get("district"), a.get("detail_hash"), \
        o.get("ship_within_hours", SHIP_WITHIN_DEFAULT)
    try:
        if not (event_id.strip() and order_id.strip() and shop_id.strip() and product_id.strip()
                and recipient_id.strip() and city.strip() and type(amount) is int and amount >= 0
                and (province is None or type(province) is str) and (district is None or type(district) is str)
                and (detail is None or type(detail) is str)
                and type(hours) is int and SHIP_WITHIN_MIN <= hours <= SHIP_WITHIN_MAX):
            return None
    except AttributeError:             # a field that is not a string: it has no strip
        return None
    at = o.get("paid_at")
    if type(at) is not int or not MIN_MS <= at < MAX_MS:     # epoch ms in range: most, no call
        at = _text_time(at)
        if at is None:
            return None
    address = Address(intern(province or ""), intern(city), intern(district or ""), detail or "")
    return OrderPaid(event_id, order_id, intern(shop_id), product_id, at, amount, recipient_id, address, hours)


def fast_scan(o: dict) -> CarrierScan | None:
    try:
        event_id, carrier, waybill_no, status, description = (
            o["event_id"], o["carrier"], o["waybill_no"], _STATUS[o["status"]], o["description"])
    except (KeyError, TypeError):      # missing, an unknown status, or one that is not even hashable
        return None
    city = o.get("city")
    try:
        if not (event_id.strip() and carrier.strip() and waybill_no.strip() and description.strip()
                and (city is None or type(city) is str)):
            return None
    except AttributeError:             # a field that is not a string: it has no strip
        return None
    at = o.get("scanned_at")
    if type(at) is not int or not MIN_MS <= at < MAX_MS:     # epoch ms in range: most, no call
        at = _text_time(at)
        if at is None:
            return None
    if city is not None and not city.strip():
        city = None
    return CarrierScan(event_id, intern(carrier), waybill_no, at, status, description, city)


def fast_upload(o: dict) -> TrackingUploaded | None:
    try:
        event_id, order_id, shop_id, carrier, waybill_no = (
            o["event_id"], o["order_id"], o["shop_id"], o["carrier"], o["waybill_no"])
        action = _ACTION[o.get("action", UPLOAD)]
    except (KeyError, TypeError):
        return None
    try:
        if not (event_id.strip() and order_id.strip() and shop_id.strip() and carrier.strip() and waybill_no.strip()):
            return None
    except AttributeError:             # a field that is not a string: it has no strip
        return None
    at = o.get("uploaded_at")
    if type(at) is not int or not MIN_MS <= at < MAX_MS:     # epoch ms in range: most, no call
        at = _text_time(at)
        if at is None:
            return None
    return TrackingUploaded(event_id, order_id, intern(shop_id), intern(carrier), waybill_no, at, action)
