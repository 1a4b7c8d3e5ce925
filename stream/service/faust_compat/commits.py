"""Faust's and aiokafka's commits, made exact: no unacked head committed past (#606), no old
positions committed or booked for an assignment a rebalance replaced, no commit without
membership."""
from __future__ import annotations

import contextvars

from aiokafka import errors as kafka_errors
from aiokafka.consumer.group_coordinator import GroupCoordinator
from aiokafka.protocol.group import JoinGroupRequest
from faust.transport.consumer import Consumer
from faust.transport.drivers.aiokafka import Consumer as AIOKafkaConsumer
from faust.utils.functional import consecutive_numbers


def _new_offset(self, tp):
    """Faust 0.15's commit bookkeeping (`Consumer._new_offset`) with its off-by-one fixed (#606).

    Faust refuses a commit only when `min(acked) - committed > 1`, and not at all when the
    committed offset is 0 (which it keeps as None); the committed offset is the next one to
    read, so one unacked head message was committed past. Here any unacked head holds the
    commit back; with nothing committed, the partition's first offset (note_first_offset)
    stands for it. An offset that does not exist at the committed position (a record removed by
    retention while the group was away) would hold commits back for good: not on these topics,
    which are neither compacted nor transactional."""
    acked = self._acked[tp]
    if not acked:
        return None
    max_offset = max(acked)
    gap_for_tp = self._gap[tp]
    if gap_for_tp:
        candidates = sorted(gap_for_tp.overlap(0, max_offset), key=lambda x: x.begin)
        if candidates:
            stuff_to_add: list[int] = []
            for entry in candidates:
                stuff_to_add.extend(range(entry.begin, entry.end))
            new_max_offset = max(stuff_to_add[-1], max_offset + 1)
            acked.extend(stuff_to_add)
            gap_for_tp.chop(0, new_max_offset)
    acked.sort()
    committed = self._committed_offset[tp]
    if committed is None:             # nothing committed yet: from the first offset, where known
        committed = getattr(self, "_sg_first_offset", {}).get(tp)
    if committed is not None and acked[0] > committed:
        return None                   # the message at `committed` is not acked yet
    batch = next(consecutive_numbers(acked))
    acked[: len(batch)] = []
    self._acked_index[tp].difference_update(batch)
    return batch[-1] + 1


def _commit_only_as_member(coordinator=GroupCoordinator) -> None:
    """A commit begun before a rebalance waits out a lost broker, then aiokafka sends it with the
    generation of that moment. Left alone it went out as member "" of generation -1, which a
    broker takes as a standalone commit into an empty group: seen on Tansu restarted empty, the
    old positions committed into the new group, and the new input below them never read. Kafka's
    own consumer fails such a commit ("not part of an active group"); so does this, and a commit
    whose assignment a rebalance replaced (its offsets belong to the old one). aiokafka raises
    CommitFailedError ("already rebalanced"), which Faust takes as a commit not made."""
    send = coordinator._do_commit_offsets

    async def do_commit_offsets(self, assignment, offsets):
        if offsets and (self.member_id == JoinGroupRequest.UNKNOWN_MEMBER_ID or not assignment.active):
            raise kafka_errors.UnknownMemberIdError(self.group_id)
        return await send(self, assignment, offsets)
    coordinator._do_commit_offsets = do_commit_offsets


_COMMIT: contextvars.ContextVar[dict | None] = contextvars.ContextVar("shipguard_commit", default=None)


def _commit_only_unrebalanced(consumer_class=Consumer, driver=AIOKafkaConsumer) -> None:
    """Faust's `_commit_offsets` picks the offsets, then flushes the producer, then commits, and
    books them as committed even when the commit failed. Seen with Tansu killed: the flush waited
    out the outage, a rebalance came in between, and the old positions were booked (and sent)
    for the new assignment, so the worker sought past the new input. Offsets picked before a
    rebalance are not committed after it, nor booked."""
    commit_offsets, commit = consumer_class._commit_offsets, driver._commit
    revoked = consumer_class.on_partitions_revoked

    async def on_partitions_revoked(self, tps):
        self._sg_rebalances = getattr(self, "_sg_rebalances", 0) + 1
        return await revoked(self, tps)

    async def counted_commit_offsets(self, offsets, start_new_transaction=True):
        this = {"begun": getattr(self, "_sg_rebalances", 0), "books": None}
        token = _COMMIT.set(this)
        try:
            did = await commit_offsets(self, offsets, start_new_transaction=start_new_transaction)
        finally:
            _COMMIT.reset(token)
        if this["books"] is None:
            return did
        for tp, offset in this["books"].items():    # as the rebalance left them
            if offset is None:
                self._committed_offset.pop(tp, None)
            else:
                self._committed_offset[tp] = offset
        return False

    async def commit_unless_rebalanced(self, offsets):
        this = _COMMIT.get()
        if this is not None and this["begun"] != getattr(self, "_sg_rebalances", 0):
            this["books"] = {tp: self._committed_offset.get(tp) for tp in offsets}
            return False
        return await commit(self, offsets)
    consumer_class.on_partitions_revoked = on_partitions_revoked
    consumer_class._commit_offsets = counted_commit_offsets
    driver._commit = commit_unless_rebalanced
