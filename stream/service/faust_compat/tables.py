"""Table writes that reach the store and the changelog when persist.py says, not one message at
a time through Faust's producer buffer."""
from __future__ import annotations

import functools
from typing import Any

from faust import current_event
from faust.types import TP


class BatchedTable:
    """A Faust table whose writes reach the store and the changelog when persist.py says (`send`).

    Faust sends each table write through its producer buffer, which drains one message at a
    time: a batch of writes filled it ("producer buffer full") and the agent waited for it to
    drain. Here a write waits in `staged` (reads see it) and in a list until `take` hands it to
    persist.py, which sends it in the order a kill -9 cannot break. The store is written then
    too: a RocksDB store outlives a kill -9, and a state written there before its batch's
    messages were delivered would make the re-read inputs change nothing. The key and value
    bytes are the ones Faust writes, so recovery reads them as before."""

    def __init__(self, app, table, on_failed=None):
        self.app, self.table, self.name = app, table, table.name
        self.on_failed = on_failed                  # called with the changelog's name when a record was not delivered
        self.pending: list[tuple[int, Any, Any]] = []
        self.staged: dict = {}                      # key -> value, or None once popped

    def get(self, key, default=None):
        value = self.staged.get(key, _MISSING)
        if value is _MISSING:
            return self.table.get(key, default)
        return default if value is None else value

    def items(self):
        staged = self.staged
        for key, value in self.table.items():
            if key not in staged:
                yield key, value
        for key, value in list(staged.items()):
            if value is not None:
                yield key, value

    def __len__(self) -> int:
        return len(self.table)           # the store's: a metric, not a decision

    def __setitem__(self, key, value) -> None:
        self.staged[key] = value
        self.pending.append((self._partition(), key, value))

    def pop(self, key, default=None):
        value = self.get(key, _MISSING)
        if value is _MISSING:
            return default
        self.staged[key] = None
        self.pending.append((self._partition(), key, None))
        return value

    def _partition(self) -> int:
        event = current_event()
        if event is None:                  # as Faust: a table changes only while an agent takes a message
            raise RuntimeError(f"table {self.name} written outside of an agent")
        return event.message.partition

    def take(self) -> list[tuple[int, Any, Any]]:
        """The writes since the last take: (partition, key, value or None)."""
        pending, self.pending = self.pending, []
        return pending

    async def send(self, records) -> None:
        table, topic, staged = self.table, self.table.changelog_topic, self.staged
        name = topic.get_topic_name()
        for partition, key, value in records:
            _store_write(table.data, partition, key, value)
            if staged.get(key, _MISSING) is value:
                del staged[key]            # else written again since: that write is still to come
            key_bytes, _ = topic.prepare_key(key, table.key_serializer)
            if value is not None:
                value, _ = topic.prepare_value(value, table.value_serializer)
            delivery = await self.app.producer.send(name, key_bytes, value, partition, None, None)
            delivery.add_done_callback(functools.partial(_persisted, table.data, TP(name, partition), self.on_failed))


def _store_write(store, partition: int, key, value) -> None:
    """A write outside of an agent: Faust's RocksDB store takes the partition's database from
    the current event, and there is none in persist.py's task."""
    if value is None:
        try:
            del store[key]
        except KeyError:
            pass
    elif hasattr(store, "_db_for_partition"):
        key_bytes = store._encode_key(key)
        store._key_index[key_bytes] = partition
        store._db_for_partition(partition).put(key_bytes, store._encode_value(value))
    else:
        store[key] = value


_MISSING = object()


def _persisted(store, tp, on_failed, delivery) -> None:
    """What Faust's `_on_changelog_sent` keeps: the offset a RocksDB table holds data through;
    a record not delivered is told to `on_failed` (shipguard_send_errors_total)."""
    if delivery.cancelled():
        return
    if delivery.exception() is None:
        store.set_persisted_offset(tp, delivery.result().offset)
    elif on_failed is not None:
        on_failed(tp.topic)
