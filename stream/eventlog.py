"""The offline event log (CONTRACT §6): JSON Lines in arrival order.

    {"topic": "carrier-scan", "key": "ZTO:7531", "value": {...}}
    {"topic": "order-paid", "key": "o1", "value_raw": "<the message text>"}
    {"topic": "order-paid", "key": "o1", "value_b64": "<base64 bytes>"}   (extension: any bytes)

Each line becomes (topic, key, raw message bytes, decoded value or None). A
line that is itself broken still yields its bytes, so it can be dead-lettered.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import IO, Iterator

import orjson

from .kept_bytes import dumps_kept

UNREADABLE = ""  # the topic of a log line we could not read


@dataclass(slots=True)
class LogRecord:
    line: int                  # 1-based line number: the offline "offset"
    topic: str
    key: str | None
    raw: bytes                 # the message as it would travel on Kafka
    value: object = None       # already decoded, when the line carried "value"
    problem: tuple[str, str] | None = None  # (reason, detail): why the line itself is unusable
    partition: int | None = None  # read from a topic: its partition, and `line` is the offset


def read_log(stream: IO[bytes]) -> Iterator[LogRecord]:
    for number, line in enumerate(stream, 1):
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield parse_line(number, line)


def parse_line(number: int, line: bytes) -> LogRecord:
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError:
        return LogRecord(number, UNREADABLE, None, line, problem=("not_json", "log line is not JSON"))
    if not isinstance(doc, dict) or not isinstance(doc.get("topic"), str):
        return LogRecord(number, UNREADABLE, None, line, problem=("unknown_topic", "log line has no topic"))
    topic, key = doc["topic"], doc.get("key")
    key = key if isinstance(key, str) else None
    if "value" in doc:
        return LogRecord(number, topic, key, dumps_kept(doc["value"]), doc["value"])
    if isinstance(doc.get("value_raw"), str):
        return LogRecord(number, topic, key, doc["value_raw"].encode("utf-8", "surrogatepass"))
    if isinstance(doc.get("value_b64"), str):
        try:
            return LogRecord(number, topic, key, base64.b64decode(doc["value_b64"], validate=True))
        except binascii.Error:
            pass
    return LogRecord(number, topic, key, line, problem=("missing_field", "log line has no value, value_raw or value_b64"))
