"""Faust's internals are touched in one module only, and its commit off-by-one is fixed there."""
from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from pathlib import Path

import faust
import orjson
import pytest
from intervaltree import IntervalTree

from stream.service import faust_compat

STREAM = Path(__file__).resolve().parents[2] / "stream"
INTERNALS = re.compile(r"(consumer|producer|app|tables?|recovery|thread)\._[a-z]|_committed_offset|_read_offset"
                       r"|\._acked\b|\._gap\b|faust\.(transport|tables|utils)|recovery\.completed")
SOURCES = sorted(p for p in STREAM.rglob("*.py") if "faust_compat" not in p.relative_to(STREAM).parts)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(STREAM)))
def test_no_module_but_the_compat_one_reaches_into_faust(path):
    hits = [f"{n}: {line.strip()}" for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
            if INTERNALS.search(line)]
    assert not hits, f"{path.name} touches Faust internals:\n" + "\n".join(hits)


def test_the_scan_sees_what_it_looks_for():
    assert INTERNALS.search("x = consumer._committed_offset.get(tp)")
    assert INTERNALS.search("from faust.transport.producer import ProducerBuffer")
    assert not INTERNALS.search("consumer.highwater(tp)")


class Books:
    """The slice of faust's Consumer that _new_offset reads and writes."""

    def __init__(self, committed, acked, gaps=()):
        self._committed_offset = defaultdict(lambda: None, {"tp": committed})
        self._acked = defaultdict(list, {"tp": list(acked)})
        self._acked_index = defaultdict(set, {"tp": set(acked)})
        self._gap = defaultdict(IntervalTree, {"tp": IntervalTree.from_tuples(gaps)})


@pytest.mark.parametrize("committed, acked, expected", [
    (10, [11, 12], None),         # 10 unacked: Faust 0.15 committed 13, past it
    (0, [1, 2], None),            # committed 0 was not checked at all
    (10, [10, 11, 12], 13),
    (10, [10, 11, 13], 12),       # up to the first gap in the acks
    (None, [5, 6], 7),            # nothing committed yet: the run of acks decides
    (13, [], None),
])
def test_an_unacked_head_holds_the_commit_back(committed, acked, expected):
    assert faust_compat._new_offset(Books(committed, acked), "tp") == expected


@pytest.mark.parametrize("first, expected", [(4, None), (5, 7)])
def test_with_nothing_committed_the_first_offset_holds_the_commit_back(first, expected):
    books = Books(None, [5, 6])       # a new group: Faust keeps the committed offset as None
    faust_compat.note_first_offset(books, "tp", first)
    assert faust_compat._new_offset(books, "tp") == expected


def test_known_gaps_still_count_as_acked():
    books = Books(10, [12, 13], gaps=[(10, 12)])     # 10 and 11 never exist (a compacted topic)
    assert faust_compat._new_offset(books, "tp") == 14


def test_another_faust_version_is_refused(monkeypatch):
    monkeypatch.setattr(faust, "__version__", "0.16.0")
    with pytest.raises(RuntimeError, match="0.16.0 is not supported"):
        faust_compat.check_version()


def test_the_worker_consumer_waits_for_fetches_as_the_settings_say():
    """Faust fixes 1 500 ms; on Tansu that held every stage hop about half a second."""
    from stream.policies import load_policy
    from stream.service.app import create_app
    from stream.settings import Settings

    for wait in (100, 700):
        app = create_app(Settings(app_id=f"wait{wait}", fetch_max_wait_ms=wait), load_policy("seed-v1"))

        async def make():           # aiokafka builds its consumer inside a running loop
            return app.consumer._thread._create_worker_consumer(app.transport)
        assert asyncio.run(make())._fetch_max_wait_ms == wait


def test_standby_replicas_are_none_unless_the_settings_ask():
    """Faust's default, one standby, had each worker read the other workers' changelogs."""
    from stream.policies import load_policy
    from stream.service.app import create_app
    from stream.settings import Settings, from_env

    assert from_env({}).standby_replicas == 0
    assert from_env({"SHIPGUARD_STANDBY_REPLICAS": "2"}).standby_replicas == 2
    for n in (0, 1):
        app = create_app(Settings(app_id=f"standby{n}", standby_replicas=n), load_policy("seed-v1"))
        assert app.conf.table_standby_replicas == n


class _Delivery:
    def add_done_callback(self, callback):
        pass


class _Producer:
    def __init__(self):
        self.sent = []

    async def send(self, topic, key, value, partition, timestamp, headers):
        self.sent.append((topic, key, value, partition))
        return _Delivery()


class _Event:
    def __init__(self, partition):
        self.message = type("Message", (), {"partition": partition})()


@pytest.mark.parametrize("store", ["memory://", "rocksdb://"])
def test_a_batched_write_reaches_the_store_and_changelog_only_when_sent(store, tmp_path, monkeypatch):
    """A RocksDB store outlives kill -9: a state must not be there before persist.py sends it."""
    app = faust.App("compat-test", store=store, datadir=str(tmp_path), autodiscover=False, web_enabled=False)
    schema = faust.Schema(key_type=str, value_type=bytes, key_serializer="json", value_serializer="raw")
    table = app.Table("t", schema=schema, partitions=4)
    producer = _Producer()
    batched = faust_compat.BatchedTable(type("App", (), {"producer": producer})(), table)
    monkeypatch.setattr(faust_compat.tables, "current_event", lambda: _Event(2))
    batched["a"] = b'{"v":1}'
    batched["b"] = b'{"v":2}'
    assert batched.pop("b") == b'{"v":2}' and batched.get("b") is None
    assert batched.get("a") == b'{"v":1}' and dict(batched.items()) == {"a": b'{"v":1}'}
    assert stored(table, "a") is None and producer.sent == []           # nothing out yet
    records = batched.take()
    batched["a"] = b'{"v":3}'                                 # written again before the first write is sent
    monkeypatch.setattr(faust_compat.tables, "current_event", lambda: None)     # persist.py's task: no event
    asyncio.run(batched.send(records))
    assert stored(table, "a") == {"v": 1} and batched.get("a") == b'{"v":3}'     # the newer write still waits
    assert [(p, v) for _, _, v, p in producer.sent] == [(2, b'{"v":1}'), (2, b'{"v":2}'), (2, None)]
    asyncio.run(batched.send(batched.take()))
    assert stored(table, "a") == {"v": 3} and stored(table, "b") is None and batched.staged == {}


def stored(table, key):
    """What the store gives back: the RocksDB store decodes JSON values, the memory one keeps bytes."""
    value = table.data.get(key)
    return orjson.loads(value) if isinstance(value, bytes) else value


def test_the_worker_consumer_prefetches_per_partition_what_the_settings_say():
    """At Faust's 1 MiB a stage's marks queued behind seconds of fetched platform records."""
    from stream.policies import load_policy
    from stream.service.app import create_app
    from stream.settings import Settings, from_env

    assert from_env({}).fetch_partition_bytes == 131_072
    assert from_env({"SHIPGUARD_FETCH_PARTITION_BYTES": "65536"}).fetch_partition_bytes == 65_536
    for size in (65_536, 1_048_576):
        app = create_app(Settings(app_id=f"fetch{size}", fetch_partition_bytes=size), load_policy("seed-v1"))

        async def make():
            return app.consumer._thread._create_worker_consumer(app.transport)
        assert asyncio.run(make())._max_partition_fetch_bytes == size


def test_a_seek_keeps_faust_partitions_in_faust_bookkeeping():
    """A message's tp is aiokafka's TopicPartition; put into Faust's active partitions as it was,
    it failed Faust's `assert isinstance(x, TP)` on the fetcher's next call and crashed the worker."""
    from aiokafka.structs import TopicPartition
    from faust.types import TP

    class Thread:
        def _ensure_consumer(self):
            return self

        def seek(self, tp, offset):
            self.sought = (tp, offset)

        async def call_thread(self, fun):
            return await fun()

    class Consumer:
        _thread, _read_offset, _buffered_partitions, _paused_partitions = Thread(), {}, set(), set()
        active: set = set()                           # flow control had taken the partition out

        def assignment(self):
            return {TP("carrier-scan", 3)}

        def _get_active_partitions(self):
            assert all(isinstance(x, TP) for x in self.active)   # Faust's own check
            return self.active

    consumer = Consumer()
    asyncio.run(faust_compat.seek(consumer, TopicPartition("carrier-scan", 3), 17))
    assert consumer.active == {TP("carrier-scan", 3)} and all(type(x) is TP for x in consumer.active)
    assert [type(k) for k in consumer._read_offset] == [TP] and consumer._read_offset[TP("carrier-scan", 3)] == 17
    consumer._get_active_partitions()
