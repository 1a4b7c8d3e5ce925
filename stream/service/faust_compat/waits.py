"""Waits Faust gets wrong under load: a task per delivered record, a producer flush that gives
up after 0.1 s."""
from __future__ import annotations

import asyncio
import logging

from faust.transport.producer import ProducerBuffer
from mode.services import WaitResults

log = logging.getLogger(__name__)


def _eager_wait_first(slow):
    """`Consumer.wait_first` that first runs the leading coroutine without a task.

    Faust's fetch loop hands every record over as `wait_first(callback(message), suspend_flow.wait())`,
    and mode's wait_first makes four tasks and cancels three per call: 24 % of a loaded worker's
    event loop (py-spy, issue 11). The callback almost never blocks (only on a full stream
    queue), so it is stepped once here; only when it does block does the original run, on the
    rest of it, so a rebalance (`suspend_flow`) still interrupts a blocked delivery."""
    async def wait_first(self, *coros, timeout=None):
        first = coros[0] if coros else None
        if not asyncio.iscoroutine(first) or self._stopped.is_set() or self._crashed.is_set():
            return await slow(self, *coros, timeout=timeout)
        try:
            yielded = first.send(None)
        except BaseException as exc:
            for other in coros[1:]:
                if asyncio.iscoroutine(other):
                    other.close()             # never started: no "was never awaited" warning
            if isinstance(exc, StopIteration):
                return WaitResults([first], [exc.value], False)
            raise
        rest = resume(first, yielded)
        done = await slow(self, rest, *coros[1:], timeout=timeout)
        return WaitResults([first if c is rest else c for c in done.done], done.results, done.stopped)
    return wait_first


async def resume(coro, yielded):
    """The rest of a coroutine that was stepped once by hand and yielded `yielded` (what it
    waits on: a future, or None for a bare yield), run as a task would run it."""
    while True:
        try:
            await _Yield(yielded)
        except BaseException as exc:          # cancelled while waiting: the coroutine sees it
            try:
                yielded = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
            continue
        try:
            yielded = coro.send(None)
        except StopIteration as stop:
            return stop.value


class _Yield:
    __slots__ = ("what",)

    def __init__(self, what):
        self.what = what

    def __await__(self):
        yield self.what


def _durable_flush() -> None:
    """A producer flush that waits until every buffered message has been handed to the client.

    faust 0.15's `ProducerBuffer.flush` gives up once one message takes 0.1 s to leave the
    buffer. Faust's commit and shutdown rely on that flush: under load (~1 500 changelog writes
    buffered) the commit ran ahead of the changelog, and a restarted worker lacked inputs whose
    offsets were committed."""
    put, send_pending = ProducerBuffer.put, ProducerBuffer._send_pending

    def counted_put(self, fut) -> None:
        self._sg_put = getattr(self, "_sg_put", 0) + 1
        put(self, fut)

    async def counted_send(self, fut) -> None:
        try:
            await send_pending(self, fut)
        finally:
            self._sg_sent = getattr(self, "_sg_sent", 0) + 1

    async def flush(self) -> None:
        loop = asyncio.get_running_loop()
        warn_at = loop.time() + 10
        while getattr(self, "_sg_sent", 0) < getattr(self, "_sg_put", 0):
            if self.should_stop:
                left = self._sg_put - getattr(self, "_sg_sent", 0)
                raise RuntimeError(f"producer buffer stopped with {left} messages unsent")
            await asyncio.sleep(0.005)
            if loop.time() >= warn_at:
                warn_at += 10
                log.warning("producer flush still waiting: %d messages in the buffer", self.size)

    ProducerBuffer.put = counted_put
    ProducerBuffer._send_pending = counted_send
    ProducerBuffer.flush = flush
