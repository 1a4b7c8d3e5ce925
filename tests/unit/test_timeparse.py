"""detectors.timeparse: RFC 3339 / epoch ms times, +08:00 formatting, durations."""
import math

import pytest
from hypothesis import given, strategies as st

from detectors.timeparse import MAX_MS, MIN_MS, TimeError, format_time, parse_china_time, parse_duration, parse_time

T0 = 1794362400000  # 2026-11-11T10:00:00+08:00 == 2026-11-11T02:00:00Z


@pytest.mark.parametrize("value, expected", [
    ("2026-11-11T10:00:00+08:00", T0),
    ("2026-11-11T02:00:00Z", T0),
    ("2026-11-11T02:00:00z", T0),
    ("2026-11-11t02:00:00Z", T0),
    ("2026-11-11 10:00:00+08:00", T0),
    ("2026-11-10T21:00:00-05:00", T0),
    ("2026-11-11T02:00:00-00:00", T0),
    ("2026-11-11T02:00:00.123Z", T0 + 123),
    ("2026-11-11T02:00:00.1Z", T0 + 100),
    ("2026-11-11T02:00:00.1239Z", T0 + 123),  # truncated, not rounded
    ("2026-11-11T02:00:00.999999999Z", T0 + 999),
    ("2026-11-11T10:00:00.5+08:00", T0 + 500),
    (T0, T0),
    (MIN_MS, MIN_MS),
    (MAX_MS - 1, MAX_MS - 1),
    ("2000-01-01T00:00:00Z", MIN_MS),
    ("2099-12-31T23:59:59.999Z", MAX_MS - 1),
    ("2024-02-29T00:00:00Z", 1709164800000),
])
def test_parse_time_accepts(value, expected):
    assert parse_time(value) == expected


@pytest.mark.parametrize("value, reason", [
    ("2026-11-11T10:00:00", "no UTC offset"),
    ("2026-11-11 10:00:00.5", "no UTC offset"),
    ("2026-11-11", "date without time of day"),
    ("", "not an RFC 3339"),
    ("garbage", "not an RFC 3339"),
    ("NaN", "not an RFC 3339"),
    ("1794362400000", "not an RFC 3339"),  # epoch ms must be a JSON integer, not a string
    ("2026-11-11T10:00+08:00", "not an RFC 3339"),
    ("2026-11-11T10:00:00+0800", "not an RFC 3339"),
    ("2026-11-11T10:00:00 +08:00", "not an RFC 3339"),
    ("2026-11-11T10:00:00Z\n", "not an RFC 3339"),
    (" 2026-11-11T10:00:00Z", "not an RFC 3339"),
    ("２０２６-11-11T10:00:00Z", "not an RFC 3339"),  # full-width digits
    ("2026-11-11T10:00:00.Z", "not an RFC 3339"),
    ("2026-02-30T10:00:00Z", "invalid"),
    ("2026-13-01T10:00:00Z", "invalid"),
    ("2026-11-11T24:00:00Z", "invalid"),
    ("2026-11-11T10:00:60Z", "invalid"),
    ("2026-11-11T10:00:00+24:00", "not an RFC 3339"),
    ("2026-11-11T10:00:00+08:60", "not an RFC 3339"),
    ("1970-01-01T00:00:00Z", "out of range"),
    ("1999-12-31T23:59:59.999Z", "out of range"),
    ("2000-01-01T00:00:00+08:00", "out of range"),
    ("2100-01-01T00:00:00Z", "out of range"),
    ("9999-12-31T23:59:59-23:59", "out of range"),
    ("0001-01-01T00:00:00+23:59", "out of range"),
    (0, "out of range"),
    (-1, "out of range"),
    (MIN_MS - 1, "out of range"),
    (MAX_MS, "out of range"),
    (10**30, "out of range"),
    (1e30, "must be"),
    (1794362400000.0, "must be"),
    (math.nan, "must be"),
    (math.inf, "must be"),
    (True, "must be"),
    (False, "must be"),
    (None, "must be"),
    ([T0], "must be"),
    (b"2026-11-11T10:00:00Z", "must be"),
])
def test_parse_time_rejects(value, reason):
    with pytest.raises(TimeError, match=reason):
        parse_time(value)


def test_time_error_is_value_error():
    assert issubclass(TimeError, ValueError)


@pytest.mark.parametrize("ms, text", [
    (T0, "2026-11-11T10:00:00+08:00"),
    (T0 + 123, "2026-11-11T10:00:00.123+08:00"),
    (T0 + 5, "2026-11-11T10:00:00.005+08:00"),
    (MIN_MS, "2000-01-01T08:00:00+08:00"),
    (T0 - 10 * 3600 * 1000, "2026-11-11T00:00:00+08:00"),  # crosses the UTC date line
])
def test_format_time(ms, text):
    assert format_time(ms) == text


@given(st.integers(min_value=MIN_MS, max_value=MAX_MS - 1))
def test_format_parse_round_trip(ms):
    assert parse_time(format_time(ms)) == ms


@given(st.integers(min_value=MIN_MS, max_value=MAX_MS - 1))
def test_epoch_and_string_agree(ms):
    assert parse_time(ms) == parse_time(format_time(ms))


@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.booleans(), st.none()))
def test_parse_time_only_raises_time_error(value):
    try:
        ms = parse_time(value)
    except TimeError:
        return
    assert type(ms) is int and MIN_MS <= ms < MAX_MS


@pytest.mark.parametrize("text, ms", [
    ("5m", 300_000), ("30s", 30_000), ("24h", 86_400_000), ("15d", 1_296_000_000),
    ("500ms", 500), ("1h30m", 5_400_000), ("1d12h", 129_600_000), ("1m1ms", 60_001),
    ("1500", 1500), ("0", 0), (" 5m ", 300_000), (1500, 1500),
])
def test_parse_duration(text, ms):
    assert parse_duration(text) == ms


@pytest.mark.parametrize("text", ["", " ", "5x", "-5m", "1.5h", "m", "5 m", "1h 30m", "5M", "١٢", True, None, 1.5, -1])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("text", ["2026-11-11 10:00:00", "2026-11-11T10:00:00", "2026/11/11 10:00:00",
                                  "2026-11-11 10:00", " 2026-11-11 10:00:00 "])
def test_a_time_without_offset_is_china_time_for_feeds_and_the_cli(text):
    assert parse_china_time(text) == T0
    with pytest.raises(TimeError):
        parse_time(text)              # events on the topics must carry their offset (the contract)


def test_china_time_keeps_fractions_offsets_and_epoch_ms():
    assert parse_china_time("2026-11-11 10:00:00.1234") == T0 + 123
    assert parse_china_time("2026-11-11T02:00:00Z") == T0 and parse_china_time(T0) == T0


@pytest.mark.parametrize("text, why", [("2026-02-30 10:00:00", "invalid date or time of day"),
                                       ("2026-11-11", "date without time of day"), ("soon", "not an RFC 3339 time")])
def test_china_time_refuses(text, why):
    with pytest.raises(TimeError, match=why):
        parse_china_time(text)
