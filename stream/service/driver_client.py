"""The Kafka client as the in-memory driver (driver.py) models it: what a worker produces waits
in the client until delivered, in order within a partition and, seeded, in no order across
partitions; a kill -9 loses what was not delivered. Tables log their writes as persist.py sends them."""
from __future__ import annotations

import random


class Client:
    def __init__(self, rng: random.Random | None):
        self.rng = rng
        self.unsent: list[tuple[tuple, object]] = []       # (partition, deliver) in the order produced

    def produce(self, tp: tuple, deliver) -> None:
        self.unsent.append((tp, deliver))

    def kill(self) -> None:
        """kill -9: what waits is lost; seeded, each partition's first part of it was delivered."""
        self.deliver(some=True)
        self.unsent.clear()

    def deliver(self, some: bool = False) -> None:
        """All that waits, or (some, seeded) a first part of each partition's: so one partition's
        records may arrive before another's that were produced earlier."""
        if some and self.rng:
            left = {tp: self.rng.randint(0, n) for tp, n in _counts(self.unsent).items()}
            kept = []
            for entry in self.unsent:
                tp, deliver = entry
                if left[tp]:
                    left[tp] -= 1
                    deliver()
                else:
                    kept.append(entry)
            self.unsent = kept
        elif not some:
            unsent, self.unsent = self.unsent, []
            for _, deliver in unsent:
                deliver()


class LoggedTable(dict):
    """A table as the worker's BatchedTable: reads see a write at once; `take` hands the writes
    to persist.py, whose `send` gives them to the client (the driver's changelog partitions)."""

    def __init__(self, data: dict, partition, send):
        super().__init__(data)
        self.partition, self._send, self.pending = partition, send, []

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.pending.append((self.partition(), key, value))

    def pop(self, key, default=None):
        if key not in self:
            return default
        self.pending.append((self.partition(), key, None))
        return super().pop(key)

    def take(self) -> list:
        pending, self.pending = self.pending, []
        return pending

    async def send(self, records) -> None:
        self._send(records)


def _counts(unsent) -> dict:
    counts: dict = {}
    for tp, _ in unsent:
        counts[tp] = counts.get(tp, 0) + 1
    return counts
