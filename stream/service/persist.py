"""When a batch's table writes reach their changelogs, and when its inputs are acked.

A restarted worker has its tables back from the changelogs and re-reads every input it had not
committed; a re-read input whose state already holds it changes nothing and sends nothing. So
a kill -9 must never leave a changelog record durable without what the same batch sent, nor a
watermark durable without the states it covers. Kafka keeps order within a partition only: a
producer may deliver a changelog partition's records before another partition's messages that
were handed to it first. (CI's kill -9 run once published pickup timeouts for parcels collected
in time: a collected scan whose fact to the pickup stage was lost is such a case, and the
driver's fault property lost violations so until this order.) Each group of closed batches
therefore goes out in three steps:

  1. new deadlines, then a flush: they and every message the batches sent are delivered;
  2. the states, then a flush;
  3. the watermarks and fired deadlines; then the inputs are acked (Faust flushes before it commits).

A crash between any two steps leaves a state the re-read inputs finish. The agents do not wait
for this: they close a batch (`close`) and go on; the groups coalesce under load.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

log = logging.getLogger(__name__)

FIRST, STATES, LAST = range(3)


def step_of(table: str, value) -> int:
    if table.endswith("-progress"):
        return LAST
    if table.endswith("-timers"):
        return FIRST if value is not None else LAST
    return STATES


class Persist:
    """`tables`: name -> a table with take() (its writes since the last take, as (partition,
    key, value or None)) and async send(records); `flush` (async) returns once everything
    handed to the producer is delivered."""

    def __init__(self, tables: dict, flush: Callable[[], Awaitable]):
        self.tables, self.flush = tables, flush
        self.queue: list[tuple[dict, list]] = []
        self.wake = asyncio.Event()
        self.busy = False

    def close(self, names, acks: list) -> None:
        """A stage's batch is complete: its tables' writes and the acks of what it applied."""
        self.queue.append(({name: self.tables[name].take() for name in names}, acks))
        self.wake.set()

    async def step(self) -> bool:
        """One group: every batch closed so far. Returns whether there was one."""
        if not self.queue:
            return False
        group, self.queue = self.queue, []
        self.busy = True
        try:
            steps = _compacted(group)
            await self._send(steps[FIRST])
            await self.flush()
            if steps[STATES]:
                await self._send(steps[STATES])
                await self.flush()
            await self._send(steps[LAST])
            for _, acks in group:
                for ack in acks:
                    await ack()
        finally:
            self.busy = False
        return True

    async def run(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while await self.step():
                pass

    async def drain(self, timeout: float = 30.0) -> None:
        """Until every closed batch is out (a rebalance or a shutdown waits here)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (self.queue or self.busy) and loop.time() < deadline:
            await asyncio.sleep(0.01)
        if self.queue or self.busy:
            log.warning("table writes still waiting after %.0f s: %d batches", timeout, len(self.queue))

    async def _send(self, records: dict) -> None:
        for name, writes in records.items():
            if writes:
                await self.tables[name].send(writes)


def _compacted(group) -> list[dict]:
    """Each key's last write in the group, sorted into the three steps. Only the last counts:
    the stores already hold it, and a deadline fired and made again would otherwise go out
    as made (step 1) and then as fired (step 3)."""
    last: dict[str, dict] = {}
    for records, _ in group:
        for name, writes in records.items():
            table = last.setdefault(name, {})
            for p, key, value in writes:
                table.pop((p, key), None)
                table[(p, key)] = value
    steps = [{}, {}, {}]
    for name, writes in last.items():
        for (p, key), value in writes.items():
            steps[step_of(name, value)].setdefault(name, []).append((p, key, value))
    return steps
