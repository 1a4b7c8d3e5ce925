"""Shop and product escalations in the stream (policy `escalations:`), kept by
the penalty stage.

The penalty stage is keyed by shop_id, so one of its partitions sees all of a
shop's decisions (the numerators) and, when a kind has a base, the order
stage's OrderOpened for each of the shop's orders (the denominators). A shop's
windows are one detectors.escalation.Escalations, stored as JSON in a
changelogged table under "partition|shop". After the stage has taken
everything through its watermark, `close` closes the days that ended by then,
as the offline engine does after each advance, and publishes what they emit.

Each escalation is published once: a shop remembers the ids it published
(until the retention has passed since their window ended), and a starting
worker reads the tail of the topic (published.py) for those a kill -9 left
unrecorded. Publishing comes before the record, so a crash can only repeat an
escalation (and the tail catches that), never lose one.
"""
from __future__ import annotations

import math

from detectors.decisions import Decision
from detectors.escalation import Escalations, output_order
from detectors.messages import OrderFacts
from detectors.policy import Policy

from .codec import decode_escalations, encode_escalations


def wants_opened(policy: Policy) -> bool:
    """Whether the penalty stage needs the opened orders: some kind has a base."""
    return any(kind.base for kind in policy.escalations)


class ShopEscalations:
    def __init__(self, table, policy: Policy, publish, metrics=None, already=set):
        self.table, self.policy, self.publish, self.metrics = table, policy, publish, metrics
        self.already = already                          # () -> ids on the topic at start
        self.kinds = tuple(kind.name for kind in policy.escalations)
        self.rules = frozenset().union(*(kind.rules for kind in policy.escalations))
        self.soonest: dict[int, float] = {}             # partition -> earliest open window end; absent: scan
        self.closed: dict[int, int] = {}                # partition -> the last watermark closed here

    def forget(self, p: int) -> None:
        """The partition is (re)assigned: what memory says about it may be stale."""
        self.soonest.pop(p, None)
        self.closed.pop(p, None)

    def opened(self, p: int, order: OrderFacts) -> None:
        self._update(p, order.shop_id, lambda esc: esc.opened(order))

    def decided(self, p: int, decision: Decision) -> None:
        if decision.rule in self.rules:                 # no table write for a rule no kind counts
            self._update(p, decision.order.shop_id, lambda esc: esc.decided(decision))

    def _update(self, p: int, shop: str, feed) -> None:
        key = f"{p}|{shop}"
        raw = self.table.get(key)
        esc, done = decode_escalations(raw, self.policy) if raw is not None else (Escalations(self.policy), [])
        if p in self.closed and (esc.closed_through is None or esc.closed_through < self.closed[p]):
            esc.closed_through = self.closed[p]         # a day the partition closed is closed for this shop too
        feed(esc)
        self.table[key] = encode_escalations(esc, done)
        if p in self.soonest and esc.soonest_end is not None:
            self.soonest[p] = min(self.soonest[p], esc.soonest_end)

    async def close(self, p: int, through: int) -> None:
        """Everything through `through` is taken: close the days that ended, publish each escalation once."""
        if self.soonest.get(p, -math.inf) - 1 > through:
            self.closed[p] = through
            return
        prefix, soonest, closing = f"{p}|", math.inf, []
        oldest = through - self.policy.retention_ms      # ids and closed days are kept this long
        for key, raw in list(self.table.items()):
            if not key.startswith(prefix):
                continue
            esc, done = decode_escalations(raw, self.policy)
            if esc.soonest_end is not None and esc.soonest_end - 1 <= through:
                closing.append((key, esc, done, esc.close(through)))
            elif not esc.open_days and (esc.closed_through or oldest) < oldest:
                self.table.pop(key, None)                 # quiet past the retention: late input could not reach it
            soonest = min(soonest, esc.soonest_end if esc.soonest_end is not None else math.inf)
        recorded = {i for *_, done, _ in closing for i, _ in done}
        emitted = sorted((e for *_, out in closing for e in out), key=lambda e: output_order(e, self.policy))
        for e in emitted:
            if e["escalation_id"] not in recorded and e["escalation_id"] not in self.already():
                await self.publish(e)
                if self.metrics is not None:
                    self.metrics.escalation(e["kind"], self.kinds)
        for key, esc, done, out in closing:     # kept even when empty: its closed days stay closed
            done = [[i, end] for i, end in done if end >= oldest] + [[e["escalation_id"], e["window_end"]] for e in out]
            self.table[key] = encode_escalations(esc, done)
        self.soonest[p], self.closed[p] = soonest, through
