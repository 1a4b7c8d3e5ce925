"""Raw carrier feed topics -> `carrier-scan`, inside the worker (detectors/feeds does the converting).

    SHIPGUARD_FEED_TOPICS="kuaidi100:carrier-feed-kuaidi100,sf:carrier-feed-sf"

adds one agent per feed topic. Each raw message becomes zero or more scans on
`carrier-scan`, keyed `carrier:waybill_no` (CONTRACT §1), where the ingest
agent takes them like any other scan; an unusable payload or record goes to
`shipguard-dlq` in the dead-letter shape of stream/offline.py. A scan's id is
a hash of its record, so a redelivered or repeated feed (Kuaidi100 pushes a
parcel's whole history each time) yields the same ids, and the parcel stage
ignores them. Feed topics are the operator's to create, like the input topics.
"""
from __future__ import annotations

import orjson

from detectors.events import CARRIER_SCAN, TOPICS
from detectors.feeds import FORMATS, convert_feed, scan_key
from detectors.policy import PolicyError

from .continuity import Continuity
from ..offline import dead_letter_record
from .topology import DLQ, VIOLATIONS

RAW = dict(key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")


class FeedConfigError(PolicyError):
    """A bad SHIPGUARD_FEED_TOPICS. A PolicyError, so `shipguard worker` reports it in one line."""


def feed_topics(spec: str) -> dict[str, str]:
    """"kuaidi100:topic-a, sf:topic-b" -> {"topic-a": "kuaidi100", "topic-b": "sf"}."""
    found: dict[str, str] = {}
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        fmt, _, topic = (s.strip() for s in item.partition(":"))
        if fmt not in FORMATS or not topic:
            raise FeedConfigError(f"SHIPGUARD_FEED_TOPICS: {item!r} is not FORMAT:TOPIC with FORMAT one of "
                                  f"{', '.join(FORMATS)}")
        if topic in found or topic in (*TOPICS, VIOLATIONS, DLQ):
            raise FeedConfigError(f"SHIPGUARD_FEED_TOPICS: topic {topic!r} is already in use")
        found[topic] = fmt
    return found


def install_feeds(app, ctx) -> None:
    """One converting agent per configured feed topic; nothing when none is configured."""
    feeds = feed_topics(ctx.settings.feed_topics)
    if not feeds:
        return
    scans = ctx.topics["feed-scans"] = app.topic(CARRIER_SCAN, **RAW)
    for topic, fmt in feeds.items():
        _feed_agent(app, ctx, topic, fmt, scans)


def _feed_agent(app, ctx, topic: str, fmt: str, scans) -> None:
    source = ctx.topics[f"feed:{topic}"] = app.topic(topic, **RAW)

    @app.agent(source, name=f"feed-{topic}")
    async def convert(stream):
        # Acked once its scans are handed to the producer, like the ingest agent;
        # the same gate and offset-continuity check, so a restart loses no payload.
        manual = stream.noack()
        continuity = ctx.continuity[f"feed:{topic}"] = Continuity(f"feed {topic}", frozenset({topic}))
        async for event in manual.events():
            await ctx.gate.enter()
            try:
                if await continuity.admit(app.consumer, event.message):
                    await convert_one(ctx, fmt, event.message, event.value, scans)
                await manual.ack(event)
            finally:
                ctx.gate.leave()


async def convert_one(ctx, fmt: str, msg, value: bytes | None, scans) -> None:
    result = convert_feed(fmt, value or b"", msg.topic)        # a null value (tombstone) is unusable too
    for scan in result.scans:
        await scans.send(key=scan_key(scan).encode(), value=orjson.dumps(scan))
    for dead in result.dead:
        await ctx.topics[DLQ].send(value=orjson.dumps(dead_letter_record(dead, msg.partition, msg.offset)))
        if ctx.metrics:
            ctx.metrics.dead_letter(dead.reason)
    if ctx.metrics:
        ctx.metrics.event_in(msg.topic)
