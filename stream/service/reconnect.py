"""A broker lost mid-run: try it again with a growing pause, and say so in one line per try.

Seen (issue 12): with the broker killed under a running worker, aiokafka 0.14 connected again
from each of its loops (fetcher, group coordinator, producer sender, metadata), every 100 ms
(`retry_backoff_ms`), each failure three or four error lines: ~110 lines/s and 9 % of a core
for as long as the broker was away (after `up` stopped the broker first: 40 %). aiokafka has no
reconnect backoff (Kafka's `reconnect.backoff.ms`, aiokafka#144/#496), Faust no setting for it.

So every connect to a broker address goes through `Brokers` (faust_compat patches aiokafka's
client): after a failure the address may be tried again after 1 s, then 2, 4 ... up to 30 s,
once per interval for the whole process; each failed try is one line naming the address and how
long it has been gone. `QuietWhileDown` drops aiokafka's own lines about it meanwhile. The
worker resumes when the broker answers again (a restarted broker needs its topics again).
"""
from __future__ import annotations

import contextvars
import logging
import random
import re
import threading
import time
from dataclasses import dataclass

log = logging.getLogger("shipguard")
FIRST, MOST = 1.0, 30.0          # seconds before the 2nd try, and the most between tries
JITTER = 0.2                     # +-20 % (KIP-144): workers that lost the same broker do not try in step
NOISY = ("aiokafka", "aiokafka.conn", "aiokafka.consumer.fetcher", "aiokafka.consumer.group_coordinator",
         "aiokafka.consumer.consumer", "aiokafka.producer.sender", "aiokafka.producer.producer")
# aiokafka's lines that only repeat that a broker cannot be reached (messages of 0.14)
NOISE = re.compile(r"Unable connect to node|Unable to (update|request) metadata|NodeNotReadyError"
                   r"|KafkaConnectionError|[Cc]oordinator dead|Connect call failed")


@dataclass
class _Down:
    since: float
    delay: float
    next_try: float = 0.0
    attempts: int = 0


class Brokers:
    """Which broker addresses are down, and when each may be tried again. Thread-safe: Faust's
    consumer has its own thread and event loop, the producer another."""

    def __init__(self, first: float = FIRST, most: float = MOST, jitter: float = JITTER,
                 clock=time.monotonic, rand=random.random, say=log.warning):
        self.first, self.most, self.jitter = first, most, jitter
        self.clock, self.rand, self.say = clock, rand, say
        self.down: dict[str, _Down] = {}
        self._lock = threading.Lock()

    def attempt(self, address: str) -> bool | None:
        """May a connect to `address` go out now? None: not yet (no try, no line); False: it is
        not known to be down; True: a retry, after which no other may go out for an interval."""
        with self._lock:
            down = self.down.get(address)
            if down is None:
                return False
            now = self.clock()
            if now < down.next_try:
                return None
            down.next_try = now + down.delay         # this caller's try: the others wait for its outcome
            return True

    def failed(self, address: str, retry: bool, reason: str = "") -> None:
        with self._lock:
            now, down = self.clock(), self.down.get(address)
            if down is None:
                down = self.down[address] = _Down(now, self.first)
            elif retry:
                down.delay = min(down.delay * 2, self.most)
            down.attempts += 1
            if down.attempts > 1 and not retry:
                return                               # a first try that raced another: not a new interval
            wait = min(down.delay * (1 + self.jitter * (2 * self.rand() - 1)), self.most)
            down.next_try = now + wait
            gone, attempts = now - down.since, down.attempts
        because = f" ({reason})" if reason else ""
        if attempts == 1:
            self.say("broker %s unreachable%s; trying again in %.0f s, then less often (at most every %.0f s)",
                     address, because, wait, self.most)
        else:
            self.say("broker %s unreachable for %.0f s (%d attempts)%s; next try in %.0f s",
                     address, gone, attempts, because, wait)

    def connected(self, address: str) -> None:
        with self._lock:
            down = self.down.pop(address, None)
            gone = self.clock() - down.since if down else 0.0
        if down is not None:
            self.say("broker %s reachable again after %.0f s (%d failed attempts)", address, gone, down.attempts)


class QuietWhileDown(logging.Filter):
    """Drops aiokafka's lines that a broker cannot be reached: `Brokers` says it once per try.
    The reason of a failed connect ("[Errno 111] Connect call failed ...") goes in that line."""

    def __init__(self, brokers: Brokers):
        super().__init__()
        self.brokers, self.dropped = brokers, 0

    def filter(self, record: logging.LogRecord) -> bool:
        reasons = _REASONS.get()
        if reasons is not None and str(record.msg).startswith("Unable connect to node"):
            reasons.append(str(record.args[-1]) if record.args else "")
        elif not self.brokers.down or not NOISE.search(record.getMessage()):
            return True
        self.dropped += 1
        return False


# Set while `connect` runs one connect: the task's own, so a try of another task never mixes in.
_REASONS: contextvars.ContextVar[list | None] = contextvars.ContextVar("shipguard_connect_reasons", default=None)


async def connect(brokers: Brokers, address: str, connect_now):
    """`connect_now()` (aiokafka's `_get_conn`: a connection, or None after logging why not),
    if `address` may be tried now; None if not."""
    retry = brokers.attempt(address)
    if retry is None:
        return None                              # aiokafka's callers retry after their own 100 ms
    reasons: list[str] = []
    token = _REASONS.set(reasons)
    try:
        conn = await connect_now()
    finally:
        _REASONS.reset(token)
    if conn is None:
        brokers.failed(address, retry, reasons[-1] if reasons else "")
    else:
        brokers.connected(address)
    return conn


BROKERS = Brokers()                  # one per process: every aiokafka client of the worker shares it
FILTER = QuietWhileDown(BROKERS)


def quiet_aiokafka(flt: logging.Filter = FILTER) -> None:
    for name in NOISY:
        logger = logging.getLogger(name)
        if flt not in logger.filters:
            logger.addFilter(flt)
