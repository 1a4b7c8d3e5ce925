"""Every use of faust-streaming's private internals, and every patch of it, lives here.

faust-streaming 0.15 only (`check_version`): each piece names the failure it answers.
A test (tests/unit/test_faust_compat.py) fails when another module reaches into Faust.
`install()` patches the classes once, from `create_app`, never at import.
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from typing import Any

import faust
from aiokafka import errors as kafka_errors
from aiokafka.client import AIOKafkaClient, ConnectionGroup
from aiokafka.consumer.group_coordinator import GroupCoordinator
from aiokafka.protocol.group import JoinGroupRequest
from faust import current_event
from faust.types import TP
from faust.tables.recovery import Recovery
from faust.transport.consumer import Consumer
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread, credentials_to_aiokafka_auth, server_list
from faust.transport.drivers.aiokafka import Consumer as AIOKafkaConsumer
from faust.transport.producer import ProducerBuffer
from faust.utils.functional import consecutive_numbers
from mode.services import WaitResults

from . import reconnect
from .true_end import true_ends

log = logging.getLogger(__name__)
SUPPORTED = "0.15."
_PATCHED = "_shipguard_patched"


def check_version() -> None:
    if not faust.__version__.startswith(SUPPORTED):
        raise RuntimeError(f"faust-streaming {faust.__version__} is not supported: stream/service/faust_compat.py "
                           f"patches {SUPPORTED}x internals")


def install() -> None:
    check_version()
    if getattr(ProducerBuffer, _PATCHED, False):
        return
    _durable_flush()
    Consumer._new_offset = _new_offset
    Consumer.wait_first = _eager_wait_first(Consumer.wait_first)
    Recovery._build_highwaters = _build_highwaters
    _fetch_wait_from_app()
    _reconnect_backoff()
    _commit_only_as_member()
    _commit_only_unrebalanced()
    setattr(ProducerBuffer, _PATCHED, True)


def _fetch_wait_from_app() -> None:
    """Faust hard-codes fetch_max_wait_ms=1500 for the worker's consumer; an app that sets
    `fetch_max_wait_ms` (create_app, from the settings) gets its own."""
    create = AIOKafkaConsumerThread._create_worker_consumer

    def create_worker_consumer(self, transport):
        consumer = create(self, transport)
        wait = getattr(self.app, "fetch_max_wait_ms", None)
        if wait is not None:
            consumer._fetch_max_wait_ms = wait     # read by aiokafka when start() builds its Fetcher
        return consumer
    AIOKafkaConsumerThread._create_worker_consumer = create_worker_consumer


def _reconnect_backoff() -> None:
    """aiokafka's client connects again at every request while a broker is down: ~110 error
    lines/s and 9 % of a core with the broker killed (issue 12). Each new connection goes through
    reconnect.py, which spaces the tries 1 s to 30 s apart; a connection already up is untouched."""
    get_conn = AIOKafkaClient._get_conn

    async def spaced_get_conn(self, node_id, *, group=ConnectionGroup.DEFAULT, no_hint=False):
        def now():
            return get_conn(self, node_id, group=group, no_hint=no_hint)
        conn = self._conns.get((node_id, group))
        broker = None if conn is not None and conn.connected() else self.cluster.broker_metadata(node_id)
        if broker is None:                         # up, or unknown to the metadata: aiokafka's answer
            return await now()
        return await reconnect.connect(reconnect.BROKERS, f"{broker.host}:{broker.port}", now)
    AIOKafkaClient._get_conn = spaced_get_conn
    reconnect.quiet_aiokafka()


def _commit_only_as_member(coordinator=GroupCoordinator) -> None:
    """A commit begun before a rebalance waits out a lost broker, then aiokafka sends it with the
    generation of that moment. Left alone it went out as member "" of generation -1, which a
    broker takes as a standalone commit into an empty group: seen on Tansu restarted empty, the
    old positions committed into the new group, and the new input below them never read. Kafka's
    own consumer fails such a commit ("not part of an active group"); so does this, and a commit
    whose assignment a rebalance replaced (its offsets belong to the old one). aiokafka raises
    CommitFailedError ("already rebalanced"), which Faust takes as a commit not made."""
    send = coordinator._do_commit_offsets

    async def do_commit_offsets(self, assignment, offsets):
        if offsets and (self.member_id == JoinGroupRequest.UNKNOWN_MEMBER_ID or not assignment.active):
            raise kafka_errors.UnknownMemberIdError(self.group_id)
        return await send(self, assignment, offsets)
    coordinator._do_commit_offsets = do_commit_offsets


_COMMIT: contextvars.ContextVar[dict | None] = contextvars.ContextVar("shipguard_commit", default=None)


def _commit_only_unrebalanced(consumer_class=Consumer, driver=AIOKafkaConsumer) -> None:
    """Faust's `_commit_offsets` picks the offsets, then flushes the producer, then commits, and
    books them as committed even when the commit failed. Seen with Tansu killed: the flush waited
    out the outage, a rebalance came in between, and the old positions were booked (and sent)
    for the new assignment, so the worker sought past the new input. Offsets picked before a
    rebalance are not committed after it, nor booked."""
    commit_offsets, commit = consumer_class._commit_offsets, driver._commit
    revoked = consumer_class.on_partitions_revoked

    async def on_partitions_revoked(self, tps):
        self._sg_rebalances = getattr(self, "_sg_rebalances", 0) + 1
        return await revoked(self, tps)

    async def counted_commit_offsets(self, offsets, start_new_transaction=True):
        this = {"begun": getattr(self, "_sg_rebalances", 0), "books": None}
        token = _COMMIT.set(this)
        try:
            did = await commit_offsets(self, offsets, start_new_transaction=start_new_transaction)
        finally:
            _COMMIT.reset(token)
        if this["books"] is None:
            return did
        for tp, offset in this["books"].items():    # as the rebalance left them
            if offset is None:
                self._committed_offset.pop(tp, None)
            else:
                self._committed_offset[tp] = offset
        return False

    async def commit_unless_rebalanced(self, offsets):
        this = _COMMIT.get()
        if this is not None and this["begun"] != getattr(self, "_sg_rebalances", 0):
            this["books"] = {tp: self._committed_offset.get(tp) for tp in offsets}
            return False
        return await commit(self, offsets)
    consumer_class.on_partitions_revoked = on_partitions_revoked
    consumer_class._commit_offsets = counted_commit_offsets
    driver._commit = commit_unless_rebalanced


def without_spinner(worker) -> None:
    """Faust's terminal spinner sets the root logger to DEBUG so that it spins on every record,
    at any log level from WARNING up: every aiokafka and Faust debug line was built and then
    dropped (13 % of a worker's time under load)."""
    worker.spinner = None


# -- reading the consumer's bookkeeping -------------------------------------------------------

def highwater(consumer, tp) -> int | None:
    """The fetch high watermark of tp; None until fetched (Faust raises then)."""
    try:
        return consumer.highwater(tp)
    except Exception:
        return None


def committed_offset(consumer, tp) -> int | None:
    """The next offset the group has committed for tp (None: nothing yet)."""
    return getattr(consumer, "_committed_offset", {}).get(tp)


def note_first_offset(consumer, tp, offset: int) -> None:
    """Where a partition with nothing committed starts. Faust keeps a committed 0 as None, and
    with None `_new_offset` cannot tell an unacked first message from none."""
    if not hasattr(consumer, "_sg_first_offset"):
        consumer._sg_first_offset = {}
    consumer._sg_first_offset[tp] = offset


def forget_gaps_from(consumer, tp, offset: int) -> None:
    """Faust counts a jump back to a hole as a gap and would commit past it."""
    gaps = consumer._gap.get(tp)
    if gaps:
        gaps.chop(offset, 2 ** 62)


def recovered(app) -> asyncio.Event:
    """Set once Faust has recovered the tables and sought the stream partitions; never cleared by Faust."""
    return app.tables.recovery.completed


async def beginning_offset(consumer, tp) -> int:
    thread = consumer._thread

    async def ask() -> int:
        return (await thread._ensure_consumer().beginning_offsets([tp]))[tp]
    return await thread.call_thread(ask)


async def seek(consumer, tp, offset: int) -> None:
    """In the consumer's own thread: Faust's `seek` calls aiokafka from this one, and
    aiokafka's fetcher, woken from the wrong event loop, never fetches again. Faust's read
    offset is reset too, or it drops the re-read records as already read."""
    thread = consumer._thread

    async def seek_there() -> None:
        thread._ensure_consumer().seek(tp, offset)
    await thread.call_thread(seek_there)
    consumer._read_offset[tp] = offset
    # Fetched again only if Faust counts it active: its flow control takes a partition out
    # while a stream's queue is full, and a rebalance in between can leave it out for good.
    consumer._buffered_partitions.discard(tp)
    if tp in consumer.assignment() and tp not in consumer._paused_partitions:
        consumer._get_active_partitions().add(tp)


# -- table writes ---------------------------------------------------------------------------------

class BatchedTable:
    """A Faust table whose writes reach the store and the changelog when persist.py says (`send`).

    Faust sends each table write through its producer buffer, which drains one message at a
    time: a batch of writes filled it ("producer buffer full") and the agent waited for it to
    drain. Here a write waits in `staged` (reads see it) and in a list until `take` hands it to
    persist.py, which sends it in the order a kill -9 cannot break. The store is written then
    too: a RocksDB store outlives a kill -9, and a state written there before its batch's
    messages were delivered would make the re-read inputs change nothing. The key and value
    bytes are the ones Faust writes, so recovery reads them as before."""

    def __init__(self, app, table, on_failed=None):
        self.app, self.table, self.name = app, table, table.name
        self.on_failed = on_failed                  # called with the changelog's name when a record was not delivered
        self.pending: list[tuple[int, Any, Any]] = []
        self.staged: dict = {}                      # key -> value, or None once popped

    def get(self, key, default=None):
        value = self.staged.get(key, _MISSING)
        if value is _MISSING:
            return self.table.get(key, default)
        return default if value is None else value

    def items(self):
        staged = self.staged
        for key, value in self.table.items():
            if key not in staged:
                yield key, value
        for key, value in list(staged.items()):
            if value is not None:
                yield key, value

    def __len__(self) -> int:
        return len(self.table)           # the store's: a metric, not a decision

    def __setitem__(self, key, value) -> None:
        self.staged[key] = value
        self.pending.append((self._partition(), key, value))

    def pop(self, key, default=None):
        value = self.get(key, _MISSING)
        if value is _MISSING:
            return default
        self.staged[key] = None
        self.pending.append((self._partition(), key, None))
        return value

    def _partition(self) -> int:
        event = current_event()
        if event is None:                  # as Faust: a table changes only while an agent takes a message
            raise RuntimeError(f"table {self.name} written outside of an agent")
        return event.message.partition

    def take(self) -> list[tuple[int, Any, Any]]:
        """The writes since the last take: (partition, key, value or None)."""
        pending, self.pending = self.pending, []
        return pending

    async def send(self, records) -> None:
        table, topic, staged = self.table, self.table.changelog_topic, self.staged
        name = topic.get_topic_name()
        for partition, key, value in records:
            _store_write(table.data, partition, key, value)
            if staged.get(key, _MISSING) is value:
                del staged[key]            # else written again since: that write is still to come
            key_bytes, _ = topic.prepare_key(key, table.key_serializer)
            if value is not None:
                value, _ = topic.prepare_value(value, table.value_serializer)
            delivery = await self.app.producer.send(name, key_bytes, value, partition, None, None)
            delivery.add_done_callback(functools.partial(_persisted, table.data, TP(name, partition), self.on_failed))


def _store_write(store, partition: int, key, value) -> None:
    """A write outside of an agent: Faust's RocksDB store takes the partition's database from
    the current event, and there is none in persist.py's task."""
    if value is None:
        try:
            del store[key]
        except KeyError:
            pass
    elif hasattr(store, "_db_for_partition"):
        key_bytes = store._encode_key(key)
        store._key_index[key_bytes] = partition
        store._db_for_partition(partition).put(key_bytes, store._encode_value(value))
    else:
        store[key] = value


_MISSING = object()


def _persisted(store, tp, on_failed, delivery) -> None:
    """What Faust's `_on_changelog_sent` keeps: the offset a RocksDB table holds data through;
    a record not delivered is told to `on_failed` (shipguard_send_errors_total)."""
    if delivery.cancelled():
        return
    if delivery.exception() is None:
        store.set_persisted_offset(tp, delivery.result().offset)
    elif on_failed is not None:
        on_failed(tp.topic)


# -- patches ------------------------------------------------------------------------------------

def _new_offset(self, tp):
    """Faust 0.15's commit bookkeeping (`Consumer._new_offset`) with its off-by-one fixed (#606).

    Faust refuses a commit only when `min(acked) - committed > 1`, and not at all when the
    committed offset is 0 (which it keeps as None); the committed offset is the next one to
    read, so one unacked head message was committed past. Here any unacked head holds the
    commit back; with nothing committed, the partition's first offset (note_first_offset)
    stands for it. An offset that does not exist at the committed position (a record removed by
    retention while the group was away) would hold commits back for good: not on these topics,
    which are neither compacted nor transactional."""
    acked = self._acked[tp]
    if not acked:
        return None
    max_offset = max(acked)
    gap_for_tp = self._gap[tp]
    if gap_for_tp:
        candidates = sorted(gap_for_tp.overlap(0, max_offset), key=lambda x: x.begin)
        if candidates:
            stuff_to_add: list[int] = []
            for entry in candidates:
                stuff_to_add.extend(range(entry.begin, entry.end))
            new_max_offset = max(stuff_to_add[-1], max_offset + 1)
            acked.extend(stuff_to_add)
            gap_for_tp.chop(0, new_max_offset)
    acked.sort()
    committed = self._committed_offset[tp]
    if committed is None:             # nothing committed yet: from the first offset, where known
        committed = getattr(self, "_sg_first_offset", {}).get(tp)
    if committed is not None and acked[0] > committed:
        return None                   # the message at `committed` is not acked yet
    batch = next(consecutive_numbers(acked))
    acked[: len(batch)] = []
    self._acked_index[tp].difference_update(batch)
    return batch[-1] + 1


async def _build_highwaters(self, consumer, tps, destination, title) -> None:
    """Faust's `Recovery._build_highwaters`, reading to the true end of each changelog.

    Faust trusts ListOffsets(LATEST); Tansu answers the base offset of the newest batch + 1,
    so recovery stopped early and lost the last updates of batched changelogs (998 of 1 000
    seen). The fetch response's high watermark is right on Tansu and on Kafka alike."""
    answers = await consumer.highwaters(*tps)
    app, conf = self.app, self.app.conf
    ends = await true_ends(answers, server_list(app.transport.url, app.transport.default_port),
                           credentials_to_aiokafka_auth(conf.broker_credentials, conf.ssl_context),
                           timeout=conf.broker_request_timeout)
    highwaters = {tp: value - 1 if value is not None else -1 for tp, value in ends.items()}
    self.log.info("Highwater for %s changelog partitions: %s", title,
                  ", ".join(f"{tp.topic}/{tp.partition}={v}" for tp, v in sorted(highwaters.items())))
    destination.clear()
    destination.update(highwaters)


def _eager_wait_first(slow):
    """`Consumer.wait_first` that first runs the leading coroutine without a task.

    Faust's fetch loop hands every record over as `wait_first(callback(message), suspend_flow.wait())`,
    and mode's wait_first makes four tasks and cancels three per call: 24 % of a loaded worker's
    event loop (py-spy, issue 11). The callback almost never blocks (only on a full stream
    queue), so it is stepped once here; only when it does block does the original run, on the
    rest of it, so a rebalance (`suspend_flow`) still interrupts a blocked delivery."""
    async def wait_first(self, *coros, timeout=None):
        first = coros[0] if coros else None
        if not asyncio.iscoroutine(first) or self._stopped.is_set() or self._crashed.is_set():
            return await slow(self, *coros, timeout=timeout)
        try:
            yielded = first.send(None)
        except BaseException as exc:
            for other in coros[1:]:
                if asyncio.iscoroutine(other):
                    other.close()             # never started: no "was never awaited" warning
            if isinstance(exc, StopIteration):
                return WaitResults([first], [exc.value], False)
            raise
        rest = resume(first, yielded)
        done = await slow(self, rest, *coros[1:], timeout=timeout)
        return WaitResults([first if c is rest else c for c in done.done], done.results, done.stopped)
    return wait_first


async def resume(coro, yielded):
    """The rest of a coroutine that was stepped once by hand and yielded `yielded` (what it
    waits on: a future, or None for a bare yield), run as a task would run it."""
    while True:
        try:
            await _Yield(yielded)
        except BaseException as exc:          # cancelled while waiting: the coroutine sees it
            try:
                yielded = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
            continue
        try:
            yielded = coro.send(None)
        except StopIteration as stop:
            return stop.value


class _Yield:
    __slots__ = ("what",)

    def __init__(self, what):
        self.what = what

    def __await__(self):
        yield self.what


def _durable_flush() -> None:
    """A producer flush that waits until every buffered message has been handed to the client.

    faust 0.15's `ProducerBuffer.flush` gives up once one message takes 0.1 s to leave the
    buffer. Faust's commit and shutdown rely on that flush: under load (~1 500 changelog writes
    buffered) the commit ran ahead of the changelog, and a restarted worker lacked inputs whose
    offsets were committed."""
    put, send_pending = ProducerBuffer.put, ProducerBuffer._send_pending

    def counted_put(self, fut) -> None:
        self._sg_put = getattr(self, "_sg_put", 0) + 1
        put(self, fut)

    async def counted_send(self, fut) -> None:
        try:
            await send_pending(self, fut)
        finally:
            self._sg_sent = getattr(self, "_sg_sent", 0) + 1

    async def flush(self) -> None:
        loop = asyncio.get_running_loop()
        warn_at = loop.time() + 10
        while getattr(self, "_sg_sent", 0) < getattr(self, "_sg_put", 0):
            if self.should_stop:
                left = self._sg_put - getattr(self, "_sg_sent", 0)
                raise RuntimeError(f"producer buffer stopped with {left} messages unsent")
            await asyncio.sleep(0.005)
            if loop.time() >= warn_at:
                warn_at += 10
                log.warning("producer flush still waiting: %d messages in the buffer", self.size)

    ProducerBuffer.put = counted_put
    ProducerBuffer._send_pending = counted_send
    ProducerBuffer.flush = flush
