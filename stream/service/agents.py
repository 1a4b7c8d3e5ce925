"""The agents and timers: thin loops that hand messages to the stages."""
from __future__ import annotations

import faust
import orjson
from faust.types import TP

from . import faust_compat
from .app import Context, frontier_factory, order_key
from .codec import encode
from .continuity import Continuity
from .handlers import PenaltyHandler, SideHandler, key_of
from .ingest import route
from .marks import mark_doc
from .rocks import table_options
from .shop_escalations import ShopEscalations
from .stage import NEVER, Stage, Tables
from .topics import DLQ, ESCALATIONS, FED_BY_INGEST, INPUT_TOPICS, PENALTY, UPSTREAM, VIOLATIONS

MARK_INTERVAL = 0.25   # wall seconds between marks: pacing only, never a decision
TABLE_SIZE_INTERVAL = 5.0
HOLE_RETRY_INTERVAL = 0.5
SERVING_RETRY_INTERVAL = 1.0


def install(app, ctx: Context) -> None:
    s = ctx.settings
    schema = faust.Schema(key_type=str, value_type=bytes, key_serializer="json", value_serializer="raw")
    tables = {stage: app.Table(f"{stage}-state", schema=schema, partitions=s.partitions,
                               options=table_options(s.store)) for stage in UPSTREAM}
    stage_tables = {stage: Tables(*(app.Table(f"{stage}-{kind}", schema=schema, partitions=s.partitions,
                                              options=table_options(s.store))
                                    for kind in ("timers", "pending", "progress")))
                    for stage in UPSTREAM}

    async def send(stage: str, key: str, value: bytes) -> None:
        await ctx.topics[stage].send(key=key.encode(), value=value)

    async def publish(v: dict) -> None:
        await ctx.topics[VIOLATIONS].send(key=v["order_id"].encode(), value=orjson.dumps(v))

    escalations = None
    if ctx.policy.escalations:             # seed-v1 has none: no table, no writes
        tables["escalations"] = app.Table("penalty-escalations", schema=schema, partitions=s.partitions,
                                          options=table_options(s.store))

        async def escalate(e: dict) -> None:
            await ctx.topics[ESCALATIONS].send(key=e["shop_id"].encode(), value=orjson.dumps(e))
        escalations = ShopEscalations(tables["escalations"], ctx.policy, escalate, ctx.metrics,
                                      already=lambda: ctx.escalated_before)

    for stage in UPSTREAM:
        handler = (PenaltyHandler(tables[stage], ctx.policy, publish, ctx.serving, ctx.metrics,
                                  already=lambda: ctx.published_before, escalations=escalations) if stage == PENALTY
                   else SideHandler(stage, tables[stage], ctx.policy, send))
        ctx.stages[stage] = Stage(stage, handler, stage_tables[stage], frontier_factory(stage, s.partitions),
                                  order_key(stage), ctx.metrics, stopping=lambda: ctx.gate.stopping)
        _stage_agent(app, ctx, stage)

    @app.agent(ctx.topics["ingest"], name="ingest")
    async def ingest(stream):
        # Acked as soon as forwarded: an auto-ack would wait for the next message,
        # leaving the last one of a quiet input uncommitted.
        manual = stream.noack()
        continuity = ctx.continuity["ingest"] = Continuity("ingest", frozenset(INPUT_TOPICS))
        async for event in manual.events():
            await ctx.gate.enter()
            try:
                if await continuity.admit(app.consumer, event.message):
                    await _ingest_one(ctx, event, send)
                await manual.ack(event)
            finally:
                ctx.gate.leave()

    # Faust sets this after seeking the stream partitions to their committed offsets;
    # it never clears it, so a revocation does, and agents wait for the next seek.
    ctx.gate.ready = faust_compat.recovered(app)

    @app.on_partitions_revoked.connect
    async def wait_for_seek(app, revoked, **kwargs):
        faust_compat.recovered(app).clear()
        for continuity in ctx.continuity.values():
            continuity.reset()
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

    @app.timer(MARK_INTERVAL)
    async def send_marks():
        await _send_marks(app, ctx)

    @app.timer(HOLE_RETRY_INTERVAL)
    async def retry_holes():
        # Records Faust dropped below its read offset get no message to trigger another seek.
        if ctx.gate.ready is not None and ctx.gate.ready.is_set() and not ctx.gate.stopping:
            for continuity in ctx.continuity.values():
                continuity.retry_quiet(app.consumer)

    @app.timer(SERVING_RETRY_INTERVAL)
    async def catch_up_serving():
        # Writes queued while Redis was down go out when it is back, even if no new violation comes.
        if ctx.serving is not None and ctx.serving.pending:
            ctx.serving.flush_pending()

    @app.timer(TABLE_SIZE_INTERVAL)
    async def table_sizes():
        if ctx.metrics:
            for table in (*tables.values(), *(t for st in stage_tables.values() for t in vars(st).values())):
                ctx.metrics.table_size(table.name, len(table))


async def _ingest_one(ctx: Context, event, send) -> None:
    msg = event.message
    kind, item, reason = route(msg.topic, msg.partition, msg.offset, event.value)
    if kind == "dead":
        await ctx.topics[DLQ].send(value=orjson.dumps(item))
        if ctx.metrics:
            ctx.metrics.dead_letter(reason)
        ctx.tracker.seen(msg.topic, msg.partition, msg.offset, None)
        return
    await send("parcel" if item.topic == "carrier-scan" else "order", key_of(item), encode(item))
    if ctx.metrics:
        ctx.metrics.event_in(msg.topic)
    ctx.tracker.seen(msg.topic, msg.partition, msg.offset, item.time)


def _stage_agent(app, ctx: Context, stage_name: str) -> None:
    stage = ctx.stages[stage_name]

    @app.agent(ctx.topics[stage_name], name=f"{stage_name}-stage")
    async def run(stream):
        continuity = ctx.continuity[stage_name] = Continuity(
            f"{stage_name} stage", frozenset({ctx.topics[stage_name].get_topic_name()}))
        async for event in stream.events():
            await ctx.gate.enter()
            try:
                if await continuity.admit(app.consumer, event.message):
                    await stage.take(event)
            finally:
                ctx.gate.leave()


def _assigned(app, topic: str) -> list[int]:
    return sorted(tp.partition for tp in app.consumer.assignment() if tp.topic == topic)


async def _broadcast(ctx: Context, target: str, marks: list[dict]) -> None:
    if not marks:
        return
    value = orjson.dumps({"k": "marks", "marks": marks})
    topic = ctx.topics[target]
    partitions = 1 if target == "progress" else ctx.settings.partitions
    for p in range(partitions):
        await topic.send(value=value, partition=p)


async def _send_marks(app, ctx: Context) -> None:
    """Every stage input hears from every platform partition and every upstream stage partition."""
    consumer = app.consumer
    n = ctx.settings.partitions
    owned = [(t, p) for t in INPUT_TOPICS for p in _assigned(app, t)]
    ctx.tracker.forget(set(owned))

    def offsets(topic, p):
        tp = TP(topic, p)
        try:
            hw = consumer.highwater(tp)
        except Exception:          # not fetched yet: unknown, so not caught up
            hw = None
        return hw, faust_compat.committed_offset(consumer, tp)

    def partitions_of(topic):
        return consumer.topic_partitions(topic) or n

    ingest_marks = ctx.tracker.marks(owned, partitions_of, offsets)
    for target in (*FED_BY_INGEST, "progress"):       # progress: how far the input is read, for collect
        await _broadcast(ctx, target, ingest_marks)
    for name, stage in ctx.stages.items():
        mine = set(_assigned(app, ctx.topics[name].get_topic_name()))
        for p in [p for p in stage.parts if p not in mine]:
            del stage.parts[p]                     # revoked: the new owner takes it from here
        marks = [mark_doc(f"stage:{name}", p, n, part.through, part.frontier.max_seen() or part.through,
                          part.frontier.idle())
                 for p, part in sorted(stage.parts.items()) if part.through > NEVER]
        downstream = [d for d, ups in UPSTREAM.items() if name in ups] or ["progress"]
        if "progress" in downstream:
            await app.producer.flush()             # violations reach the broker before the mark that covers them
        for target in downstream:
            await _broadcast(ctx, target, marks)
