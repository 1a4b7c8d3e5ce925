"""The producer flush waits for every buffered message, however slow the sender."""
from __future__ import annotations

import asyncio

import pytest
from faust.transport.producer import ProducerBuffer

from stream.service import faust_compat


class SlowBuffer:
    """Stands in for a running buffer whose sender takes 0.15 s a message,
    longer than the 0.1 s after which Faust's own flush gives up."""

    should_stop = False
    size = 0

    def __init__(self):
        self.handed = []

    async def _send_one(self, fut):
        await asyncio.sleep(0.15)
        self.handed.append(fut)


def test_flush_waits_until_every_put_message_is_sent(monkeypatch):
    monkeypatch.setattr(ProducerBuffer, "_send_pending", SlowBuffer._send_one)
    for name in ("put", "flush"):
        monkeypatch.setattr(ProducerBuffer, name, getattr(ProducerBuffer, name))
    monkeypatch.delattr(ProducerBuffer, faust_compat._PATCHED, raising=False)
    queued = []
    monkeypatch.setattr(ProducerBuffer, "put", lambda self, fut: queued.append(fut))
    faust_compat._durable_flush()

    async def scenario():
        buffer = SlowBuffer()
        for n in range(4):
            ProducerBuffer.put(buffer, n)

        async def sender():
            while queued:
                await ProducerBuffer._send_pending(buffer, queued.pop(0))

        task = asyncio.create_task(sender())
        await ProducerBuffer.flush(buffer)
        assert buffer.handed == [0, 1, 2, 3]
        await task

    asyncio.run(scenario())


def test_flush_refuses_to_pretend_when_the_buffer_stopped(monkeypatch):
    for name in ("put", "_send_pending", "flush"):
        monkeypatch.setattr(ProducerBuffer, name, getattr(ProducerBuffer, name))
    monkeypatch.delattr(ProducerBuffer, faust_compat._PATCHED, raising=False)
    monkeypatch.setattr(ProducerBuffer, "put", lambda self, fut: None)
    faust_compat._durable_flush()
    buffer = SlowBuffer()
    ProducerBuffer.put(buffer, "x")
    buffer.should_stop = True
    with pytest.raises(RuntimeError, match="1 messages unsent"):
        asyncio.run(ProducerBuffer.flush(buffer))
