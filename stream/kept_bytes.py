"""Bytes that are kept get their own size.

orjson 3.12 and later return a bytes object that holds a buffer of at least 4 KB whatever its
length: a parcel state of ~830 B held 8 KB, a log record's 213-byte message 4 KB (tracemalloc;
ijl/orjson#483, and home-assistant/core#181240 copies the same way). What only travels (a message
sent, a line written) is let go at once and costs nothing; what is kept -- a table's value, a log
record's message -- is copied to its size first.
"""
from __future__ import annotations

from typing import Any, Callable

import orjson


def kept(raw: bytes) -> bytes:
    """`raw` in a bytes object of its own size."""
    return bytes(memoryview(raw))


def dumps_kept(obj: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """orjson.dumps for a value that will be kept."""
    return kept(orjson.dumps(obj, default=default))
