"""detectors.parse: bytes -> event or dead letter, per CONTRACT §1 and §5."""
import copy
import json

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from detectors.events import (CARRIER_SCAN, ORDER_PAID, SCAN_STATUSES, TOPICS, TRACKING_UPLOADED,
                              Address, CarrierScan, OrderPaid, TrackingUploaded)
from detectors.parse import REASONS, DeadLetter, parse_message, parse_value
from detectors.timeparse import format_time

T0 = 1794362400000  # 2026-11-11T10:00:00+08:00
DEL = object()  # "remove this key"
# Personal data and waybill numbers carry a PII marker: no dead letter detail may contain it.
BASE = {
    ORDER_PAID: {"event_id": "op-1", "order_id": "o-1", "shop_id": "s-1", "product_id": "p-1",
                 "paid_at": "2026-11-11T10:00:00+08:00", "paid_amount_fen": 12900, "recipient_id": "PII-rcpt",
                 "address": {"province": "PII浙江省", "city": "PII杭州市", "district": "PII西湖区",
                             "detail_hash": "PII-dh"},
                 "ship_within_hours": 72},
    TRACKING_UPLOADED: {"event_id": "tu-1", "order_id": "o-1", "shop_id": "s-1", "carrier": "ZTO",
                        "waybill_no": "PII7531", "uploaded_at": T0 + 1000, "action": "cancel"},
    CARRIER_SCAN: {"event_id": "cs-1", "carrier": "ZTO", "waybill_no": "PII7531",
                   "scanned_at": "2026-11-11T02:00:05Z", "status": "delivering",
                   "description": "【杭州市】快件已到达【杭州转运中心】", "city": "PII杭州"},
}
EXPECTED = {
    ORDER_PAID: OrderPaid("op-1", "o-1", "s-1", "p-1", T0, 12900, "PII-rcpt",
                          Address("PII浙江省", "PII杭州市", "PII西湖区", "PII-dh"), 72),
    TRACKING_UPLOADED: TrackingUploaded("tu-1", "o-1", "s-1", "ZTO", "PII7531", T0 + 1000, "cancel"),
    CARRIER_SCAN: CarrierScan("cs-1", "ZTO", "PII7531", T0 + 5000, "delivering",
                              "【杭州市】快件已到达【杭州转运中心】", "PII杭州"),
}
REQUIRED_STR = {
    ORDER_PAID: ["event_id", "order_id", "shop_id", "product_id", "recipient_id", "address.city"],
    TRACKING_UPLOADED: ["event_id", "order_id", "shop_id", "carrier", "waybill_no"],
    CARRIER_SCAN: ["event_id", "carrier", "waybill_no", "status", "description"],
}
TIME_FIELD = {ORDER_PAID: "paid_at", TRACKING_UPLOADED: "uploaded_at", CARRIER_SCAN: "scanned_at"}


def message(topic, changes=()):
    """BASE[topic] with {dotted.path: value or DEL} applied, as JSON bytes."""
    obj = copy.deepcopy(BASE[topic])
    for path, value in dict(changes).items():
        *parents, leaf = path.split(".")
        target = obj
        for p in parents:
            target = target.get(p) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            continue  # the parent was itself replaced by a non-object
        if value is DEL:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return json.dumps(obj, ensure_ascii=False).encode()


def check_dead(result, topic, raw, reason, detail=""):
    assert isinstance(result, DeadLetter), result
    assert (result.topic, result.reason, result.raw) == (topic, reason, raw)
    assert detail in result.detail
    assert "PII" not in result.detail


@pytest.mark.parametrize("topic", TOPICS)
def test_base_messages_parse(topic):
    raw = message(topic)
    assert parse_message(topic, raw) == EXPECTED[topic]
    assert parse_value(topic, orjson.loads(raw), raw) == EXPECTED[topic]


ACCEPTED = [  # (topic, changes, {event attribute: expected value})
    (ORDER_PAID, {"paid_at": T0}, {"paid_at": T0}),
    (ORDER_PAID, {"paid_at": "2026-11-11T02:00:00.000Z"}, {"paid_at": T0}),
    (ORDER_PAID, {"paid_at": "2026-11-11 10:00:00.0429+08:00"}, {"paid_at": T0 + 42}),
    (ORDER_PAID, {"ship_within_hours": DEL}, {"ship_within_hours": 48}),
    (ORDER_PAID, {"ship_within_hours": None}, {"ship_within_hours": 48}),
    (ORDER_PAID, {"ship_within_hours": 48}, {"ship_within_hours": 48}),
    (ORDER_PAID, {"ship_within_hours": 360}, {"ship_within_hours": 360}),
    (ORDER_PAID, {"paid_amount_fen": 0}, {"paid_amount_fen": 0}),
    (ORDER_PAID, {"address.province": DEL, "address.district": None, "address.detail_hash": ""},
     {"address": Address("", "PII杭州市", "", "")}),
    (ORDER_PAID, {"address.extra": [1, {"x": None}], "coupon": 5}, {}),
    (ORDER_PAID, {"order_id": " o-1 "}, {"order_id": " o-1 "}),  # ids kept exactly as given
    (TRACKING_UPLOADED, {"action": DEL}, {"action": "upload"}),
    (TRACKING_UPLOADED, {"action": None}, {"action": "upload"}),
    (TRACKING_UPLOADED, {"action": "upload"}, {"action": "upload"}),
    (TRACKING_UPLOADED, {"uploaded_at": "2026-11-11T10:00:01+08:00"}, {"uploaded_at": T0 + 1000}),
    (TRACKING_UPLOADED, {"note": "merged", "items": [{"sku": 1}]}, {}),
    (CARRIER_SCAN, {"city": DEL}, {"city": None}),
    (CARRIER_SCAN, {"city": None}, {"city": None}),
    (CARRIER_SCAN, {"city": ""}, {"city": None}),
    (CARRIER_SCAN, {"city": "  "}, {"city": None}),
    (CARRIER_SCAN, {"scanned_at": T0 + 5000}, {"scanned_at": T0 + 5000}),
    (CARRIER_SCAN, {"ext": {"hub": "杭州"}}, {}),
] + [(CARRIER_SCAN, {"status": s}, {"status": s}) for s in SCAN_STATUSES]


@pytest.mark.parametrize("topic, changes, attrs", ACCEPTED)
def test_accepted_variants(topic, changes, attrs):
    event = parse_message(topic, message(topic, changes))
    fields = {f: getattr(EXPECTED[topic], f) for f in type(event).__slots__}
    fields.update(attrs)
    assert event == type(event)(**fields)


def _field_cases():
    for topic, names in REQUIRED_STR.items():
        for name in names:
            yield topic, {name: DEL}, "missing_field", f"missing field {name}"
            yield topic, {name: None}, "missing_field", f"missing field {name}"
            for bad in (7, 1.5, True, [], {"v": "PII"}):
                yield topic, {name: bad}, "wrong_type", f"{name} must be a string"
            for empty in ("", " ", "\t\n"):
                yield topic, {name: empty}, "empty_field", f"{name} is empty"
    for topic, name in TIME_FIELD.items():
        yield topic, {name: DEL}, "missing_field", f"missing field {name}"
        yield topic, {name: None}, "missing_field", f"missing field {name}"
        for bad, why in [("2026-11-11T10:00:00", "no UTC offset"), ("2026-11-11", "date without time of day"),
                         ("NaN", "not an RFC 3339"), ("", "not an RFC 3339"), ("soon PII", "not an RFC 3339"),
                         ("1970-01-01T00:00:00Z", "out of range"), ("9999-12-31T23:59:59Z", "out of range"),
                         ("2026-02-30T10:00:00Z", "invalid"), (0, "out of range"), (-1, "out of range"),
                         (-T0, "out of range"), (253402300799000, "out of range")]:
            yield topic, {name: bad}, "bad_time", f"{name}: {why}"
        for bad in (1e30, float(T0), True, [T0], {"ms": T0}):
            yield topic, {name: bad}, "wrong_type", f"{name} must be"


FIELD_CASES = list(_field_cases()) + [
    (ORDER_PAID, {"paid_amount_fen": DEL}, "missing_field", "missing field paid_amount_fen"),
    (ORDER_PAID, {"paid_amount_fen": None}, "missing_field", "missing field paid_amount_fen"),
    (ORDER_PAID, {"paid_amount_fen": -1}, "bad_value", "paid_amount_fen must be an integer >= 0"),
    (ORDER_PAID, {"paid_amount_fen": 100.0}, "wrong_type", "paid_amount_fen must be an integer"),
    (ORDER_PAID, {"paid_amount_fen": "100"}, "wrong_type", "paid_amount_fen must be an integer"),
    (ORDER_PAID, {"paid_amount_fen": True}, "wrong_type", "paid_amount_fen must be an integer"),
    (ORDER_PAID, {"ship_within_hours": 47}, "bad_value", "ship_within_hours must be in 48..360"),
    (ORDER_PAID, {"ship_within_hours": 361}, "bad_value", "ship_within_hours must be in 48..360"),
    (ORDER_PAID, {"ship_within_hours": -48}, "bad_value", "ship_within_hours"),
    (ORDER_PAID, {"ship_within_hours": 72.0}, "wrong_type", "ship_within_hours must be an integer"),
    (ORDER_PAID, {"ship_within_hours": "72"}, "wrong_type", "ship_within_hours must be an integer"),
    (ORDER_PAID, {"ship_within_hours": False}, "wrong_type", "ship_within_hours must be an integer"),
    (ORDER_PAID, {"address": DEL}, "missing_field", "missing field address"),
    (ORDER_PAID, {"address": None}, "missing_field", "missing field address"),
    (ORDER_PAID, {"address": "PII杭州市西湖区"}, "wrong_type", "address must be an object"),
    (ORDER_PAID, {"address": ["PII杭州市"]}, "wrong_type", "address must be an object"),
    (ORDER_PAID, {"address.province": 33}, "wrong_type", "address.province must be a string"),
    (ORDER_PAID, {"address.district": ["PII"]}, "wrong_type", "address.district must be a string"),
    (ORDER_PAID, {"address.detail_hash": False}, "wrong_type", "address.detail_hash must be a string"),
    (TRACKING_UPLOADED, {"action": "CANCEL"}, "bad_value", "action must be upload or cancel"),
    (TRACKING_UPLOADED, {"action": "delete"}, "bad_value", "action must be upload or cancel"),
    (TRACKING_UPLOADED, {"action": ""}, "bad_value", "action must be upload or cancel"),
    (TRACKING_UPLOADED, {"action": 1}, "wrong_type", "action must be a string"),
    (CARRIER_SCAN, {"status": "SIGNED"}, "bad_value", "status must be one of"),
    (CARRIER_SCAN, {"status": "lost PII"}, "bad_value", "status must be one of"),
    (CARRIER_SCAN, {"city": 310000}, "wrong_type", "city must be a string"),
    (CARRIER_SCAN, {"city": ["PII杭州"]}, "wrong_type", "city must be a string"),
]


@pytest.mark.parametrize("topic, changes, reason, detail", FIELD_CASES)
def test_field_dead_letters(topic, changes, reason, detail):
    raw = message(topic, changes)
    check_dead(parse_message(topic, raw), topic, raw, reason, detail)
    check_dead(parse_value(topic, orjson.loads(raw), raw), topic, raw, reason, detail)


BIG = b'{"event_id": "' + b"PII" * 350_000 + b'"}'  # ~1 MB
RAW_CASES = [
    (BIG, "oversize"),
    (b"\xff" * 70_000, "oversize"),  # size is checked before anything else
    (b"", "not_json"),
    (b"   ", "not_json"),
    (b"{", "not_json"),
    (b'{"event_id": "op-1", "order_id": "o', "not_json"),
    (b"{'event_id': 'op-1'}", "not_json"),
    (b'{"paid_at": NaN}', "not_json"),
    (b"NaN", "not_json"),
    (b"-Infinity", "not_json"),
    (b'{"a": 1e400}', "not_json"),
    (b'{"a": "\\ud800"}', "not_json"),  # lone surrogate escape
    (b"\xef\xbb\xbf{}", "not_json"),  # BOM
    (b"[" * 100_000, "oversize"),
    (b"[" * 60_000, "not_json"),
    (b"[" * 60_000 + b"]" * 60_000, "oversize"),
    (b"[" * 5_000 + b"]" * 5_000, "not_json"),  # nesting depth limit, not a crash
    (b'{"a":' * 5_000 + b"1" + b"}" * 5_000, "not_json"),
    (b"\xff\xfe{}", "not_utf8"),
    (b'{"event_id": "\xed\xa0\x80"}', "not_utf8"),  # encoded surrogate
    (b'{"event_id": "caf\xe9"}', "not_utf8"),  # Latin-1
    (b"\xc3", "not_utf8"),  # truncated sequence
    (b"[]", "not_object"),
    (b"[{}]", "not_object"),
    (b'"PII"', "not_object"),
    (b"12900", "not_object"),
    (b"1.5", "not_object"),
    (b"true", "not_object"),
    (b"null", "not_object"),
    (b"{}", "missing_field"),
]


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("raw, reason", RAW_CASES)
def test_raw_dead_letters(topic, raw, reason):
    check_dead(parse_message(topic, raw), topic, raw, reason)


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("depth", [1_025, 100_000, 1_000_000])
def test_deep_nesting_is_not_json_not_a_crash(topic, depth):
    for raw in (b"[" * depth, b"[" * depth + b"]" * depth, b'{"a":' * depth):
        check_dead(parse_message(topic, raw, max_bytes=10**7), topic, raw, "not_json")


@pytest.mark.parametrize("changes", [{"paid_at": 10**30}, {"paid_amount_fen": 10**30}])
def test_integers_beyond_64_bits_are_wrong_type(changes):
    raw = message(ORDER_PAID, changes)  # orjson reads them as floats
    check_dead(parse_message(ORDER_PAID, raw), ORDER_PAID, raw, "wrong_type")


@pytest.mark.parametrize("topic", TOPICS)
def test_max_bytes_boundary(topic):
    raw = message(topic)
    assert parse_message(topic, raw, max_bytes=len(raw)) == EXPECTED[topic]
    check_dead(parse_message(topic, raw, max_bytes=len(raw) - 1), topic, raw, "oversize")


@pytest.mark.parametrize("topic", ["orders", "", "violations"])
def test_unknown_topic(topic):
    raw = message(ORDER_PAID)
    check_dead(parse_message(topic, raw), topic, raw, "unknown_topic")


# ---- properties: parse_message never raises and always answers in the contract's terms ----

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
pii_values = st.recursive(st.text().map(lambda s: "PII" + s), lambda inner: st.lists(inner, max_size=3), max_leaves=4)
topics = st.sampled_from(TOPICS + ("unknown",))


def check_result(topic, raw, result):
    if isinstance(result, DeadLetter):
        assert result.reason in REASONS and result.topic == topic and result.raw is raw
        assert isinstance(result.detail, str) and result.detail
    else:
        assert isinstance(result, (OrderPaid, TrackingUploaded, CarrierScan)) and result.topic == topic
        assert type(result.time) is int


@given(topics, st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(topic, raw):
    result = parse_message(topic, raw)
    check_result(topic, raw, result)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        assert result.reason == "not_utf8"  # UTF-8 is judged before JSON
    else:
        assert not isinstance(result, DeadLetter) or result.reason != "not_utf8"


@given(topics, json_values)
def test_arbitrary_json_never_raises(topic, value):
    raw = json.dumps(value).encode()
    check_result(topic, raw, parse_message(topic, raw))
    check_result(topic, raw, parse_value(topic, value, raw))


@settings(max_examples=300)
@given(st.data())
def test_mutated_messages_never_raise(data):
    topic = data.draw(st.sampled_from(TOPICS))
    keys = sorted(BASE[topic]) + ["address.city", "address.province", "extra"]
    changes = data.draw(st.dictionaries(st.sampled_from(keys), st.just(DEL) | json_values | pii_values,
                                               max_size=4))
    if topic != ORDER_PAID:
        changes = {k: v for k, v in changes.items() if not k.startswith("address.")}
    raw = message(topic, changes)
    result = parse_message(topic, raw)
    check_result(topic, raw, result)
    if isinstance(result, DeadLetter):
        assert "PII" not in result.detail  # values, marked or drawn, are never echoed
        assert result == parse_value(topic, orjson.loads(raw), raw)


@given(st.sampled_from(TOPICS), st.integers(min_value=946_684_800_000, max_value=4_102_444_799_999))
def test_epoch_ms_and_rfc3339_give_the_same_event(topic, ms):
    field = TIME_FIELD[topic]
    assert parse_message(topic, message(topic, {field: ms})) == \
        parse_message(topic, message(topic, {field: format_time(ms)}))
