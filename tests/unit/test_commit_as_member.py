"""A commit goes out only from a member of the group, for the assignment it was begun under.

Seen: after Tansu restarted empty, a commit begun before the loss went out as member "" of
generation -1, the broker took it into the new, empty group, and the worker then sought past
the new input (tests/integration/test_broker_loss.py timed out in CI)."""
from __future__ import annotations

import asyncio

import pytest
from aiokafka.consumer.group_coordinator import GroupCoordinator
from aiokafka.errors import CommitFailedError

from stream.service import faust_compat


class Sent(GroupCoordinator):
    async def _do_commit_offsets(self, assignment, offsets):
        self.sent.append(offsets)


class Assignment:
    def __init__(self, active: bool):
        self.active = active


def coordinator(member_id: str) -> Sent:
    c = object.__new__(Sent)             # no client: only what commit_offsets reads
    c.group_id, c.member_id, c.sent, c._commit_lock = "g", member_id, [], asyncio.Lock()

    async def known():
        return None
    c.ensure_coordinator_known = known
    return c


faust_compat._commit_only_as_member(Sent)


@pytest.mark.parametrize("member_id, active", [("", True), ("", False), ("faust-1", False)])
def test_a_commit_without_membership_or_of_a_replaced_assignment_is_refused(member_id, active):
    c = coordinator(member_id)
    with pytest.raises(CommitFailedError, match="already rebalanced"):     # Faust's "commit not made"
        asyncio.run(GroupCoordinator.commit_offsets(c, Assignment(active), {"tp": 5}))
    assert c.sent == []


def test_a_member_commits_its_current_assignment():
    c = coordinator("faust-1")
    asyncio.run(GroupCoordinator.commit_offsets(c, Assignment(True), {"tp": 5}))
    assert c.sent == [{"tp": 5}]


def test_nothing_to_commit_is_no_error():
    c = coordinator("")
    asyncio.run(GroupCoordinator.commit_offsets(c, Assignment(False), {}))
    assert c.sent == [{}]


class Books:
    """Faust's `_commit_offsets` in short: flush the producer, commit, book the offsets as committed."""

    def __init__(self, during_flush=None):
        self._committed_offset, self.sent, self.during_flush = {}, [], during_flush

    async def _commit_offsets(self, offsets, start_new_transaction=True):
        if self.during_flush:
            await self.during_flush(self)
        did = await self._commit(offsets)
        self._committed_offset.update(offsets)
        return did

    async def on_partitions_revoked(self, tps):
        for tp in tps:
            self._committed_offset.pop(tp, None)


class Driver(Books):
    async def _commit(self, offsets):
        self.sent.append(offsets)
        return True


faust_compat._commit_only_unrebalanced(Books, Driver)


def test_offsets_picked_before_a_rebalance_are_neither_committed_nor_booked_after_it():
    async def rebalance(consumer):                 # the flush waits out a lost broker; the group rejoins
        await consumer.on_partitions_revoked({"tp"})
        consumer._committed_offset["other"] = 3    # what the new assignment's seek found
    consumer = Driver(during_flush=rebalance)
    consumer._committed_offset["tp"] = 10
    assert asyncio.run(consumer._commit_offsets({"tp": 42, "other": 7})) is False
    assert consumer.sent == []
    assert consumer._committed_offset == {"other": 3}


def test_offsets_of_the_current_assignment_are_committed_and_booked():
    consumer = Driver()
    assert asyncio.run(consumer._commit_offsets({"tp": 42})) is True
    assert consumer.sent == [{"tp": 42}] and consumer._committed_offset == {"tp": 42}
