"""An offline run: an event log through the engine, as of a time T (CONTRACT §6)."""
from __future__ import annotations

import base64
import gc
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable

from detectors.engine import Engine
from detectors.escalation import output_order as escalation_order
from detectors.events import Event
from detectors.parse import FAST, MAX_BYTES, DeadLetter, parse_message, parse_value
from detectors.penalties import output_order
from detectors.policy import Policy

from .eventlog import LogRecord


@dataclass
class RunResult:
    violations: list[dict]
    dead_letters: list[dict]
    counts: Counter = field(default_factory=Counter)
    as_of: int | None = None
    escalations: list[dict] = field(default_factory=list)   # policy `escalations:`: days closed by T


def decode(record: LogRecord, max_bytes: int = MAX_BYTES) -> Event | DeadLetter:
    """One log record as the stream would see its message: an event or a dead letter."""
    if record.problem:
        return DeadLetter(record.topic, record.problem[0], record.problem[1], record.raw)
    if record.value is None:
        return parse_message(record.topic, record.raw, max_bytes)
    if len(record.raw) > max_bytes:
        return DeadLetter(record.topic, "oversize", f"message is {len(record.raw)} bytes, over {max_bytes}", record.raw)
    return parse_value(record.topic, record.value, record.raw)


def dead_letter_record(dead: DeadLetter, partition: int | None, offset: int) -> dict:
    """A dead letter as written to a file or to `shipguard-dlq` (CONTRACT §5)."""
    return {
        "topic": dead.topic, "partition": partition, "offset": offset,
        "reason": dead.reason, "detail": dead.detail,
        "raw_b64": base64.b64encode(dead.raw).decode("ascii"),
    }


@contextmanager
def collector_paused():
    """The engine makes no reference cycles (a run over generated and hostile logs leaves
    none to collect), yet the cyclic collector kept walking its ever larger states and the
    held log: a third of a run's time. Paused for the run, as the generator does (and the replay,
    whose aiokafka reads may leave cycles: they are collected once it is enabled again)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_offline(records: Iterable[LogRecord], policy: Policy, lateness_ms: int,
                as_of: int | None = None, max_bytes: int = MAX_BYTES) -> RunResult:
    with collector_paused():
        return _run(records, policy, lateness_ms, as_of, max_bytes)


def _run(records: Iterable[LogRecord], policy: Policy, lateness_ms: int, as_of: int | None,
         max_bytes: int) -> RunResult:
    engine = Engine(policy, lateness_ms, as_of)
    dead_letters: list[dict] = []
    tally: Counter = Counter()      # topic of each event, (reason,) of each dead letter: no string built a message
    offer = engine.offer
    fast_for = FAST.get
    for record in records:
        value = record.value
        if type(value) is dict and not record.problem and len(record.raw) <= max_bytes:
            fast = fast_for(record.topic)         # decode's own first try, without its two calls
            if fast is not None:
                item = fast(value)
                if item is not None:
                    tally[item.topic] += 1
                    offer(item)
                    continue
        item = decode(record, max_bytes)
        if type(item) is DeadLetter:
            tally[(item.reason,)] += 1
            dead_letters.append(dead_letter_record(item, record.partition, record.line))
        else:
            tally[item.topic] += 1
            offer(item)
    counts: Counter = Counter({f"dead:{k[0]}" if type(k) is tuple else f"in:{k}": n for k, n in tally.items()})
    violations = sorted(engine.finish(), key=output_order)
    counts.update(engine.counts)
    end = as_of if as_of is not None else engine.watermark()
    escalations = sorted(engine.escalations.emitted, key=lambda e: escalation_order(e, policy)) \
        if engine.escalations is not None else []
    return RunResult(violations, dead_letters, counts, end, escalations)
