"""The Redis serving view: violations and penalty totals per order, shop and carrier.

Layout (prefix "shipguard"):
  {p}:v:{violation_id}              the violation JSON
  {p}:{kind}:{id}                   sorted set of violation ids, score decided_at
  {p}:totals:{kind}:{id}            hash: violations, penalty_fen, rule:<rule>
kind is order, shop and carrier (carrier only when the violation has one).
A write is one Lua script that does nothing unless the violation key is new, so
a redelivered violation is never counted twice. A failed write is kept in a
bounded in-memory queue and retried in order; it never raises to the caller.
"""
from __future__ import annotations

import time
from collections import deque

import orjson
import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from .metrics import Metrics

KINDS = ("order", "shop", "carrier")
MAX_PENDING = 1_000_000

# KEYS[1] violation key, KEYS[2..n+1] sorted sets, KEYS[n+2..2n+1] totals hashes
# ARGV: json, decided_at, violation_id, penalty_fen, rule
RECORD = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
local n = (#KEYS - 1) / 2
for i = 2, n + 1 do
  redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3])
  local t = KEYS[i + n]
  redis.call('HINCRBY', t, 'violations', 1)
  redis.call('HINCRBY', t, 'penalty_fen', ARGV[4])
  redis.call('HINCRBY', t, 'rule:' .. ARGV[5], 1)
end
return 1
"""


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
        self._pending: deque[dict] = deque()
        self._retry_at = 0.0
        self._script = client.register_script(RECORD)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def record(self, violation: dict) -> None:
        """Write one violation; never raises. Queued if Redis is unavailable."""
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
            self._pending.popleft()
            written += 1
        self._report()
        return written

    def query(self, kind: str, ident: str) -> dict:
        """Totals and violations (oldest first) of one order, shop or carrier. Raises redis.RedisError."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        p = self.prefix
        pipe = self.client.pipeline(transaction=True)
        pipe.hgetall(f"{p}:totals:{kind}:{ident}")
        pipe.zrange(f"{p}:{kind}:{ident}", 0, -1)
        raw_totals, ids = pipe.execute()
        totals = {_str(k): int(v) for k, v in raw_totals.items()}
        blobs = self.client.mget([f"{p}:v:{_str(i)}" for i in ids]) if ids else []
        return {"kind": kind, "id": ident, "totals": totals,
                "violations": [orjson.loads(b) for b in blobs if b is not None]}

    def _keys(self, v: dict) -> list[str]:
        p = self.prefix
        owners = [("order", v["order_id"]), ("shop", v["shop_id"])]
        if v.get("carrier") is not None:
            owners.append(("carrier", v["carrier"]))
        return ([f"{p}:v:{v['violation_id']}"] + [f"{p}:{k}:{i}" for k, i in owners]
                + [f"{p}:totals:{k}:{i}" for k, i in owners])

    def _write(self, v: dict) -> bool:
        args = [orjson.dumps(v), int(v["decided_at"]), v["violation_id"], int(v["penalty"]["amount_fen"]), v["rule"]]
        try:
            self._script(keys=self._keys(v), args=args)
        except redis.RedisError:
            self._retry_at = time.monotonic() + self.retry_interval
            if self.metrics is not None:
                self.metrics.redis_error()
            return False
        return True

    def _enqueue(self, v: dict) -> None:
        if len(self._pending) >= self.max_pending:
            self._pending.popleft()
            self.dropped += 1
            if self.metrics is not None:
                self.metrics.redis_dropped()
        self._pending.append(v)

    def _report(self) -> None:
        if self.metrics is not None:
            self.metrics.redis_pending(len(self._pending))
