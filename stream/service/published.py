"""What the violations topic (and shop-escalations) already holds, read once when a worker starts.

The penalty stage records each violation it publishes in its table, but a
worker killed with -9 can have published a violation whose record never
reached the changelog; its successor would publish it again. So a starting
worker reads the newest violations (the tail a crash can have left
unrecorded) and the penalty stage publishes none of those twice. Bounded:
the last `TAIL` records of each partition, far more than one commit
interval of decisions. The escalations topic is read the same way, for the
same reason (shop_escalations.py).
"""
from __future__ import annotations

import logging

import orjson

from .. import kafka_read
from .topology import ESCALATIONS, VIOLATIONS

TAIL = 20_000
log = logging.getLogger(__name__)


def recent_violation_ids(bootstrap: str, tail: int = TAIL) -> set[str]:
    return recent_ids(bootstrap, VIOLATIONS, "violation_id", tail)


def recent_escalation_ids(bootstrap: str, tail: int = TAIL) -> set[str]:
    return recent_ids(bootstrap, ESCALATIONS, "escalation_id", tail)


def recent_ids(bootstrap: str, topic: str, field: str, tail: int = TAIL) -> set[str]:
    c = kafka_read.consumer(bootstrap)
    try:
        tps = kafka_read.partitions(c, topic)
        ends = kafka_read.true_ends(c, tps)
        starts = {tp: max(0, end - tail) for tp, end in ends.items()}
        return {orjson.loads(r.value)[field] for r in kafka_read.read_range(c, starts, ends)}
    except Exception as exc:        # no topic yet, or unreadable records: nothing to skip
        log.warning("could not read the %s already published (%s); none are skipped", topic, exc)
        return set()
    finally:
        c.close()
