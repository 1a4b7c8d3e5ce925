"""What tables and held log records keep is the size of its bytes, not orjson's buffer: orjson
3.12+ returned a parcel state of ~830 B in an 8 KB allocation, ten times what the memory store's
figure assumed (stream/kept_bytes.py)."""
from __future__ import annotations

import tracemalloc

import orjson

from detectors.messages import PARCEL
from stream.eventlog import parse_line
from stream.service import codec

from .test_codec import run_engine


def held(make):
    """(bytes allocated and still held by make()'s results, their total length)."""
    tracemalloc.start()
    try:
        values = make()
        allocated = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return allocated, sum(map(len, values))


def test_table_values_hold_their_own_size():
    engine, _ = run_engine(200)
    states = list(engine.states[PARCEL].values())
    allocated, length = held(lambda: [codec.encode_state(s) for s in states])
    assert allocated < 1.5 * length + 200 * len(states), (allocated, length)


def test_log_records_hold_their_own_size():
    value = {"event_id": "e1", "carrier": "ZTO", "waybill_no": "7311", "scanned_at": 1793462400000,
             "status": "collected", "description": "【杭州】已揽收"}
    lines = [orjson.dumps({"topic": "carrier-scan", "key": "ZTO:7311", "value": value}) for _ in range(500)]
    allocated, length = held(lambda: [parse_line(n, line).raw for n, line in enumerate(lines, 1)])
    assert allocated < 1.5 * length + 200 * len(lines), (allocated, length)
