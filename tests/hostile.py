"""A seeded fuzzer of hostile platform messages (issue 6): each output is a
message the contract calls unusable, derived from a valid message of the same
topic, so it is keyed and routed like real traffic.

Every mutation is built to be dead whatever the input: truncated JSON,
oversized values, wrong types, NaN and infinities, far-future and absurd
times, deep nesting, non-UTF-8 bytes, missing and empty fields, non-objects.
"""
from __future__ import annotations

import random

import orjson

from detectors.parse import MAX_BYTES

REQUIRED = {
    "order-paid": ["event_id", "order_id", "shop_id", "product_id", "recipient_id"],
    "tracking-uploaded": ["event_id", "order_id", "shop_id", "carrier", "waybill_no"],
    "carrier-scan": ["event_id", "carrier", "waybill_no", "status", "description"],
}
TIMES = {"order-paid": "paid_at", "tracking-uploaded": "uploaded_at", "carrier-scan": "scanned_at"}
WRONG = [0, 1.5, True, [], {}, ["x"], {"a": 1}, -7]
ABSURD_TIMES = ["9999-12-31T23:59:59+08:00", 10 ** 16, -1, "2026-13-45T25:61:00+08:00", "yesterday",
                "2026-11-11T10:00:00", "2026-11-11T10:00:00+08:60", 4_102_444_800_000, 0]


def _truncated(rng, topic, value):
    raw = orjson.dumps(value)
    return raw[:rng.randrange(1, len(raw) - 1)]


def _oversize(rng, topic, value):
    return orjson.dumps({**value, "pad": "x" * (MAX_BYTES + rng.randrange(1, 4096))})


def _wrong_type(rng, topic, value):
    return orjson.dumps({**value, rng.choice(REQUIRED[topic]): rng.choice(WRONG)})


def _wrong_time_type(rng, topic, value):
    return orjson.dumps({**value, TIMES[topic]: rng.choice([1.5, True, [], {}, None])})


def _nan(rng, topic, value):
    field = "paid_amount_fen" if topic == "order-paid" else TIMES[topic]
    text = orjson.dumps({**value, field: 0}).decode()
    return text.replace(f'"{field}":0', f'"{field}":{rng.choice(["NaN", "Infinity", "-Infinity", "1e999"])}').encode()


def _absurd_time(rng, topic, value):
    return orjson.dumps({**value, TIMES[topic]: rng.choice(ABSURD_TIMES)})


def _deep(rng, topic, value):
    depth = rng.randrange(1100, 3000)           # past orjson's nesting limit of 1024
    field = rng.choice(REQUIRED[topic])
    text = orjson.dumps({**value, field: 0}).decode()
    return text.replace(f'"{field}":0', f'"{field}":' + "[" * depth + "]" * depth).encode()


def _not_utf8(rng, topic, value):
    raw = orjson.dumps(value)
    at = rng.randrange(1, len(raw) - 1)
    return raw[:at] + rng.choice([b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80"]) + raw[at:]


def _missing(rng, topic, value):
    field = rng.choice(REQUIRED[topic] + [TIMES[topic]])
    return orjson.dumps({k: v for k, v in value.items() if k != field})


def _empty(rng, topic, value):
    return orjson.dumps({**value, rng.choice(REQUIRED[topic]): rng.choice(["", "   ", "\t"])})


def _not_object(rng, topic, value):
    return rng.choice([orjson.dumps([value]), b"42", b'"a string"', b"null", b"true", b"[]", b""])


MUTATIONS = (_truncated, _oversize, _wrong_type, _wrong_time_type, _nan, _absurd_time, _deep, _not_utf8,
             _missing, _empty, _not_object)
WEIGHTS = (10, 1, 10, 5, 5, 10, 3, 10, 10, 5, 5)      # oversize and deep are heavy: fewer of them


def hostile_messages(valid: list[dict], n: int, seed: int) -> list[tuple[str, str | None, bytes]]:
    """n hostile (topic, key, raw) messages derived from the valid log lines `valid`."""
    rng = random.Random(seed)
    objects = [line for line in valid if isinstance(line.get("value"), dict)]
    out = []
    for _ in range(n):
        line = rng.choice(objects)
        mutate = rng.choices(MUTATIONS, WEIGHTS)[0]
        out.append((line["topic"], line.get("key"), mutate(rng, line["topic"], line["value"])))
    return out
