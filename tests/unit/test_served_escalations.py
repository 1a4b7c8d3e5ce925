"""An escalation the penalty stage publishes also reaches the serving view, after its publish."""
from __future__ import annotations

import asyncio

from stream.service.wiring import _served


class Serving:
    def __init__(self, log):
        self.log = log

    def record_escalation(self, e):
        self.log.append(("served", e["escalation_id"]))


def test_publish_then_serve():
    log = []

    async def publish(e):
        log.append(("published", e["escalation_id"]))

    asyncio.run(_served(publish, Serving(log))({"escalation_id": "x"}))
    assert log == [("published", "x"), ("served", "x")]


def test_no_serving_view_publishes_only():
    async def publish(e):
        return None

    assert _served(publish, None) is publish
