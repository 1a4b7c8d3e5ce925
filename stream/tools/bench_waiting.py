"""Bytes one waiting input holds in a stage, measured with tracemalloc rather than inferred
from the worker's RSS growth (which also holds Faust's, aiokafka's and the allocator's
buffers, so it only bounds the figure from above).

A waiting input is what the stage agent keeps while the watermark has not passed it: the
Faust message and event its ack refers to (with the key and value bytes), the parsed event,
and its place in the partition's agenda -- built here as agents.py and stage.py build them."""
from __future__ import annotations

import functools
import gc
import tracemalloc

from detectors.agenda import Agenda

from ..eventlog import LogRecord
from ..service.ingest import route
from ..service.stage import Waiting


def _ack(event) -> None:
    """Stands in for Stream.ack: the stage keeps a partial of the stream's method and the event."""


def waiting_input_bytes(recs: list[LogRecord], n: int = 20_000) -> dict:
    from faust.events import Event
    from faust.types.tuples import ConsumerMessage

    sample = [r for r in recs if r.raw][:n]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    agenda = Agenda()
    for offset, record in enumerate(sample):
        key = record.key.encode() if record.key else None
        raw = bytes(record.raw)                  # a fresh object per message, as fetched
        message = ConsumerMessage(record.topic, 0, offset, 1.79e9, 0, [], key, raw, None, len(key or b""), len(raw))
        event = Event(None, key, raw, [], message)
        kind, item, _ = route(record.topic, 0, offset, event.value)
        if kind == "event":
            agenda.add(Waiting(item, event.value, functools.partial(_ack, event)), item.sort_key)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    waiting = agenda.inputs
    value_bytes = sum(len(r.raw) for r in sample) / max(1, len(sample))
    return {"waiting_inputs": waiting, "bytes_per_waiting_input": round(held / max(1, waiting)),
            "message_value_bytes": round(value_bytes)}
