"""The penalty stage's escalation windows (stream/shop_escalations.py): one
Escalations per shop in a table, closed per partition, give what the offline
engine's single Escalations gives; each escalation is published once."""
from __future__ import annotations

import asyncio
import io
import zlib
from functools import lru_cache

import orjson

from detectors.engine import Engine
from stream.eventlog import read_log
from stream.offline import run_offline
from stream.policies import load_policy
from stream.service.shop_escalations import ShopEscalations
from stream.tools.synth import generate

POLICY = load_policy("platform-2026-07")


class Recorder:
    """Stands in for the engine's Escalations: what it is fed, in the engine's order."""

    def __init__(self):
        self.calls, self.emitted = [], []

    def opened(self, order):
        self.calls.append(("opened", order))

    def decided(self, decision):
        self.calls.append(("decided", decision))

    def close(self, through):
        self.calls.append(("close", through))


@lru_cache(maxsize=1)
def offline_run() -> tuple[list, list[dict]]:
    """A platform log's escalation inputs as the offline engine feeds them, and its escalations."""
    lines, as_of = generate(1200, 1, 3, platform_cases=True)
    log = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    expected = run_offline(read_log(io.BytesIO(log)), POLICY, 300_000, as_of).escalations
    recorder, original = Recorder(), Engine.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.escalations = recorder
    Engine.__init__ = recording
    try:
        run_offline(read_log(io.BytesIO(log)), POLICY, 300_000, as_of)
    finally:
        Engine.__init__ = original
    return recorder.calls, expected


def feed(keeper: ShopEscalations, calls, partitions: int = 1) -> None:
    """A shop goes to one partition; a close is every partition's watermark passing `through`."""
    async def go():
        for kind, item in calls:
            if kind == "close":
                for p in range(partitions):
                    await keeper.close(p, item)
            else:
                getattr(keeper, kind)(zlib.crc32(item.order.shop_id.encode()) % partitions
                                      if kind == "decided" else zlib.crc32(item.shop_id.encode()) % partitions, item)
    asyncio.run(go())


def by_id(escalations):
    return sorted(escalations, key=lambda e: e["escalation_id"])


def test_per_shop_windows_in_a_table_equal_the_offline_run():
    calls, expected = offline_run()
    assert {e["kind"] for e in expected} == {k.name for k in POLICY.escalations}
    published, table = [], {}

    async def publish(e):
        published.append(e)
    feed(ShopEscalations(table, POLICY, publish), calls, partitions=3)
    assert by_id(published) == by_id(expected)
    assert all(isinstance(raw, bytes) for raw in table.values())        # JSON, as a Faust table holds it


def test_a_restarted_keeper_publishes_nothing_twice():
    """A second keeper over the same table (a restart) is fed the first part again, then the rest.
    Closed days stay closed; an escalation on the topic whose record a crash lost is not published again."""
    calls, expected = offline_run()
    table, published = {}, []

    async def publish(e):
        published.append(e)
    first_part = calls[:len(calls) * 2 // 3]
    feed(ShopEscalations(table, POLICY, publish), first_part)
    assert len(published) >= 2, "the first part closes days with escalations"
    lost = published[-1]["escalation_id"]
    del table[next(k for k, raw in table.items() if lost in str(orjson.loads(raw)["done"]))]
    second = ShopEscalations(table, POLICY, publish, already=lambda: {lost})
    feed(second, first_part)
    feed(second, calls[len(first_part):])
    assert by_id(published) == by_id(expected)
