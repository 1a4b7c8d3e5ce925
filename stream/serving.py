"""The Redis serving view: violations and penalty totals per order, shop and carrier, the indexes
the console's list pages page through, and the days' leaderboards (layout: serving_keys.py).

A write is one Lua script that does nothing unless the violation key is new, so
a redelivered violation is never counted twice (escalations likewise, by their id).
A failed write is kept in a bounded in-memory queue and retried in order; it never
raises to the caller. The case page's timelines (stream/timeline.py) go through the same queue:
a batch of them is one pipelined write, and counts its entries against the bound.
"""
from __future__ import annotations

import time
from collections import deque

import orjson
import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from .metrics import Metrics
from .serving_keys import ESCALATE, KINDS, RECORD, Keys, escalate_call, record_call

__all__ = ["KINDS", "RECORD", "ServingView", "connect"]
MAX_PENDING = 1_000_000


def connect(url: str) -> redis.Redis:
    """redis://[:password@]host:port/db or rediss:// (TLS). Short timeouts and a
    single quick retry, so a dead Redis costs seconds, not minutes."""
    return redis.Redis.from_url(url, socket_timeout=3.0, socket_connect_timeout=3.0, health_check_interval=30,
                                retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1))


def _str(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class ServingView:
    def __init__(self, client: redis.Redis, prefix: str = "shipguard", metrics: Metrics | None = None,
                 max_pending: int = MAX_PENDING, retry_interval: float = 1.0):
        self.client = client
        self.prefix = prefix
        self.metrics = metrics
        self.max_pending = max_pending
        self.retry_interval = retry_interval   # record() retries a down Redis at most this often
        self.dropped = 0
        self._pending: deque = deque()       # violation or escalation dicts, and timeline batches
        self._queued = 0                     # writes in _pending: a timeline batch counts its entries
        self._retry_at = 0.0
        self.keys = Keys(prefix)
        self._script = client.register_script(RECORD)
        self._escalate = client.register_script(ESCALATE)

    @property
    def pending(self) -> int:
        return self._queued

    def record(self, violation) -> None:
        """Write one violation (or, with an escalation_id, one escalation, or a TimelineBatch); never
        raises. Queued if Redis is unavailable."""
        if self._pending and time.monotonic() >= self._retry_at:
            self.flush_pending()
        if self._pending or not self._write(violation):
            self._enqueue(violation)
        self._report()

    def flush_pending(self) -> int:
        """Retry queued writes in order, stopping at the first failure. Returns how many were written."""
        written = 0
        while self._pending:
            if not self._write(self._pending[0]):
                break
            self._queued -= _weight(self._pending.popleft())
            written += 1
        self._report()
        return written

    def record_escalation(self, escalation: dict) -> None:
        """Write one shop escalation (platform-2026-07); never raises, queued with the violations."""
        self.record(escalation)

    def record_all(self, violations, chunk: int = 1000) -> None:
        """Backfill many violations in pipelined chunks (the bench; a replay into a fresh view).
        Unlike record(), a Redis error raises: nobody is streaming behind it."""
        batch = []
        for v in violations:
            batch.append(v)
            if len(batch) == chunk:
                self._pipelined(batch)
                batch = []
        if batch:
            self._pipelined(batch)

    def _pipelined(self, batch: list[dict]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for v in batch:
            keys, args = record_call(self.keys, v, orjson.dumps(v))
            self._script(keys=keys, args=args, client=pipe)
        pipe.execute()

    def query(self, kind: str, ident: str) -> dict:
        """Totals and violations (oldest first) of one order, shop or carrier. Raises redis.RedisError."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        pipe = self.client.pipeline(transaction=True)
        pipe.hgetall(self.keys.totals(kind, ident))
        pipe.zrange(self.keys.owner(kind, ident), 0, -1)
        raw_totals, ids = pipe.execute()
        totals = {_str(k): int(v) for k, v in raw_totals.items()}
        blobs = self.client.mget([self.keys.violation(_str(i)) for i in ids]) if ids else []
        return {"kind": kind, "id": ident, "totals": totals,
                "violations": [orjson.loads(b) for b in blobs if b is not None]}

    def _write(self, doc) -> bool:
        if not isinstance(doc, dict):
            return self._write_batch(doc)
        if "escalation_id" in doc:
            script, (keys, args) = self._escalate, escalate_call(self.keys, doc, orjson.dumps(doc))
        else:
            script, (keys, args) = self._script, record_call(self.keys, doc, orjson.dumps(doc))
        try:
            script(keys=keys, args=args, client=self.client)   # the client now, should it be swapped
        except redis.RedisError:
            self._failed()
            return False
        return True

    def _write_batch(self, batch) -> bool:
        pipe = self.client.pipeline(transaction=False)
        batch.write_to(pipe)
        try:
            pipe.execute()                  # re-run whole after a failure: every command is idempotent
        except redis.RedisError:
            self._failed()
            return False
        return True

    def _failed(self) -> None:
        self._retry_at = time.monotonic() + self.retry_interval
        if self.metrics is not None:
            self.metrics.redis_error()

    def _enqueue(self, v) -> None:
        weight = _weight(v)
        while self._pending and self._queued + weight > self.max_pending:
            gone = _weight(self._drop_one())
            self._queued -= gone
            self.dropped += gone
            if self.metrics is not None:
                self.metrics.redis_dropped(gone)
        self._pending.append(v)
        self._queued += weight

    def _drop_one(self):
        # Timelines are ~13 entries an order against ~0.1 violations: when a long outage fills
        # the queue, the oldest timeline batch goes first, a violation only when none is left.
        for i, write in enumerate(self._pending):
            if not isinstance(write, dict):
                del self._pending[i]
                return write
        return self._pending.popleft()

    def _report(self) -> None:
        if self.metrics is not None:
            self.metrics.redis_pending(self._queued)


def _weight(write) -> int:
    return 1 if isinstance(write, dict) else write.entries
