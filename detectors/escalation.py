"""Shop- and product-level escalations: daily windows on event time (policy
`escalations:`, platform-2026-07).

Inputs are the orders as the order side opened them (OrderFacts: the
denominators) and the final decisions (the numerators), in any order. A window
is one (kind, shop or shop+product, calendar day in the policy's time zone):
- numerator: the distinct orders that a decision of one of the kind's rules
  decided that day (day of decided_at);
- denominator (`base`): `paid`, the subject's orders paid that day, or `due`,
  the subject's orders whose shipping deadline falls that day.
When the watermark passes the day's last millisecond, every window of that day
is final: each kind whose thresholds hold is emitted once, then the day is
forgotten. Windows close on event time only, so the same inputs in any
arrival order give the same escalations, ids included. An input for a day
already closed is late: counted, and it changes nothing.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .decisions import Decision
from .messages import OrderFacts
from .policy import Policy
from .policy_sections import EscalationKind


class Escalations:
    def __init__(self, policy: Policy):
        self.policy = policy
        self.counted: dict[tuple, set[str]] = {}   # (kind, subject, day) -> orders decided
        self.bases: dict[tuple, set[str]] = {}     # (base, level, subject, day) -> orders
        self.open_days: dict[str, int] = {}        # day -> its end (exclusive, epoch ms)
        self.soonest_end: int | None = None        # the earliest end among open_days (close is called often)
        self.closed_through: int | None = None     # every day ending at or before this + 1 ms is closed
        self.emitted: list[dict] = []
        self.late = 0

    # -- inputs -------------------------------------------------------------
    def opened(self, order: OrderFacts) -> None:
        """An order the order side opened (its first payment): the denominators."""
        for base, at in (("paid", order.paid_at), ("due", order.deadline)):
            kinds = [k for k in self.policy.escalations if k.base == base]
            day = self._day(at) if kinds else None
            for kind in kinds if day is not None else ():
                self.bases.setdefault((base, kind.level, subject(kind, order), day), set()).add(order.order_id)

    def decided(self, decision: Decision) -> None:
        """A final decision (penalty assigned): the numerators."""
        kinds = [k for k in self.policy.escalations if decision.rule in k.rules]
        day = self._day(decision.decided_at) if kinds else None
        for kind in kinds if day is not None else ():
            key = (kind.name, subject(kind, decision.order), day)
            self.counted.setdefault(key, set()).add(decision.order.order_id)

    # -- closing ------------------------------------------------------------
    def close(self, through: int) -> list[dict]:
        """Close every day whose last millisecond is at or before `through`; return what it emits."""
        if self.closed_through is not None and through <= self.closed_through:
            return []
        self.closed_through = through
        if self.soonest_end is None or self.soonest_end - 1 > through:
            return []
        out: list[dict] = []
        for day, end in sorted(self.open_days.items(), key=lambda item: item[1]):
            if end - 1 <= through:
                out += self._close_day(day, end)
        self.soonest_end = min(self.open_days.values(), default=None)
        self.emitted += out
        return out

    def _close_day(self, day: str, end: int) -> list[dict]:
        del self.open_days[day]
        start = day_bounds(day, self.policy.timezone)[0]
        out = []
        for kind in self.policy.escalations:
            subjects = {k[1] for k in self.counted if k[0] == kind.name and k[2] == day}
            for subj in sorted(subjects):
                orders = self.counted[(kind.name, subj, day)]
                base = len(self.bases.get((kind.base, kind.level, subj, day), ())) if kind.base else None
                if reached(kind, len(orders), base):
                    out.append(self._record(kind, subj, day, start, end, orders, base))
        self.counted = {k: v for k, v in self.counted.items() if k[2] != day}
        self.bases = {k: v for k, v in self.bases.items() if k[3] != day}
        return out

    def _record(self, kind: EscalationKind, subj: tuple, day: str, start: int, end: int, orders, base) -> dict:
        shop, product = subj[0], (subj[1] if len(subj) > 1 else None)
        version = self.policy.version
        text = "\x1f".join((version, kind.name, shop, product or "", day))
        return {
            "escalation_id": hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest(),
            "kind": kind.name, "level": kind.level, "shop_id": shop, "product_id": product, "day": day,
            "window_start": start, "window_end": end, "orders": len(orders), "base": base,
            "order_ids": sorted(orders), "policy_version": version,
        }

    def _day(self, at: int) -> str | None:
        day = calendar_day(at, self.policy.timezone)
        end = day_bounds(day, self.policy.timezone)[1]
        if self.closed_through is not None and end - 1 <= self.closed_through:
            self.late += 1
            return None
        if day not in self.open_days:
            self.open_days[day] = end
            self.soonest_end = end if self.soonest_end is None else min(self.soonest_end, end)
        return day


def subject(kind: EscalationKind, order: OrderFacts) -> tuple:
    """Whom a kind escalates: the shop, or the shop's product (a listing belongs to one shop)."""
    return (order.shop_id,) if kind.level == "shop" else (order.shop_id, order.product_id)


def reached(kind: EscalationKind, orders: int, base: int | None) -> bool:
    """The thresholds, in exact arithmetic; with no orders in the base, any rate counts as over."""
    if orders < kind.min_orders or (base or 0) < kind.min_base:
        return False
    if kind.rate_over is not None and not orders * 100 > kind.rate_over * (base or 0):
        return False
    if kind.rate_at_least is not None and not orders * 100 >= kind.rate_at_least * (base or 0):
        return False
    return True


def output_order(e: dict, policy: Policy) -> tuple:
    """Escalations are written by day, then kind (policy order), shop, product."""
    rank = [k.name for k in policy.escalations].index(e["kind"])
    return (e["window_start"], rank, e["shop_id"], e["product_id"] or "")


def calendar_day(at: int, timezone: str) -> str:
    return datetime.fromtimestamp(at / 1000, _zone(timezone)).date().isoformat()


@lru_cache(maxsize=4096)
def day_bounds(day: str, timezone: str) -> tuple[int, int]:
    """[start, end) of a calendar day in the zone, epoch ms."""
    d = datetime.fromisoformat(day).date()
    zone = _zone(timezone)
    start = datetime.combine(d, time(0), zone)
    end = datetime.combine(d + timedelta(days=1), time(0), zone)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
