"""Every offset once, in order: each agent checks it takes its partitions
without a hole, and reads a hole again.

Why: at start and after a rebalance, faust-streaming 0.15 resumes the stream
partitions before it seeks them to their committed offsets. Records fetched
in between are still handed over after the seek; Faust then takes the jump
back to the committed offset for a gap, counts the gap's offsets as acked (so
the group commits past them) and drops the re-read records as already read.
Seen: 3 to 25 messages a partition lost across every such restart.

So each agent remembers the next offset it expects per partition, starting
from the group's committed offset once Faust has sought there, or for a new
group from the partition's first offset (records handed over before the seek
are dropped there too). A message
beyond it means a hole: the agent skips it, takes the gap out of Faust's
commit bookkeeping and seeks back to the hole, again for each such message,
until the hole's first offset comes. A message before it was taken already
and is skipped.

A seek can still be undone: Faust's fetch loop sets its read offset after it
hands over each record, so a stale record handed over while our seek lands
moves the read offset past the hole again, and Faust drops the re-read. When
that stale record was the last one, no message comes to trigger another seek
and the partition waits forever.

The same can happen with no hole in sight: after a rebalance, Faust's read
offset for a partition can be left above what the agent still has to take, and
Faust then drops every record up to it without a word (seen: two order-paid
partitions stuck 25 messages short after a worker joined and left).

Both are one case: messages wait below the partition's high watermark and
none has come for a while. So `retry_quiet`, called on a timer, seeks such a
partition to the next offset the agent expects (which also resets Faust's read
offset there): a hole after 1 s of quiet since its last seek, any other
partition after 5 s, and again with a backoff while it stays at one offset.
"""
from __future__ import annotations

import asyncio
import logging
import time

from . import faust_compat

log = logging.getLogger(__name__)
TAKE, SKIP = True, False


class Continuity:
    def __init__(self, name: str, topics: frozenset = frozenset(), clock=time.monotonic):
        self.name, self.topics = name, topics   # topics: the ones this agent reads, for retry_quiet
        self.clock = clock
        self.expected: dict = {}          # tp -> next offset to take
        self.seeking: set = set()         # partitions sought back to a hole, until its first offset comes
        self.in_flight: set = set()       # partitions with a seek under way
        self.heard: dict = {}             # tp -> when a message of it last came (any offset) or a seek landed
        self.quiet: dict = {}             # tp -> (quiet since, seeks made by retry_quiet, at which next offset)
        self.holes = 0

    def reset(self) -> None:
        """After a revocation the next seek decides where each partition starts."""
        self.expected.clear()
        self.seeking.clear()
        self.quiet.clear()
        self.heard.clear()                # silence counts from the new assignment, not from before it

    def excuse_quiet(self) -> None:
        """While the broker is away (seen: four seeks logged in a 15 s outage), and quiet counts
        again from when it is back."""
        now = self.clock()
        for tp in self.heard:
            self.heard[tp] = now
        self.quiet.clear()

    async def admit(self, consumer, message) -> bool:
        tp, offset = message.tp, message.offset
        self.heard[tp] = self.clock()
        expected = self.expected.get(tp)
        if expected is None:
            expected = faust_compat.committed_offset(consumer, tp)
            if expected is None:          # nothing committed: a new group starts at the beginning
                expected = await faust_compat.beginning_offset(consumer, tp)
                faust_compat.note_first_offset(consumer, tp, expected)
        if offset == expected:
            self.expected[tp] = offset + 1
            if tp in self.seeking:
                log.info("%s: reading %s/%d again from offset %d", self.name, tp.topic, tp.partition, offset)
                self.seeking.discard(tp)
            return TAKE
        if offset < expected:
            return SKIP                   # taken before
        self.expected[tp] = expected
        if tp not in self.seeking:        # the first message past a hole
            self.seeking.add(tp)
            self.holes += 1
            log.warning("%s: offsets %d..%d of %s/%d were skipped by the consumer; reading them again",
                        self.name, expected, offset - 1, tp.topic, tp.partition)
        faust_compat.forget_gaps_from(consumer, tp, expected)
        # Seek again after every stale record: each one Faust hands over moves its read
        # offset past the hole again, and it would drop the re-read. Not awaited here: the
        # consumer thread may be blocked handing this agent more stale records.
        self._start_seek(consumer, tp, expected)
        return SKIP

    def retry_quiet(self, consumer, hole_after: float = 1.0, after: float = 5.0) -> int:
        """Seek each partition of ours with messages waiting (high watermark above the next
        offset to take) that has heard nothing for `hole_after` seconds (a hole being read
        again) or `after` seconds (any other); again after 2x, 4x … 16x that while it stays
        at the same offset. Returns how many seeks it started."""
        now = self.clock()
        started = 0
        for tp in consumer.assignment():
            if tp.topic not in self.topics or tp in self.in_flight:
                continue
            nxt = self.expected.get(tp, faust_compat.committed_offset(consumer, tp))
            high = faust_compat.highwater(consumer, tp)
            if nxt is None and high:
                # Nothing taken nor committed since the assignment, yet records there: fetched and
                # dropped during a rejoin (seen after Tansu restarted empty: the consumer at the end,
                # no agent had a message). From the log's start, as a new group reads it.
                nxt = 0
            if nxt is None or (high is not None and nxt >= high):
                self.quiet.pop(tp, None)
                continue
            # Never fetched since it was assigned: nothing tells whether messages wait, and a
            # partition Faust left out of its fetches after a rebalance stayed so silently (seen
            # once: order-paid/3 read to 300 of 381 for 5 minutes). A seek brings it back.
            heard = self.heard.setdefault(tp, now)    # quiet since we first looked, when nothing came at all
            since, seeks, at = self.quiet.get(tp, (heard, 0, nxt))
            if at != nxt:                 # it moved since the last seek: a new stall, no backoff
                since, seeks = heard, 0
            since = max(since, heard)
            self.quiet[tp] = (since, seeks, nxt)
            if now - since < (hole_after if tp in self.seeking else after) * 2 ** min(seeks, 4):
                continue
            self.quiet[tp] = (now, seeks + 1, nxt)
            if high is None:
                log.warning("%s: nothing fetched from %s/%d for %.0f s; seeking it to offset %d",
                            self.name, tp.topic, tp.partition, now - since, nxt)
            else:
                log.warning("%s: %d messages wait on %s/%d from offset %d but none came for %.0f s; seeking there",
                            self.name, high - nxt, tp.topic, tp.partition, nxt, now - since)
            self._start_seek(consumer, tp, nxt)
            started += 1
        return started

    def _start_seek(self, consumer, tp, offset: int) -> None:
        if tp not in self.in_flight:
            self.in_flight.add(tp)
            asyncio.ensure_future(self._seek(consumer, tp, offset))

    async def _seek(self, consumer, tp, offset: int) -> None:
        try:
            await faust_compat.seek(consumer, tp, offset)
        finally:
            self.in_flight.discard(tp)
            self.heard[tp] = self.clock()         # quiet again from when the seek landed
