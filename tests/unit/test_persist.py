"""persist.py: the order in which a group of closed batches goes out, and when it is acked."""
from __future__ import annotations

import asyncio

import pytest

from stream.service.persist import Persist


class Table:
    def __init__(self, name, log):
        self.name, self.log, self.pending = name, log, []

    def take(self):
        pending, self.pending = self.pending, []
        return pending

    async def send(self, records):
        self.log.extend((self.name, key, value) for _, key, value in records)


def setup():
    log = []
    tables = {name: Table(name, log) for name in ("order-state", "order-timers", "order-progress")}

    async def flush():
        log.append("flush")
    return log, tables, Persist(tables, flush)


def test_deadlines_made_then_states_then_watermarks_and_fired_deadlines_then_acks():
    log, tables, persist = setup()
    tables["order-progress"].pending = [(0, "0", b"w")]
    tables["order-state"].pending = [(0, "o1", b"s")]
    tables["order-timers"].pending = [(0, "t-new", b"t"), (0, "t-fired", None)]

    async def ack():
        log.append("ack")
    persist.close(list(tables), [ack])
    assert log == [] and persist.queue              # the agent goes on; nothing is sent yet
    assert asyncio.run(persist.step())
    assert log == [("order-timers", "t-new", b"t"), "flush", ("order-state", "o1", b"s"), "flush",
                   ("order-timers", "t-fired", None), ("order-progress", "0", b"w"), "ack"]
    assert not asyncio.run(persist.step())


def test_a_group_sends_each_key_once_as_its_last_write():
    """A deadline fired and made again in one group goes out as made: in step 1, not step 3."""
    log, tables, persist = setup()
    tables["order-timers"].pending = [(0, "t", b"1"), (0, "t", None)]
    tables["order-state"].pending = [(0, "o1", b"a")]
    persist.close(list(tables), [])
    tables["order-timers"].pending = [(0, "t", b"2")]
    tables["order-state"].pending = [(0, "o1", b"b"), (0, "o2", None)]
    persist.close(list(tables), [])
    asyncio.run(persist.step())
    assert log == [("order-timers", "t", b"2"), "flush", ("order-state", "o1", b"b"), ("order-state", "o2", None),
                   "flush"]


def test_a_group_without_states_still_flushes_what_it_sent_before_its_watermark():
    log, tables, persist = setup()
    tables["order-progress"].pending = [(1, "1", b"w")]
    persist.close(list(tables), [])
    asyncio.run(persist.step())
    assert log == ["flush", ("order-progress", "1", b"w")]


def test_drain_waits_for_every_closed_batch():
    log, tables, persist = setup()

    async def scenario():
        runner = asyncio.ensure_future(persist.run())
        tables["order-state"].pending = [(0, "o1", b"s")]
        persist.close(list(tables), [])
        await persist.drain(timeout=5)
        runner.cancel()
        return list(log)
    assert asyncio.run(scenario()) == ["flush", ("order-state", "o1", b"s"), "flush"]


def test_a_failed_flush_acks_nothing():
    """A message or record not delivered: the inputs stay unacked, to be read again after the crash."""
    log, tables, persist = setup()

    async def failing():
        raise RuntimeError("not delivered")
    persist.flush = failing
    acked = []

    async def ack():
        acked.append(1)
    tables["order-state"].pending = [(0, "o1", b"s")]
    persist.close(list(tables), [ack])
    with pytest.raises(RuntimeError):              # to persist.run's caller: agents.write_tables crashes the app
        asyncio.run(persist.step())
    assert acked == [] and ("order-state", "o1", b"s") not in log
