"""Reads of the serving view for the console's list pages: filtered, sorted pages of violations,
the days' aggregates, and leaderboards over a window of days (layout: serving_keys.py).

Each read is a few sorted-set commands. A page filtered by more than one index, by a day range
over an index other than time, or sorted by penalty, is intersected into a temporary key that
lives for that one read (and expires by itself should the reader die)."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass, fields

import orjson
import redis

from .serving_keys import FAKE, FILTERS, METRICS, Keys, day_end, day_start

SORTS = ("time", "penalty")
TEMP_SECONDS = 60


@dataclass(frozen=True)
class ViolationFilter:
    rule: str | None = None
    category: str | None = None
    shop: str | None = None
    carrier: str | None = None
    day_from: str | None = None         # YYYY-MM-DD, China time, inclusive
    day_to: str | None = None
    sort: str = "time"                  # or "penalty"
    descending: bool = True

    def given(self) -> list[tuple[str, str]]:
        return [(name, getattr(self, name)) for name in FILTERS if getattr(self, name)]

    def as_params(self) -> dict[str, str]:
        """The filter as the query string the console's links carry."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["descending"] = "1" if self.descending else "0"
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


@dataclass(frozen=True)
class Page:
    total: int
    rows: list[dict]


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class ServingReader:
    def __init__(self, client: redis.Redis, prefix: str = "shipguard"):
        self.client, self.keys = client, Keys(prefix)

    # --- violations ---------------------------------------------------------------------------

    def violations(self, f: ViolationFilter, offset: int = 0, limit: int = 50) -> Page:
        with self._selected(f) as (key, lo, hi):
            pipe = self.client.pipeline(transaction=False)
            pipe.zcount(key, lo, hi)
            start, end = (hi, lo) if f.descending else (lo, hi)
            pipe.zrange(key, start, end, desc=f.descending, byscore=True, offset=offset, num=limit)
            total, ids = pipe.execute()
        return Page(total, self._docs(ids))

    def iter_violations(self, f: ViolationFilter, batch: int = 2000):
        """Every violation the filter selects, in its order (the CSV export)."""
        with self._selected(f) as (key, lo, hi):
            start, end = (hi, lo) if f.descending else (lo, hi)
            offset = 0
            while ids := self.client.zrange(key, start, end, desc=f.descending, byscore=True, offset=offset,
                                            num=batch):
                yield from self._docs(ids)
                offset += len(ids)

    def order(self, order_id: str) -> list[dict]:
        """One order's violations, oldest first."""
        return self._docs(self.client.zrange(self.keys.owner("order", order_id), 0, -1))

    def _docs(self, ids) -> list[dict]:
        blobs = self.client.mget([self.keys.violation(_text(i)) for i in ids]) if ids else []
        return [orjson.loads(b) for b in blobs if b is not None]

    @contextmanager
    def _selected(self, f: ViolationFilter):
        """(key, lo, hi): a sorted set holding the filter's violations, scored by f.sort."""
        sets = [self.keys.index(name, value) for name, value in f.given()] or [self.keys.all]
        lo = day_start(f.day_from) if f.day_from else "-inf"
        hi = day_end(f.day_to) if f.day_to else "+inf"
        ranged, by_penalty = (lo, hi) != ("-inf", "+inf"), f.sort == "penalty"
        if len(sets) == 1 and not by_penalty:
            yield sets[0], lo, hi                          # one index, scored by time already
            return
        if sets == [self.keys.all] and not ranged:
            yield self.keys.by_penalty, "-inf", "+inf"
            return
        temp = self.keys.temp(uuid.uuid4().hex)
        pipe = self.client.pipeline(transaction=False)
        if len(sets) == 1 and not ranged:
            pipe.zinterstore(temp, {sets[0]: 0, self.keys.by_penalty: 1})
        else:
            if len(sets) == 1:
                pipe.zrangestore(temp, sets[0], lo, hi, byscore=True)
            else:
                pipe.zinterstore(temp, sets, aggregate="MAX")     # every index is scored by time
                if lo != "-inf":
                    pipe.zremrangebyscore(temp, "-inf", f"({lo}")
                if hi != "+inf":
                    pipe.zremrangebyscore(temp, f"({hi}", "+inf")
            if by_penalty:
                pipe.zinterstore(temp, {temp: 0, self.keys.by_penalty: 1})
        pipe.expire(temp, TEMP_SECONDS)
        pipe.execute()
        try:
            yield temp, "-inf", "+inf"
        finally:
            self.client.delete(temp)

    # --- days -----------------------------------------------------------------------------------

    def days(self) -> list[str]:
        """Every day with a violation or an escalation, oldest first."""
        return [_text(d) for d in self.client.zrange(self.keys.days, 0, -1)]

    def days_between(self, day_from: str | None, day_to: str | None) -> list[str]:
        lo = day_start(day_from) if day_from else "-inf"
        hi = day_start(day_to) if day_to else "+inf"
        return [_text(d) for d in self.client.zrange(self.keys.days, lo, hi, byscore=True)]

    def daily(self, days: list[str]) -> list[dict]:
        """Per day: violations, penalty_fen, capped, and per rule its violations and fen."""
        pipe = self.client.pipeline(transaction=False)
        for day in days:
            pipe.hgetall(self.keys.day(day))
        out = []
        for day, raw in zip(days, pipe.execute()):
            fields_ = {_text(k): int(v) for k, v in raw.items()}
            out.append({"day": day, "violations": fields_.get("violations", 0),
                        "penalty_fen": fields_.get("penalty_fen", 0), "capped": fields_.get("capped", 0),
                        "rules": {k[5:]: n for k, n in fields_.items() if k.startswith("rule:")},
                        "fen": {k[4:]: n for k, n in fields_.items() if k.startswith("fen:")}})
        return out

    # --- leaderboards ---------------------------------------------------------------------------

    def leaderboard(self, subject: str, days: list[str], sort: str = "violations", offset: int = 0,
                    limit: int = 50) -> Page:
        """Shops or carriers over the days, by `sort` (one of METRICS), highest first. Each row: id,
        violations, penalty_fen, capped, fake_shipping, fake_rate (fake-shipping share of its violations),
        and for shops escalations."""
        metrics = METRICS if subject == "shop" else tuple(m for m in METRICS if m != "escalations")
        if sort not in metrics:
            raise ValueError(f"sort must be one of {', '.join(metrics)}, not {sort!r}")
        if not days:
            return Page(0, [])
        token = uuid.uuid4().hex
        temps = {m: self.keys.temp(f"{token}:{m}") for m in metrics}
        ranked = self.keys.temp(f"{token}:rank")
        pipe = self.client.pipeline(transaction=False)
        for metric, temp in temps.items():
            pipe.zunionstore(temp, [self.keys.board(subject, metric, d) for d in days])
        # Every subject with a violation or a score, ranked by the metric (0 where it has none).
        pipe.zunionstore(ranked, {temps["violations"]: 0, temps[sort]: 1})
        for temp in (*temps.values(), ranked):
            pipe.expire(temp, TEMP_SECONDS)
        pipe.execute()
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.zcard(ranked)
            pipe.zrange(ranked, offset, offset + limit - 1, desc=True)
            total, members = pipe.execute()
            if not members:
                return Page(total, [])
            pipe = self.client.pipeline(transaction=False)
            for temp in temps.values():
                pipe.zmscore(temp, members)
            scores = dict(zip(temps, pipe.execute()))
        finally:
            self.client.delete(*temps.values(), ranked)
        rows = []
        for i, member in enumerate(members):
            row = {"id": _text(member)} | {m: int(scores[m][i] or 0) for m in metrics}
            row["fake_rate"] = row[FAKE] / row["violations"] if row["violations"] else 0.0
            rows.append(row)
        return Page(total, rows)

    def memory_bytes(self) -> int:
        """Redis's used_memory, for the bench's bytes per violation (before and after a fill)."""
        return int(self.client.info("memory")["used_memory"])
