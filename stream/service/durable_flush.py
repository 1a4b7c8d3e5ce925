"""A producer flush that really waits for the buffer: table changelog writes
must reach the broker before the offsets that produced them are committed.

faust-streaming 0.15's `ProducerBuffer.flush` gives up as soon as one message
takes more than 0.1 s to leave the buffer (`flush_atmost` returns on its
timeout). Faust's commit and its shutdown both rely on that flush; under load
(a buffer of ~1 500 changelog writes was seen) the commit ran ahead of the
changelog, and at shutdown the rest of the buffer was dropped with the
producer. A restarted worker then lacked inputs whose offsets were committed.

`install()` replaces the flush with one that waits until every message put
into the buffer has been handed to the client (aiokafka's own flush, which
Faust calls next, then waits for their delivery). It patches the class once,
from `create_app`, never at import.
"""
from __future__ import annotations

import asyncio
import logging

from faust.transport.producer import ProducerBuffer

log = logging.getLogger(__name__)
_PATCHED = "_shipguard_durable_flush"


def install() -> None:
    if getattr(ProducerBuffer, _PATCHED, False):
        return
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
    setattr(ProducerBuffer, _PATCHED, True)
