"""Hostile input never stops an offline run: each bad message becomes a dead
letter with a reason, and the valid stream decides exactly what it decides alone."""
from __future__ import annotations

import base64
import io

import orjson

from stream.eventlog import read_log
from stream.offline import run_offline
from stream.policies import load_policy
from stream.tools.synth import generate

HOSTILE = [
    b'{"topic": "order-paid", "key": "x", "value": {"event_id": "h1", "order_id": ',      # truncated log line
    orjson.dumps({"topic": "order-paid", "key": "x", "value_raw": '{"event_id": "h2", "order_id": "o'}),
    orjson.dumps({"topic": "carrier-scan", "key": "x", "value_b64": base64.b64encode(b"\xff\xfe\x00bad").decode()}),
    orjson.dumps({"topic": "order-paid", "key": "x", "value": {"event_id": None, "order_id": None}}),
    orjson.dumps({"topic": "tracking-uploaded", "key": "x", "value": {
        "event_id": "h5", "order_id": "o", "shop_id": "s", "carrier": "ZTO", "waybill_no": "1",
        "uploaded_at": "yesterday"}}),
    orjson.dumps({"topic": "tracking-uploaded", "key": "x", "value": {
        "event_id": "h6", "order_id": "o", "shop_id": "s", "carrier": "ZTO", "waybill_no": "1",
        "uploaded_at": 99999999999999999}}),
    orjson.dumps({"topic": "carrier-scan", "key": "x", "value": {"event_id": "h7", "description": "x" * 1_048_576}}),
    orjson.dumps({"topic": "carrier-scan", "key": "x", "value": [1, 2, 3]}),
    orjson.dumps({"topic": "no-such-topic", "key": "x", "value": {}}),
    b"[" * 100_000,
    b"\x80\x81 not even text",
]


def run(lines: list[bytes]):
    return run_offline(read_log(io.BytesIO(b"\n".join(lines) + b"\n")), load_policy("seed-v1"), 300_000)


def test_hostile_lines_become_dead_letters_and_change_nothing_else():
    valid, _ = generate(60, 4, 3)
    clean = [orjson.dumps(line) for line in valid]
    mixed = []
    for i, line in enumerate(clean):
        mixed.append(line)
        if i % 50 == 0 and i // 50 < len(HOSTILE):
            mixed.append(HOSTILE[i // 50])
    assert len(mixed) - len(clean) == len(HOSTILE)

    alone, together = run(clean), run(mixed)
    assert together.violations == alone.violations and alone.violations
    extra = len(together.dead_letters) - len(alone.dead_letters)
    assert extra == len(HOSTILE)
    assert all(d["reason"] and d["detail"] for d in together.dead_letters)
    reasons = {d["reason"] for d in together.dead_letters}
    assert {"not_json", "not_utf8", "missing_field", "bad_time", "oversize", "not_object", "unknown_topic"} <= reasons
