"""Times and durations of CONTRACT §1: RFC 3339 with an offset, or epoch ms.

Every time inside shipguard is an int of epoch milliseconds. Error messages
name the problem, never the value, so they are safe to put in dead letters.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

__all__ = ["TimeError", "parse_time", "parse_china_time", "format_time", "parse_duration", "MIN_MS", "MAX_MS"]

# Sanity window: a time outside [2000, 2100) is a bug upstream, not an event.
MIN_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
MAX_MS = 4_102_444_800_000  # 2100-01-01T00:00:00Z (exclusive)

SHANGHAI = timezone(timedelta(hours=8))  # fixed offset: China has no DST
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# [0-9], not \d: \d would let through non-ASCII digits. fullmatch, not $,
# so a trailing newline is rejected. RFC 3339 allows lower-case t and z.
# The offset is range-checked here: fromisoformat takes +08:60 as +09:00.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,32})?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
_NAIVE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?")


# The layout nearly every event uses, `YYYY-MM-DDTHH:MM:SS+08:00`, has a fast path: the hour with its
# date and offset is checked by the strict path once and remembered; minutes and seconds are added.
_WITHIN_HOUR = {f"{m:02d}:{s:02d}": m * 60_000 + s * 1000 for m in range(60) for s in range(60)}   # "MM:SS" -> ms
_HOURS: dict[str, int] = {}   # "YYYY-MM-DDTHH" + the rest after the seconds -> epoch ms of that hour
_HOURS_KEPT = 4096            # hostile input cannot grow it without bound


class TimeError(ValueError):
    """A value that is not a usable time; the message is a short reason."""


def parse_time(value: object) -> int:
    """RFC 3339 string with offset, or int epoch ms -> epoch ms (floor to ms)."""
    if type(value) is int:
        if MIN_MS <= value < MAX_MS:
            return value
    elif type(value) is str and len(value) == 25 and value[13] == ":":
        within = _WITHIN_HOUR.get(value[14:19])
        if within is not None:
            key = value[:13] + value[19:]
            hour = _HOURS.get(key)
            if hour is None:
                hour = _hour(key)
            if hour is not None:
                ms = hour + within
                if ms < MAX_MS:               # an hour may start in range and end past it
                    return ms
    return _parse_strict(value)


def _hour(key: str) -> int | None:
    """The start of the hour a time names (its text without minutes and seconds); None when the
    strict path must judge it (not RFC 3339, an invalid date, an hour outside the sanity window)."""
    hour = _HOURS.get(key)
    if hour is None:
        try:
            hour = _parse_strict(f"{key[:13]}:00:00{key[13:]}")
        except TimeError:
            return None
        if len(_HOURS) >= _HOURS_KEPT:
            _HOURS.clear()
        _HOURS[key] = hour
    return hour


def _parse_strict(value: object) -> int:
    if type(value) is str:
        if not _RFC3339.fullmatch(value):
            if _NAIVE.fullmatch(value) is None:
                raise TimeError("not an RFC 3339 time")
            raise TimeError("no UTC offset" if len(value) > 10 else "date without time of day")
        try:
            dt = datetime.fromisoformat(value.upper())  # 3.11 reads Z and any fraction length
        except ValueError:
            raise TimeError("invalid date, time or offset") from None
        d = dt - _EPOCH
        # Integer arithmetic: .timestamp() is a float and can round x.123 to x.12299.
        ms = (d.days * 86_400 + d.seconds) * 1000 + d.microseconds // 1000
    elif isinstance(value, int) and not isinstance(value, bool):
        ms = int(value)
    else:
        raise TimeError("must be an RFC 3339 string or integer epoch ms")
    if not MIN_MS <= ms < MAX_MS:
        raise TimeError("out of range 2000..2100")
    return ms


# A time as people and carriers write it in China: no offset, `-` or `/` between the date's parts.
_CHINA = re.compile(r"([0-9]{4})[-/]([0-9]{2})[-/]([0-9]{2})[ Tt]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?")


def parse_china_time(value: object) -> int:
    """As parse_time, and a time without an offset is China time (+08:00): carrier feeds and the CLI.
    Events on the topics keep parse_time: the contract requires their offset."""
    if type(value) is str and (m := _CHINA.fullmatch(value.strip())):
        *fields, fraction = m.groups()
        try:
            seconds = int(datetime(*(int(g or 0) for g in fields), tzinfo=SHANGHAI).timestamp())
        except (ValueError, OverflowError):
            raise TimeError("invalid date or time of day") from None
        value = seconds * 1000 + int((fraction or "0")[:3].ljust(3, "0"))
    return parse_time(value)


def format_time(ms: int) -> str:
    """Epoch ms -> RFC 3339 in +08:00, with milliseconds only when non-zero."""
    dt = _EPOCH + timedelta(milliseconds=ms)
    text = dt.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S")
    frac = ms % 1000
    return f"{text}.{frac:03d}+08:00" if frac else f"{text}+08:00"


_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_DURATION = re.compile(r"(?:[0-9]+(?:ms|s|m|h|d))+")
_PART = re.compile(r"([0-9]+)(ms|s|m|h|d)")


def parse_duration(text: object) -> int:
    """'5m', '30s', '24h', '15d', '500ms', '1h30m' or plain ms ('1500', 1500) -> ms."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise ValueError("duration must not be negative")
        return int(text)
    if not isinstance(text, str):
        raise ValueError(f"duration must be a string like '5m' or '1h30m', got {type(text).__name__}")
    s = text.strip()
    if s.isascii() and s.isdigit():
        return int(s)
    if not _DURATION.fullmatch(s):
        raise ValueError(
            f"invalid duration {text!r}: use integer ms or number+unit parts (ms, s, m, h, d), e.g. '1h30m'"
        )
    return sum(int(n) * _UNIT_MS[u] for n, u in _PART.findall(s))
