"""The Faust app, built by a function so tests can make a fresh one.

    order-paid, tracking-uploaded --order--> parcel-in --parcel--> pickup-in --pickup-->
    carrier-scan -----------------------------^      \\______________\\__> penalty-in --penalty--> violations
The order and parcel stages read the platform topics keyed as they key their state
(topology.DIRECT); each other arrow is a topic keyed for the stage it feeds. Marks
travel on the stage topics (stream/service/marks.py). Nothing runs at import.
"""
from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field

import faust

from detectors.policy import Policy

from . import faust_compat
from .ingest import IngestTracker
from ..kafka_security import faust_credentials
from .mark_plan import PROGRESS, MarkFilter
from ..settings import Settings
from .stage import Stage
from .topology import (DLQ, ESCALATIONS, UPSTREAM, VIOLATIONS, progress_topic, read_topics, stage_topic,
                       topic_specs)


@dataclass
class Context:
    """Everything the agents share, reachable from tests as app.shipguard."""

    settings: Settings
    policy: Policy
    metrics: object = None
    serving: object = None
    tracker: IngestTracker | None = None
    stages: dict[str, Stage] = field(default_factory=dict)
    topics: dict[str, faust.TopicT] = field(default_factory=dict)
    gate: "AgentGate" = field(default_factory=lambda: AgentGate())
    reads: dict[str, faust.TopicT] = field(default_factory=dict)   # stage -> what its agent reads
    continuity: dict = field(default_factory=dict)        # agent name -> its Continuity
    published_before: set = field(default_factory=set)     # violation ids on the topic at start
    escalated_before: set = field(default_factory=set)     # escalation ids on shop-escalations at start
    marks_sent: MarkFilter = field(default_factory=MarkFilter)
    timeline: object = None                   # TimelineWriter when there is a serving view (agents.install)


class AgentGate:
    """When agents may take a message.

    At start and after a rebalance, only once Faust has sought the stream partitions
    to their committed offsets: Faust resumes the partitions before that seek, and a
    message taken in between let the group commit past messages that the seek then
    skipped (seen: three or four messages a partition lost across a restart).

    At shutdown, never again: Faust flushes its producer before it stops the agents,
    then commits what they acked. So every agent parks at its next message, unacked,
    and the flush waits until none is half-way through one."""

    def __init__(self):
        self.stopping = False
        self.busy = 0
        self.ready = None                         # an event set once the seek is done (agents.install)

    async def enter(self) -> None:
        if self.ready is not None and not self.ready.is_set():
            await self.ready.wait()
        if self.stopping:
            await asyncio.Event().wait()           # parked until cancelled: this message stays unacked
        self.busy += 1

    def leave(self) -> None:
        self.busy -= 1

    async def close(self, timeout: float = 15.0) -> None:
        self.stopping = True
        await self.drain(timeout)

    async def drain(self, timeout: float = 15.0) -> None:
        """Wait until no agent is half-way through a message."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.busy and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)


def make_faust(settings: Settings) -> faust.App:
    options = dict(
        broker=settings.broker, store=settings.store, topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor, broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=max(0.25, settings.session_timeout / 4),
        consumer_auto_offset_reset="earliest", web_enabled=False, web_bind="127.0.0.1",
        web_host="127.0.0.1", autodiscover=False, broker_commit_interval=1.0,
        stream_wait_empty=False,   # inputs wait unacked for the watermark: never wait for them to drain
        table_standby_replicas=settings.standby_replicas,
        consumer_max_fetch_size=settings.fetch_partition_bytes,
        datadir=settings.data_dir or tempfile.mkdtemp(prefix="shipguard-"),
    )
    credentials = faust_credentials(settings)          # SASL/TLS from SHIPGUARD_KAFKA_* (None: plaintext)
    if credentials is not None:
        options["broker_credentials"] = credentials
    return faust.App(settings.app_id, **options)


def create_app(settings: Settings, policy: Policy, metrics=None, serving=None) -> faust.App:
    from .agents import install
    from .feed_agent import install_feeds

    faust_compat.install()
    app = make_faust(settings)
    app.fetch_max_wait_ms = settings.fetch_max_wait_ms         # faust_compat hands it to the consumer
    ctx = Context(settings, policy, metrics, serving, IngestTracker(settings.lateness_ms, settings.idle_seconds))
    raw = dict(key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
    specs = {spec.name: spec for spec in topic_specs(settings.app_id, settings.partitions)}

    def declare(name: str) -> faust.TopicT:
        return app.topic(name, partitions=specs[name].partitions, **raw)
    for stage in UPSTREAM:
        ctx.topics[stage] = declare(stage_topic(settings.app_id, stage))
        ctx.reads[stage] = app.topic(*read_topics(settings.app_id, stage), **raw)
    ctx.topics[PROGRESS] = declare(progress_topic(settings.app_id))
    for name in (VIOLATIONS, DLQ, *((ESCALATIONS,) if policy.escalations else ())):   # seed-v1: no escalations
        ctx.topics[name] = declare(name)
    install(app, ctx)
    install_feeds(app, ctx)                # raw carrier feed topics -> carrier-scan, when configured
    app.shipguard = ctx
    return app

