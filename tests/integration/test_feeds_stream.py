"""A worker with SHIPGUARD_FEED_TOPICS converts a raw Kuaidi100 feed topic into carrier-scan messages."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from detectors.feeds import convert_feed, scan_key
from stream import kafka_read
from stream.topic_admin import create_topics
from stream.produce import make_producer
from stream.service.topology import DLQ

from .deployment import PARTITIONS, Deployment

pytestmark = pytest.mark.integration
FEED = "carrier-feed-kuaidi100"
FIXTURES = Path(__file__).parents[1] / "unit" / "feeds"


def read_all(bootstrap: str, topic: str) -> list:
    c = kafka_read.consumer(bootstrap)
    try:
        ends = kafka_read.true_ends(c, kafka_read.partitions(c, topic))
        return list(kafka_read.read_range(c, {}, ends))
    finally:
        c.close()


def test_raw_feed_messages_arrive_on_carrier_scan_keyed_and_bad_ones_in_the_dlq(tmp_path):
    # Two pushes of one parcel (the second repeats the first's history), one with a yearless
    # time, one truncated; then a ZTO push.
    payloads = (FIXTURES / "kuaidi100_sto_pushes.jsonl").read_bytes().splitlines()
    payloads.append(orjson.dumps(orjson.loads((FIXTURES / "kuaidi100_zto_push.json").read_bytes())))
    expected = Counter((scan_key(s), orjson.dumps(s)) for p in payloads for s in convert_feed("kuaidi100", p).scans)
    assert sum(expected.values()) == 2 + 4 + 7

    dep = Deployment(tmp_path)
    try:
        create_topics(dep.broker.bootstrap, [FEED], PARTITIONS)
        dep.start_worker(extra_env={"SHIPGUARD_FEED_TOPICS": f"kuaidi100:{FEED}"})
        producer = make_producer(dep.broker.bootstrap)
        for raw in payloads:
            producer.send(FEED, value=raw, partition=0)       # one partition: offsets 0..4 in this order
        producer.flush()
        producer.close()

        bootstrap = dep.broker.bootstrap
        dep.wait_for(lambda: len(read_all(bootstrap, "carrier-scan")) >= sum(expected.values()), 120,
                     "the converted scans on carrier-scan")
        got = Counter((r.key.decode(), r.value) for r in read_all(bootstrap, "carrier-scan"))
        assert got == expected

        dep.wait_for(lambda: len(read_all(bootstrap, DLQ)) >= 2, 60, "the feed's dead letters")
        dead = [orjson.loads(r.value) for r in read_all(bootstrap, DLQ)]
        # Only the feed's two bad payloads: every converted scan was a usable carrier-scan for the worker.
        assert sorted((d["topic"], d["offset"], d["reason"]) for d in dead) == [(FEED, 2, "bad_time"),
                                                                                (FEED, 3, "not_json")]
    finally:
        dep.close()
