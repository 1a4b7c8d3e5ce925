"""Reading and steering the consumer's bookkeeping: high watermarks, committed offsets, gaps,
seeks made in the consumer's own thread."""
from __future__ import annotations

import asyncio

from faust.transport.consumer import ensure_TP


def highwater(consumer, tp) -> int | None:
    """The fetch high watermark of tp; None until fetched (Faust raises then)."""
    try:
        return consumer.highwater(tp)
    except Exception:
        return None


def committed_offset(consumer, tp) -> int | None:
    """The next offset the group has committed for tp (None: nothing yet)."""
    return getattr(consumer, "_committed_offset", {}).get(tp)


def note_first_offset(consumer, tp, offset: int) -> None:
    """Where a partition with nothing committed starts. Faust keeps a committed 0 as None, and
    with None `_new_offset` cannot tell an unacked first message from none."""
    if not hasattr(consumer, "_sg_first_offset"):
        consumer._sg_first_offset = {}
    consumer._sg_first_offset[tp] = offset


def forget_gaps_from(consumer, tp, offset: int) -> None:
    """Faust counts a jump back to a hole as a gap and would commit past it."""
    gaps = consumer._gap.get(tp)
    if gaps:
        gaps.chop(offset, 2 ** 62)


def recovered(app) -> asyncio.Event:
    """Set once Faust has recovered the tables and sought the stream partitions; never cleared by Faust."""
    return app.tables.recovery.completed


async def beginning_offset(consumer, tp) -> int:
    thread = consumer._thread

    async def ask() -> int:
        return (await thread._ensure_consumer().beginning_offsets([tp]))[tp]
    return await thread.call_thread(ask)


async def seek(consumer, tp, offset: int) -> None:
    """In the consumer's own thread: Faust's `seek` calls aiokafka from this one, and
    aiokafka's fetcher, woken from the wrong event loop, never fetches again. Faust's read
    offset is reset too, or it drops the re-read records as already read. `tp` may be a
    message's, which is aiokafka's TopicPartition: Faust's sets hold its own TP and assert so,
    and one aiokafka key put into the active partitions crashed the fetcher (seen after a kill -9,
    under load, when flow control had taken the partition out)."""
    tp = ensure_TP(tp)
    thread = consumer._thread

    async def seek_there() -> None:
        thread._ensure_consumer().seek(tp, offset)
    await thread.call_thread(seek_there)
    consumer._read_offset[tp] = offset
    # Fetched again only if Faust counts it active: its flow control takes a partition out
    # while a stream's queue is full, and a rebalance in between can leave it out for good.
    consumer._buffered_partitions.discard(tp)
    if tp in consumer.assignment() and tp not in consumer._paused_partitions:
        consumer._get_active_partitions().add(tp)
