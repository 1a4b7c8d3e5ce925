"""The agents and timers: thin loops that hand messages to the stages."""
from __future__ import annotations

import functools
import logging

import faust
import orjson
from faust.types import TP

from . import faust_compat, reconnect
from .app import Context
from .continuity import Continuity
from .rocks import table_options
from ..timeline import TimelineWriter
from .ingest import kafka_partitioner
from .topology import DLQ, ESCALATIONS, INPUT_TOPICS, UPSTREAM, VIOLATIONS
from .mark_plan import PROGRESS, mark_plan
from .persist import Persist
from .wiring import build, table_names, take

log = logging.getLogger(__name__)
MARK_INTERVAL = 0.1   # wall seconds between marks: pacing only, never a decision
TABLE_SIZE_INTERVAL = 5.0
HOLE_RETRY_INTERVAL = 0.5
SERVING_RETRY_INTERVAL = 1.0


def install(app, ctx: Context) -> None:
    s = ctx.settings
    schema = faust.Schema(key_type=str, value_type=bytes, key_serializer="json", value_serializer="raw")
    failed = ctx.metrics.send_error if ctx.metrics else None
    tables = {name: faust_compat.BatchedTable(app, app.Table(name, schema=schema, partitions=s.partitions,
                                                             options=table_options(s.store)), on_failed=failed)
              for name in table_names(ctx.policy)}

    persist = Persist(tables, lambda: app.producer.flush())
    if ctx.serving is not None:               # the case page's timelines (stream/timeline.py)
        ctx.timeline = TimelineWriter(ctx.serving, ctx.policy.retention_ms)

    async def send(stage: str, key: str, value: bytes) -> None:
        await _send(app, ctx.topics[stage], key.encode(), value)

    async def publish(v: dict) -> None:
        await _send(app, ctx.topics[VIOLATIONS], v["order_id"].encode(), orjson.dumps(v))

    async def escalate(e: dict) -> None:
        await _send(app, ctx.topics[ESCALATIONS], e["shop_id"].encode(), orjson.dumps(e))

    ctx.stages.update(build(ctx.policy, s.partitions, tables, send, publish, escalate, serving=ctx.serving,
                            metrics=ctx.metrics, published_before=lambda: ctx.published_before,
                            escalated_before=lambda: ctx.escalated_before, stopping=lambda: ctx.gate.stopping,
                            position=ctx.tracker.position, persist=persist, timeline=ctx.timeline))
    for stage in UPSTREAM:
        _stage_agent(app, ctx, stage, send)

    # Faust sets this after seeking the stream partitions to their committed offsets;
    # it never clears it, so a revocation does, and agents wait for the next seek.
    ctx.gate.ready = faust_compat.recovered(app)

    @app.on_partitions_revoked.connect
    async def wait_for_seek(app, revoked, **kwargs):
        faust_compat.recovered(app).clear()
        await ctx.gate.drain()           # an input applied after this would ack into cleared books
        await persist.drain()            # nor may a batch's writes reach the changelog after the new owner read it
        for continuity in ctx.continuity.values():
            continuity.reset()
        ctx.marks_sent.forget()              # the new owners of stage partitions must hear from every source
        # What this worker kept in memory of a revoked partition is stale even if the partition
        # comes back: another member may have taken inputs and committed in between. The tables
        # are the truth, so a partition is restored from them when it is read again.
        gone = {(tp.topic, tp.partition) for tp in revoked}
        for name, stage in ctx.stages.items():
            topic = ctx.topics[name].get_topic_name()
            for p in [p for p in stage.parts if (topic, p) in gone]:
                del stage.parts[p]
        ctx.tracker.forget({tp for tp in ctx.tracker.sources if tp not in gone})

    @app.on_before_shutdown.connect
    async def park_agents(app, **kwargs):
        await ctx.gate.close()
        await persist.drain()
        if ctx.timeline is not None:
            ctx.timeline.flush()

    @app.task
    async def write_tables():
        try:
            await persist.run()
        except Exception as exc:         # a changelog or message not delivered: nothing more may be acked
            log.exception("table writes failed")
            await app.crash(exc)

    @app.timer(MARK_INTERVAL)
    async def send_marks():
        await _send_marks(app, ctx)

    @app.timer(HOLE_RETRY_INTERVAL)
    async def retry_holes():
        # Records Faust dropped below its read offset get no message to trigger another seek.
        if reconnect.BROKERS.down:       # nothing comes from a broker that is away: that quiet is no hole
            for continuity in ctx.continuity.values():
                continuity.excuse_quiet()
        elif ctx.gate.ready is not None and ctx.gate.ready.is_set() and not ctx.gate.stopping:
            for continuity in ctx.continuity.values():
                continuity.retry_quiet(app.consumer)

    @app.timer(SERVING_RETRY_INTERVAL)
    async def catch_up_serving():
        # Writes queued while Redis was down go out when it is back, even if no new violation comes;
        # timeline entries read while no batch closed go out too.
        if ctx.timeline is not None:
            ctx.timeline.flush()
        if ctx.serving is not None and ctx.serving.pending:
            ctx.serving.flush_pending()

    @app.timer(TABLE_SIZE_INTERVAL)
    async def table_sizes():
        if ctx.metrics:
            for table in tables.values():
                ctx.metrics.table_size(table.name, len(table))


def _stage_agent(app, ctx: Context, stage_name: str, send) -> None:
    stage = ctx.stages[stage_name]
    reads = ctx.reads[stage_name]
    placement = kafka_partitioner(ctx.settings.partitions)

    async def dead(record: dict) -> None:
        await _send(app, ctx.topics[DLQ], None, orjson.dumps(record))

    @app.agent(reads, name=f"{stage_name}-stage")
    async def run(stream):
        # Manual acks: an input is acked once applied, so the group commits no offset past a
        # waiting input and a restarted worker reads it again (Kafka is the buffer).
        manual = stream.noack()
        continuity = ctx.continuity[stage_name] = Continuity(f"{stage_name} stage", frozenset(reads.topics))
        async for event in manual.events():
            await ctx.gate.enter()
            try:
                msg = event.message
                if await continuity.admit(app.consumer, msg):
                    reason = await take(stage, msg.topic, msg.partition, msg.offset, event.value,
                                        functools.partial(manual.ack, event), tracker=ctx.tracker,
                                        placement=placement, forward=send, dead=dead, timeline=ctx.timeline)
                    if ctx.metrics and msg.topic in INPUT_TOPICS:
                        ctx.metrics.dead_letter(reason) if reason else ctx.metrics.event_in(msg.topic)
                # A skipped message (taken before, or past a hole) is not acked: Faust acks by
                # offset, and an ack past a hole would let the group commit past its re-read copy.
            finally:
                ctx.gate.leave()


async def _send(app, topic, key: bytes | None, value: bytes, partition: int | None = None, on_error=None) -> None:
    """Straight to the producer: Faust's Topic.send wraps every message in futures, callbacks
    and a debug line (a fifth of the worker's time). Faust's commit flushes the producer first,
    so an offset is still committed only after what it caused was delivered."""
    name = topic.get_topic_name()
    delivery = await app.producer.send(name, key, value, partition, None, None)
    delivery.add_done_callback(functools.partial(_delivered, app, name, on_error))


def _delivered(app, topic: str, on_error, delivery) -> None:
    if not delivery.cancelled() and delivery.exception() is not None:
        log.error("a message was not delivered: %s", delivery.exception())
        metrics = getattr(getattr(app, "shipguard", None), "metrics", None)
        if metrics is not None:
            metrics.send_error(topic)
        if on_error is not None:
            on_error()                   # a mark its target never heard: send every mark again


def _assigned(app, topic: str) -> list[int]:
    return sorted(tp.partition for tp in app.consumer.assignment() if tp.topic == topic)


async def _broadcast(app, ctx: Context, target: str, marks: list[dict]) -> None:
    value = orjson.dumps({"k": "marks", "marks": marks})
    topic = ctx.topics[target]
    partitions = topic.partitions or ctx.settings.partitions
    for p in range(partitions):
        await _send(app, topic, None, value, p, on_error=ctx.marks_sent.forget)
    if ctx.metrics:
        ctx.metrics.marks_sent(target, partitions)


async def _send_marks(app, ctx: Context) -> None:
    """Every stage input hears from every platform partition and every upstream stage partition:
    one message per target partition, and only what moved since it last heard (mark_plan)."""
    consumer = app.consumer
    n = ctx.settings.partitions
    owned = [(t, p) for t in INPUT_TOPICS for p in _assigned(app, t)]
    ctx.tracker.forget(set(owned))

    def offsets(topic, p):
        tp = TP(topic, p)
        return faust_compat.highwater(consumer, tp), faust_compat.committed_offset(consumer, tp)   # None: not caught up

    def partitions_of(topic):
        return consumer.topic_partitions(topic) or n

    for name, stage in ctx.stages.items():
        mine = set(_assigned(app, ctx.topics[name].get_topic_name()))
        for p in [p for p in stage.parts if p not in mine]:
            del stage.parts[p]                     # revoked: the new owner takes it from here
    plan = mark_plan(ctx.tracker.marks(owned, partitions_of, offsets), ctx.stages, n)
    for target, marks in plan.items():
        marks = ctx.marks_sent.new(target, marks)
        if not marks:
            continue
        if target == PROGRESS:
            await app.producer.flush()             # violations reach the broker before the mark that covers them
        await _broadcast(app, ctx, target, marks)
