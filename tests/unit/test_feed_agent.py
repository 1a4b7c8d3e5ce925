"""The feed agent's parts that need no broker: SHIPGUARD_FEED_TOPICS, and one raw message converted."""
from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest

from stream.service.feed_agent import FeedConfigError, convert_one, feed_topics
from stream.metrics import Metrics
from stream.service.topology import DLQ

FIXTURES = Path(__file__).parent / "feeds"


def test_feed_topics_setting():
    assert feed_topics("") == {}
    assert feed_topics(" kuaidi100:carrier-feed-kuaidi100 , sf:carrier-feed-sf,") == {
        "carrier-feed-kuaidi100": "kuaidi100", "carrier-feed-sf": "sf"}
    for bad in ("cainiao:feed", "sf", "sf:", "sf:a,kdniao:a", "sf:carrier-scan", "kdniao:shipguard-dlq"):
        with pytest.raises(FeedConfigError, match="SHIPGUARD_FEED_TOPICS"):
            feed_topics(bad)


@dataclass
class FakeTopic:
    sent: list = field(default_factory=list)

    async def send(self, key=None, value=None):
        self.sent.append((key, value))


@dataclass
class FakeContext:
    topics: dict
    metrics: Metrics


@dataclass
class FakeMessage:
    topic: str = "carrier-feed-sf"
    partition: int = 2
    offset: int = 41


def test_one_message_to_keyed_scans_and_dead_letters():
    scans, dlq = FakeTopic(), FakeTopic()
    ctx = FakeContext({DLQ: dlq}, Metrics())
    raw = orjson.loads((FIXTURES / "sf_push.json").read_bytes())
    del raw["Body"]["WaybillRoute"][9]["acceptTime"]                     # one bad route among ten
    raw = orjson.dumps(raw)
    asyncio.run(convert_one(ctx, "sf", FakeMessage(), raw, scans))
    assert len(scans.sent) == 9
    assert {key for key, _ in scans.sent} == {b"SF:SF1400012345678", b"SF:SF1400087654321"}
    assert all(orjson.loads(value)["carrier"] == "SF" for _, value in scans.sent)
    [(_, dead)] = dlq.sent
    dead = orjson.loads(dead)
    assert dead == {"topic": "carrier-feed-sf", "partition": 2, "offset": 41, "reason": "missing_field",
                    "detail": "missing field Body.WaybillRoute[9].acceptTime",
                    "raw_b64": base64.b64encode(raw).decode()}
    metrics = ctx.metrics.render().decode()
    assert 'shipguard_dead_letters_total{reason="missing_field"} 1.0' in metrics
    assert 'shipguard_events_in_total{topic="carrier-feed-sf"} 1.0' in metrics


def test_a_tombstone_is_a_dead_letter():
    scans, dlq = FakeTopic(), FakeTopic()
    asyncio.run(convert_one(FakeContext({DLQ: dlq}, None), "kdniao", FakeMessage(), None, scans))
    assert scans.sent == [] and orjson.loads(dlq.sent[0][1])["reason"] == "not_json"
