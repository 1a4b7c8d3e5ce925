"""The stage graph without Faust: which tables, handlers and stages there are,
what the ingest does with a platform message, which marks a stage sends where, and
when `collect` may call the output final.

The worker (agents.py) and the in-memory driver (driver.py) both build from
here, so a test of the driver tests the wiring the worker runs."""
from __future__ import annotations

from typing import Any, Callable

from detectors.decisions import Decision
from detectors.events import CARRIER_SCAN
from detectors.messages import OrderOpened

from .codec import encode
from .handlers import PenaltyHandler, SideHandler, key_of
from .ingest import route
from .marks import Frontier
from .shop_escalations import ShopEscalations
from .stage import Stage, Tables
from .topology import INPUT_TOPICS, ORDER, PARCEL, PENALTY, PICKUP, UPSTREAM

STAGE_TABLES = ("timers", "progress")
ESCALATION_TABLE = "penalty-escalations"


def table_names(policy) -> list[str]:
    """Every table the graph keeps, by its Faust name (the changelog topics derive from these)."""
    names = [f"{stage}-state" for stage in UPSTREAM]
    names += [f"{stage}-{kind}" for stage in UPSTREAM for kind in STAGE_TABLES]
    return names + ([ESCALATION_TABLE] if policy.escalations else [])   # seed-v1: no escalation table


def build(policy, partitions: int, tables: dict[str, Any], send, publish, escalate=None, *, serving=None,
          metrics=None, published_before: Callable[[], set] = set, escalated_before: Callable[[], set] = set,
          stopping: Callable[[], bool] = lambda: False) -> dict[str, Stage]:
    """One Stage per stage of topics.UPSTREAM over `tables` (name -> dict-like, see table_names).
    send(stage, key, raw), publish(violation) and escalate(escalation) are async."""
    escalations = None
    if policy.escalations:
        escalations = ShopEscalations(tables[ESCALATION_TABLE], policy, escalate, metrics, already=escalated_before)
    stages = {}
    for stage in UPSTREAM:
        state = tables[f"{stage}-state"]
        handler = (PenaltyHandler(state, policy, publish, serving, metrics, already=published_before,
                                  escalations=escalations) if stage == PENALTY
                   else SideHandler(stage, state, policy, send))
        stages[stage] = Stage(stage, handler, Tables(*(tables[f"{stage}-{kind}"] for kind in STAGE_TABLES)),
                              frontier_factory(stage, partitions), order_key(stage), metrics, stopping=stopping)
    return stages


def frontier_factory(stage: str, partitions: int):
    ingest = INPUT_TOPICS if stage in (ORDER, PARCEL, PICKUP) else ()
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


async def ingest_one(topic: str, partition: int, offset: int, raw: bytes, tracker, send, dead) -> str | None:
    """One platform message: forwarded to its stage by key, or handed to `dead` (async) as a
    dead-letter record. The tracker learns what was read either way. Returns the dead letter's
    reason, None for an event."""
    kind, item, reason = route(topic, partition, offset, raw)
    if kind == "dead":
        await dead(item)
        tracker.seen(topic, partition, offset, None)
        return reason
    await send(PARCEL if item.topic == CARRIER_SCAN else ORDER, key_of(item), encode(item))
    tracker.seen(topic, partition, offset, item.time)
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
