"""How people read amounts and times, in every command's output: yuan and RFC 3339 in +08:00.
Files and --json keep fen and epoch ms, as the contract's records do."""
from __future__ import annotations

from detectors.timeparse import format_time

__all__ = ["yuan", "format_time"]


def yuan(fen: int) -> str:
    """Exact, never a float: 123456789012345 fen is 1234567890123.45."""
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"
