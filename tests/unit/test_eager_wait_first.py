"""faust_compat's eager `Consumer.wait_first`: a delivery that does not block costs no task; one that
blocks still loses to a rebalance (`suspend_flow`), as with mode's own wait_first."""
from __future__ import annotations

import asyncio
import warnings

import pytest
from mode import Service

from stream.service.faust_compat import _eager_wait_first


class Fetcher(Service):
    pass


wait_first = _eager_wait_first(Service.wait_first)


def run(coro):
    return asyncio.run(coro)


def test_a_delivery_that_does_not_block_makes_no_task_and_closes_the_rest():
    async def main():
        service, seen = Fetcher(), []
        suspend = asyncio.Event()

        async def deliver():
            seen.append(asyncio.current_task())
            return "delivered"
        tasks_before = len(asyncio.all_tasks())
        with warnings.catch_warnings():
            warnings.simplefilter("error")          # an unawaited suspend.wait() would warn
            done = await wait_first(service, (c := deliver()), suspend.wait())
        assert done.done == [c] and done.results == ["delivered"] and not done.stopped
        assert seen == [asyncio.current_task()] and len(asyncio.all_tasks()) == tasks_before
    run(main())


@pytest.mark.parametrize("yields", ["future", "bare"])
def test_a_delivery_that_blocks_finishes_as_a_task(yields):
    async def main():
        service, gate = Fetcher(), asyncio.get_running_loop().create_future()

        async def deliver():
            if yields == "bare":
                await asyncio.sleep(0)
                await asyncio.sleep(0)
            else:
                await gate
            return "late"
        asyncio.get_running_loop().call_later(0.01, gate.set_result, None)
        c = deliver()
        done = await wait_first(service, c, asyncio.Event().wait())
        assert done.done == [c] and done.results == ["late"]
    run(main())


def test_a_rebalance_interrupts_a_blocked_delivery():
    async def main():
        service, suspend, ended = Fetcher(), asyncio.Event(), []

        async def deliver():
            try:
                await asyncio.get_running_loop().create_future()    # a full stream queue
            except asyncio.CancelledError:
                ended.append("cancelled")
                raise
        asyncio.get_running_loop().call_later(0.01, suspend.set)
        done = await wait_first(service, deliver(), (w := suspend.wait()))
        assert done.done == [w]
        await asyncio.sleep(0)
        assert ended == ["cancelled"]
    run(main())


def test_an_error_in_the_delivery_comes_out():
    async def main():
        async def deliver():
            raise KeyError("bad")
        with pytest.raises(KeyError):
            await wait_first(Fetcher(), deliver(), asyncio.Event().wait())
    run(main())


def test_a_stopped_service_takes_mode_own_path():
    async def main():
        service = Fetcher()
        service._stopped.set()

        async def deliver():
            return 1
        done = await wait_first(service, deliver(), asyncio.Event().wait())
        assert done.stopped
    run(main())
