"""What the feed adapters share: feed times, the wording fallback, and a payload never crashing the converter."""
from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from detectors.events import CARRIER_SCAN
from detectors.feeds import FEED_MAX_BYTES, FORMATS, convert_feed
from detectors.feeds.common import FeedError, local_time
from detectors.feeds.keywords import status_from_text
from detectors.parse import REASONS, DeadLetter, parse_value
from detectors.timeparse import parse_time


@pytest.mark.parametrize("value, rfc3339", [
    ("2026-11-11 16:05:09", "2026-11-11T16:05:09+08:00"),       # no offset: China time
    ("2026/11/11 16:05:09", "2026-11-11T16:05:09+08:00"),
    ("2026-11-11T16:05", "2026-11-11T16:05:00+08:00"),
    ("2026-11-11 16:05:09.5", "2026-11-11T16:05:09.500+08:00"),
    (" 2026-11-11 00:00:00 ", "2026-11-11T00:00:00+08:00"),
    ("2026-11-11T08:05:09Z", "2026-11-11T16:05:09+08:00"),      # an offset is taken as given
    (1_794_384_309_000, "2026-11-11T16:05:09+08:00"),            # epoch ms
])
def test_feed_times(value, rfc3339):
    assert local_time({"t": value}, "t", "") == parse_time(rfc3339)


@pytest.mark.parametrize("value, reason", [
    ("11-11 16:05:09", "bad_time"), ("2026-13-01 00:00:00", "bad_time"), ("2026-11-11 24:00:00", "bad_time"),
    ("0001-01-01 00:00:00", "bad_time"), ("2101-01-01 00:00:00", "bad_time"), ("yesterday", "bad_time"),
    (True, "wrong_type"), (1.5, "wrong_type"), (["2026-11-11"], "wrong_type"), (None, "missing_field"),
])
def test_unusable_feed_times(value, reason):
    with pytest.raises(FeedError) as e:
        local_time({"t": value}, "t", "data[0].")
    assert e.value.reason == reason and "data[0].t" in e.value.detail


@pytest.mark.parametrize("text, status", [
    ("【杭州西湖营业部】的X已收件", "collected"), ("顺丰速运 已收取快件", "collected"),
    ("商家已下单，待揽收", "unknown"), ("快递员将上门揽收", "unknown"),
    ("快件已到达【杭州转运中心】", "in_transit"), ("【杭州市】快件正在派送中", "delivering"),
    ("快件已被【丰巢柜】代收", "delivering"), ("包裹已签收！", "signed"), ("快件派件异常后已签收", "signed"),
    ("快件派送不成功，原因：无人接听，将再次派送", "exception"), ("快件已退回，退回原因：拒收", "returned"),
    ("快件处理中", "unknown"),
])
def test_the_wording_fallback(text, status):
    assert status_from_text(text) == status


@pytest.mark.parametrize("raw, reason", [
    (b"\xff\xfe", "not_utf8"), (b"{not json", "not_json"), (b"", "not_json"), (b"[1, 2]", "not_object"),
    (b"null", "not_object"), (b"{" + b" " * FEED_MAX_BYTES + b"}", "oversize"),
])
def test_unusable_payloads(raw, reason):
    for fmt in FORMATS:
        result = convert_feed(fmt, raw, topic="feed-topic")
        assert result.scans == [] and [(d.reason, d.topic, d.raw) for d in result.dead] == [(reason, "feed-topic", raw)]


def test_an_unknown_format_is_the_callers_error():
    with pytest.raises(ValueError, match="kuaidi100, kdniao, sf"):
        convert_feed("cainiao", b"{}")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**13) | st.floats(allow_nan=False) |
    st.sampled_from(["", " ", "2026-11-11 10:00:00", "11-11 10:00", "301", "50", "已揽收", "【杭州中心】"]) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["nu", "com", "data", "time", "context", "status", "statusCode", "areaName", "lastResult",
                         "param", "ShipperCode", "LogisticCode", "Traces", "Data", "AcceptTime", "AcceptStation",
                         "Action", "State", "Body", "WaybillRoute", "mailno", "mailNo", "routes", "routeResps",
                         "acceptTime", "remark", "opCode", "msgData", "apiResultData"]), inner, max_size=6),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(fmt=st.sampled_from(sorted(FORMATS)), doc=JSON)
def test_any_payload_gives_valid_scans_or_dead_letters_never_an_exception(fmt, doc):
    result = convert_feed(fmt, orjson.dumps(doc))
    for scan in result.scans:
        assert not isinstance(parse_value(CARRIER_SCAN, scan, b""), DeadLetter)
    for dead in result.dead:
        assert isinstance(dead, DeadLetter) and dead.reason in REASONS
