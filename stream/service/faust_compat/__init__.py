"""Every use of faust-streaming's private internals, and every patch of it, lives in this package.

faust-streaming 0.15 only (`check_version`): each piece names the failure it answers.
A test (tests/unit/test_faust_compat.py) fails when a module outside it reaches into Faust.
`install()` patches the classes once, from `create_app`, never at import.

commits.py   commit bookkeeping and commits across rebalances
offsets.py   high watermarks, committed offsets, gaps, seeks
tables.py    table writes batched for persist.py
broker.py    fetch wait, reconnects, recovery's high watermarks
waits.py     wait_first without tasks, a durable producer flush
"""
from __future__ import annotations

import faust
from faust.tables.recovery import Recovery
from faust.transport.consumer import Consumer
from faust.transport.producer import ProducerBuffer

from .broker import _build_highwaters, _fetch_wait_from_app, _reconnect_backoff
from .commits import _commit_only_as_member, _commit_only_unrebalanced, _new_offset
from .offsets import beginning_offset, committed_offset, forget_gaps_from, highwater, note_first_offset, recovered, seek
from .tables import BatchedTable, _persisted  # noqa: F401 (_persisted: tests call it here)
from .waits import _durable_flush, _eager_wait_first

__all__ = ["check_version", "install", "without_spinner", "highwater", "committed_offset", "note_first_offset",
           "forget_gaps_from", "recovered", "beginning_offset", "seek", "BatchedTable"]

SUPPORTED = "0.15."
_PATCHED = "_shipguard_patched"


def check_version() -> None:
    if not faust.__version__.startswith(SUPPORTED):
        raise RuntimeError(f"faust-streaming {faust.__version__} is not supported: stream/service/faust_compat/ "
                           f"patches {SUPPORTED}x internals")


def install() -> None:
    check_version()
    if getattr(ProducerBuffer, _PATCHED, False):
        return
    _durable_flush()
    Consumer._new_offset = _new_offset
    Consumer.wait_first = _eager_wait_first(Consumer.wait_first)
    Recovery._build_highwaters = _build_highwaters
    _fetch_wait_from_app()
    _reconnect_backoff()
    _commit_only_as_member()
    _commit_only_unrebalanced()
    setattr(ProducerBuffer, _PATCHED, True)


def without_spinner(worker) -> None:
    """Faust's terminal spinner sets the root logger to DEBUG so that it spins on every record,
    at any log level from WARNING up: every aiokafka and Faust debug line was built and then
    dropped (13 % of a worker's time under load)."""
    worker.spinner = None
