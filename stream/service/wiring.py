"""The stage graph without Faust: which tables, handlers and stages there are,
what a stage does with each message it reads, which marks a stage sends where, and
when `collect` may call the output final.

The worker (agents.py) and the in-memory driver (driver.py) both build from
here, so a test of the driver tests the wiring the worker runs."""
from __future__ import annotations

import functools
from typing import Any, Callable

from detectors.decisions import Decision
from detectors.events import CARRIER_SCAN
from detectors.messages import OrderOpened

from .codec import encode
from .handlers import PenaltyHandler, SideHandler, key_of
from .ingest import route
from .marks import Frontier
from .persist import Persist
from .shop_escalations import ShopEscalations
from .stage import Stage, Tables
from .topology import DIRECT, FED_BY_INGEST, INPUT_TOPICS, ORDER, PARCEL, PENALTY, UPSTREAM

STAGE_TABLES = ("timers", "progress")
ESCALATION_TABLE = "penalty-escalations"


def table_names(policy) -> list[str]:
    """Every table the graph keeps, by its Faust name (the changelog topics derive from these)."""
    return [name for stage in UPSTREAM for name in stage_tables(stage, policy)]


def stage_tables(stage: str, policy) -> list[str]:
    """The tables one stage writes (its agent alone); seed-v1 has no escalation table."""
    names = [f"{stage}-state"] + [f"{stage}-{kind}" for kind in STAGE_TABLES]
    return names + ([ESCALATION_TABLE] if stage == PENALTY and policy.escalations else [])


def build(policy, partitions: int, tables: dict[str, Any], send, publish, escalate=None, *, persist: Persist,
          serving=None, metrics=None, published_before: Callable[[], set] = set,
          escalated_before: Callable[[], set] = set, stopping: Callable[[], bool] = lambda: False,
          position=lambda topic, p: None, timeline=None) -> dict[str, Stage]:
    """One Stage per stage of topics.UPSTREAM over `tables` (name -> dict-like, see table_names).
    send(stage, key, raw), publish(violation) and escalate(escalation) are async; position is
    IngestTracker.position; `persist` takes each closed batch's writes and acks over `tables`;
    `timeline` (a TimelineWriter, which `take` fills) is flushed as each batch closes."""
    escalations = None
    if policy.escalations:
        escalations = ShopEscalations(tables[ESCALATION_TABLE], policy, _served(escalate, serving), metrics,
                                      already=escalated_before)
    stages = {}
    for stage in UPSTREAM:
        state = tables[f"{stage}-state"]
        handler = (PenaltyHandler(state, policy, publish, serving, metrics, already=published_before,
                                  escalations=escalations) if stage == PENALTY
                   else SideHandler(stage, state, policy, send))
        close = functools.partial(persist.close, stage_tables(stage, policy))
        stages[stage] = Stage(stage, handler, Tables(*(tables[f"{stage}-{kind}"] for kind in STAGE_TABLES)),
                              frontier_factory(stage, partitions), order_key(stage),
                              _flushing(timeline, close) if timeline is not None else close, metrics,
                              stopping=stopping, direct=DIRECT.get(stage, ()), position=position)
    return stages


def _flushing(timeline, close):
    """A batch's close that first writes the case timelines of what was read (one pipelined write)."""
    def close_batch(acks: list) -> None:
        timeline.flush()
        close(acks)
    return close_batch


def _served(escalate, serving):
    """Publish an escalation, then show it in the serving view (as the penalty stage does a violation)."""
    if serving is None:
        return escalate

    async def publish_and_serve(e: dict) -> None:
        await escalate(e)
        serving.record_escalation(e)
    return publish_and_serve


def frontier_factory(stage: str, partitions: int):
    ingest = INPUT_TOPICS if stage in FED_BY_INGEST else ()
    upstream = {s: partitions for s in UPSTREAM[stage]}
    return lambda: Frontier(tuple(ingest), upstream)


def order_key(stage: str):
    if stage == PENALTY:
        return _penalty_key
    return lambda item: item.sort_key


def _penalty_key(item) -> tuple:
    """Decisions in decision order. An opened order (escalation base) comes before the
    decisions of its instant, as the offline engine counts it while taking the payment
    and the decisions only once everything through that instant is taken."""
    if isinstance(item, Decision):
        return item.order_key
    if isinstance(item, OrderOpened):
        return (item.sort_key[0], -1, item.order.order_id, "", "")
    return (item.sort_key,)


async def take(stage: Stage, topic: str, p: int, offset: int, raw: bytes, ack, *, tracker, placement,
               forward, dead, timeline=None) -> str | None:
    """One message a stage's agent read. A platform message is parsed here: a dead letter goes to
    `dead` (async, the record), an event keyed for another partition (its producer placed it
    elsewhere) to `forward(stage, key, raw)` (async), the rest waits in the stage. The tracker
    learns what was read either way, and `timeline` (a TimelineWriter) every event, with where it
    was read. Returns a dead letter's reason, else None."""
    if topic not in INPUT_TOPICS:
        await stage.take_message(p, topic, offset, raw, ack)
        return None
    kind, item, reason = route(topic, p, offset, raw)
    if kind == "dead":
        await dead(item)
        await ack()
        tracker.seen(topic, p, offset, None)
        return reason
    if timeline is not None:
        timeline.add(topic, p, offset, item)
    key = key_of(item)
    if placement(key) == p:
        await stage.take_input(p, topic, offset, item, raw, ack)
    else:
        await forward(PARCEL if item.topic == CARRIER_SCAN else ORDER, key, encode(item))
        await ack()
    tracker.seen(topic, p, offset, item.time)
    return None


def final_through(penalty_marks: list[dict], partitions: int, as_of: int | None, lateness_ms: int) -> int | None:
    """T for `collect` from each penalty partition's latest mark, None while not final: through
    as_of, or, once every source is idle and the stage has taken all it knows, the input's end."""
    if len(penalty_marks) < partitions:
        return None
    if as_of is not None and all(m["w"] >= as_of for m in penalty_marks):
        return as_of
    end = max(m["m"] for m in penalty_marks)
    if all(m["idle"] and m["w"] >= end for m in penalty_marks):
        return min(as_of, end) if as_of is not None else end - lateness_ms
    return None
