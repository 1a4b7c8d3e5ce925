"""The penalty stage publishes each violation once, across restarts and crashes."""
from __future__ import annotations

import asyncio
import time

from detectors.decisions import Decision
from detectors.messages import OrderFacts
from detectors.penalties import violation, PenaltyBook
from stream.service import codec
from stream.service.handlers import PenaltyHandler

from .test_rule_cases import POLICY, T0, build


def decision(rule="duplicate_waybill", at=T0) -> Decision:
    o = build({"events": [{"paid": {"order": "o1", "at": "0h"}}]})[0]
    facts = OrderFacts(o.order_id, o.shop_id, o.paid_at, o.paid_amount_fen, o.recipient_id, o.address,
                       o.paid_at + 48 * 3_600_000, o.event_id)
    return Decision(rule, facts, "SF", "1", at, ("e1",))


def run(handler, *decisions, wall=None):
    async def go():
        for d in decisions:
            await handler.input(d, codec.dumps({"k": "decision", "v": d, "wall": wall}))
    asyncio.run(go())


def test_a_redelivered_decision_is_published_once():
    published, table = [], {}

    async def publish(v):
        published.append(v)
    handler = PenaltyHandler(table, POLICY, publish)
    run(handler, decision(), decision())
    assert len(published) == 1


def test_a_violation_already_on_the_topic_is_not_published_again_but_is_charged():
    """A worker killed after publishing, before its record reached the changelog."""
    d = decision()
    on_topic = violation(d, PenaltyBook(POLICY).charge(d), POLICY.version)["violation_id"]
    published, table = [], {}

    async def publish(v):
        published.append(v)
    handler = PenaltyHandler(table, POLICY, publish, already=lambda: {on_topic})
    later = decision("not_received", T0 + 1000)
    run(handler, d, later)
    assert [v["rule"] for v in published] == ["not_received"]
    assert published[0]["penalty"]["amount_fen"] == 0      # the first one carried the compensation


def test_decision_latency_is_measured_from_the_decision_message():
    """From when the side decided (the message's wall time) to when the violation is published."""
    latencies = []

    class Metrics:
        def violation(self, v):
            pass

        def decision_latency(self, seconds):
            latencies.append(seconds)

    async def publish(v):
        pass
    handler = PenaltyHandler({}, POLICY, publish, metrics=Metrics())
    run(handler, decision(), wall=time.time() - 30)
    assert len(latencies) == 1 and 29 < latencies[0] < 60
