"""parse_time's fast path (the common `YYYY-MM-DDTHH:MM:SS+08:00` layout, issue 13) answers exactly
as the strict path does: the same epoch ms, or the same error for the same value."""
import pytest
from hypothesis import given, settings, strategies as st

from detectors import timeparse
from detectors.timeparse import TimeError, parse_time


def strict(value):
    try:
        return timeparse._parse_strict(value)
    except TimeError as exc:
        return f"error: {exc}"


def fast(value):
    try:
        return parse_time(value)
    except TimeError as exc:
        return f"error: {exc}"


@pytest.mark.parametrize("value", [
    "2026-11-11T10:00:00+08:00", "2026-11-11T10:59:59+08:00", "2026-11-11t10:00:00-00:30",
    "2026-11-11 10:00:00+08:00", "2026-11-11T10:00:60+08:00", "2026-11-11T10:60:00+08:00",
    "2026-11-11T24:00:00+08:00", "2026-02-30T10:00:00+08:00", "2026-11-11T10:00:00+08:60",
    "2026-11-11T10:00:00+24:00", "2026-11-11T10:00:00.1234Z", "2026-11-11T10:00:59.9999Z",
    "2100-01-01T05:00:00+05:30", "2100-01-01T05:29:59+05:30", "2100-01-01T05:30:00+05:30",
    "2000-01-01T05:29:59+05:30", "2000-01-01T05:30:00+05:30", "1999-12-31T23:59:59+00:00",
    "2026-11-11T1０:00:00+08:00", "2026-11-11T10:0０:00+08:00", "2026-11-11T10:00:00+08:00\n",
    "2026-11-11T10:00:00 08:00", "2026-11-11T10:00:00Z     ", "2026-11-11X10:00:00+08:00",
])
def test_the_fast_path_agrees_with_the_strict_one(value):
    assert fast(value) == strict(value)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(r"\A(19|20|21)[0-9]{2}-[01][0-9]-[0-3][0-9][Tt ][0-2][0-9]:[0-6][0-9]:[0-6][0-9]"
                     r"([+-][0-2][0-9]:[0-6][0-9]|Z|\.[0-9]{4}Z)\Z"))
def test_any_time_of_the_common_length_agrees(value):
    assert fast(value) == strict(value)
