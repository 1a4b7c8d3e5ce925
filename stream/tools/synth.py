"""A deterministic synthetic event log (CONTRACT §6) with planted rule cases.

    lines, as_of = generate(orders=1000, seed=7, disorder_minutes=3)
    lines, as_of = iter_generate(100_000, 1, 3)     # same lines, lazily built
    log = synthesize(1000, 7, 3); log.planted; log.expected; log.as_of

Pure: no I/O, only `random.Random(seed)`. Lines come in ARRIVAL order: events
are sorted by event time, each delayed by a random amount in
[0, disorder_minutes], so no line arrives more than `disorder_minutes` after an
event with a later time. A few redelivered duplicates (same event_id, same
content) and unusable messages (truncated JSON, wrong types, missing fields)
are mixed in. Times are whole seconds, about half as RFC 3339 `+08:00`
strings and half as epoch ms.

`planted` counts the cases by kind; `expected` counts the violations per rule
the generator means to cause (a cross-check for humans; the engine decides).
Kinds and what they should fire (look-alikes fire nothing):

  duplicate_waybill            duplicate_waybill (another recipient or address, same city)
  duplicate_waybill_other_city duplicate_waybill + route_address_mismatch
  dup_reuse_after_30d          pickup_before_payment only (a delivered waybill reused
                               > 30 days later: not a duplicate, but its first
                               collected scan predates the payment)
  pickup_before_payment, route_address_mismatch, recalled_after_deadline,
  not_received, pickup_timeout  that rule
  no_transfer_local_only, no_transfer_late_hub   no_transfer_center_24h
  ship_timeout_no_upload       ship_timeout + pickup_timeout
  ship_timeout_late_upload     ship_timeout
  ship_timeout_cap_storm       60 orders of one shop, one day: 60 ship_timeout +
                               60 pickup_timeout (the 500-yuan daily cap bites)
  look-alikes: split, merged (same recipient and address; city spelled
  `杭州`/`杭州市` in some), lookalike_dup_after_30d, lookalike_cancel_reupload,
  edge_at_deadline (upload exactly at the deadline, collected exactly at
  deadline + 24 h, first hub exactly at collected + 24 h, signed exactly at
  upload + 15 d, cancel + re-upload exactly at the deadline).
Honest orders also have scans before their upload and `杭州`/`杭州市` spellings.
"""
from __future__ import annotations

import gc
import random
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Iterator

import orjson

from . import synth_platform
from .synth_cases import STORM, plant
from .synth_lines import BAD, CANCEL, DUP, PAID, SCAN, UPLOAD, bad_message, render, rfc3339
from .synth_texts import (DAY, HOUR, MIN, SEC, COLLECTED, IN_TRANSIT, DELIVERING, SIGNED, RETURNED,
                          EXCEPTION, CARRIER_WEIGHTS, CARRIERS, EXCEPTION_TEXTS, ORIGIN_PLACES, PLACE_WEIGHTS,
                          PLACES, RETURNED_TEXT, TRUNK_PLACES, hub, outlet, short, text, waybill)

START_MS = 1793462400000  # 2026-11-01T00:00:00+08:00
LATENESS_MS = 5 * MIN


# kind -> (share of orders, orders per case)
RATES = {
    "duplicate_waybill": (0.003, 2), "duplicate_waybill_other_city": (0.001, 2),
    "dup_reuse_after_30d": (0.001, 2), "lookalike_dup_after_30d": (0.001, 2),
    "pickup_before_payment": (0.004, 1), "route_address_mismatch": (0.004, 1),
    "recalled_after_deadline": (0.003, 1), "lookalike_cancel_reupload": (0.003, 1),
    "no_transfer_local_only": (0.002, 1), "no_transfer_late_hub": (0.002, 1),
    "not_received": (0.004, 1), "ship_timeout_no_upload": (0.003, 1),
    "ship_timeout_late_upload": (0.003, 1), "pickup_timeout": (0.004, 1),
    "edge_at_deadline": (0.005, 1), "split": (0.01, 1), "merged": (0.01, 2),
}


@dataclass(slots=True)
class _Order:
    order_id: str
    shop: int
    product_id: str
    amount: int
    recipient: str
    address: tuple  # province, city, district, detail_hash as written
    place: int
    swh: int | None
    paid_at: int
    i: int

    @property
    def deadline(self) -> int:
        return self.paid_at + (self.swh or 48) * HOUR


class SynthLog:
    """The planned log: iterate for the lines in arrival order (built lazily)."""

    def __init__(self, b: "_Builder", order: array, as_of: int):
        self._b, self._order, self.as_of = b, order, as_of
        self.planted: Counter = b.planted
        self.expected: Counter = b.expected
        self.cases: dict[str, str] = b.cases  # order_id -> kind, for every order not plain honest

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[dict]:
        b = self._b
        return (render(b, i) for i in self._order)


def synthesize(orders: int, seed: int, disorder_minutes: float, start_ms: int = START_MS,
               platform_cases: bool = False) -> SynthLog:
    """`platform_cases` adds the cases of policy platform-2026-07 (synth_platform.py)."""
    b = _Builder(orders, seed, start_ms, platform_cases)
    b.plan()
    return b.finish(int(disorder_minutes * MIN))


def generate(orders: int, seed: int, disorder_minutes: float,
             start_ms: int = START_MS, platform_cases: bool = False) -> tuple[list[dict], int]:
    """All lines in arrival order and the recommended as-of (epoch ms)."""
    log = synthesize(orders, seed, disorder_minutes, start_ms, platform_cases)
    was_enabled = gc.isenabled()
    gc.disable()  # a million fresh dicts, no cycles: collecting them only costs time
    try:
        return list(log), log.as_of
    finally:
        if was_enabled:
            gc.enable()


def iter_generate(orders: int, seed: int, disorder_minutes: float,
                  start_ms: int = START_MS, platform_cases: bool = False) -> tuple[Iterator[dict], int]:
    """As `generate`, but the lines are built one at a time (compact plan in memory)."""
    log = synthesize(orders, seed, disorder_minutes, start_ms, platform_cases)
    return iter(log), log.as_of


class _Builder:
    def __init__(self, n: int, seed: int, start_ms: int, platform_cases: bool = False):
        self.n, self.start, self.platform_cases = n, start_ms, platform_cases
        self.rng = rng = random.Random(seed)
        self.span_s = int(max(1.0, n / 20000) * 86400)
        n_shops = max(3, n // 50)
        self.shop_place = [rng.choice(ORIGIN_PLACES) for _ in range(n_shops)]
        self.shop_carrier = [rng.choices(CARRIERS, CARRIER_WEIGHTS)[0] for _ in range(n_shops)]
        self.T, self.ARR = array("q"), array("q")
        self.KIND, self.FLAG = array("b"), array("b")
        self.REF, self.AUX = array("l"), array("l")
        self.DESC: list = []
        self.CITY: list = []
        self.orders: list[_Order] = []
        self.parcels: list[tuple[str, str, str]] = []
        self.used: set[str] = set()
        self.bad: list[dict] = []
        self.planted: Counter = Counter()
        self.cases: dict[str, str] = {}
        self.expected: Counter = Counter()
        self.case_max = self.case_upload = 0
        self.need = 0
        self.tail_parcels: list[tuple[int, int]] = []

    # ---- small helpers
    def hrs(self, lo: float, hi: float) -> int:
        return int(self.rng.uniform(lo, hi) * 3600) * SEC

    def disp(self, place: int) -> str:
        city = PLACES[place][1]
        return city if self.rng.random() < 0.5 else short(city)

    def _add(self, t: int, kind: int, ref: int, aux: int = 0, desc=None, city=None) -> None:
        self.T.append(t)
        self.KIND.append(kind)
        self.REF.append(ref)
        self.AUX.append(aux)
        self.FLAG.append(self.rng.getrandbits(2))
        self.DESC.append(desc)
        self.CITY.append(city)
        if t > self.case_max:
            self.case_max = t

    def new_order(self, paid_at: int, *, shop=None, place=None, like: _Order | None = None,
                  recipient=None, swh=-1, product: str | None = None) -> _Order:
        rng = self.rng
        if shop is None:
            shop = like.shop if like else int(len(self.shop_place) ** rng.random()) - 1
        if place is None:
            place = rng.choices(range(len(PLACES)), PLACE_WEIGHTS)[0]
        province, city, districts, _ = PLACES[place]
        if like is not None and like.place == place and recipient is None:
            address = like.address  # merged shipment: the same recipient and address
            recipient = like.recipient
            if rng.random() < 0.3:  # ... with the city spelled the other way
                c = address[1]
                address = (address[0], short(c) if c == city else city, address[2], address[3])
        else:
            address = (province if rng.random() < 0.8 else short(province), self.disp(place),
                       rng.choice(districts), f"{rng.getrandbits(64):016x}")
        if swh == -1:
            x = rng.random()
            swh = None if x < 0.85 else 48 if x < 0.88 else rng.randint(72, 360)
        o = _Order(f"O{len(self.orders) + 1:08d}", shop, product or f"P{shop:05d}{rng.randrange(12):02d}",
                   min(100000, int(10 ** rng.uniform(2, 5))),
                   recipient or f"r_{rng.getrandbits(64):016x}", address, place, swh, paid_at,
                   len(self.orders))
        self.orders.append(o)
        self._add(paid_at, PAID, o.i)
        return o

    def new_parcel(self, o: _Order, carrier: str | None = None) -> int:
        rng = self.rng
        if carrier is None:
            carrier = self.shop_carrier[o.shop] if rng.random() < 0.8 else rng.choices(CARRIERS, CARRIER_WEIGHTS)[0]
        while True:
            wb = waybill(rng, carrier)
            if (carrier, wb) not in self.used:
                break
        self.used.add((carrier, wb))
        self.parcels.append((carrier, wb, f"{carrier}:{wb}"))
        return len(self.parcels) - 1

    def upload(self, o: _Order, p: int, t: int, cancel: bool = False) -> None:
        self._add(t, CANCEL if cancel else UPLOAD, o.i, p)
        if t > self.case_upload:
            self.case_upload = t

    def scan(self, p: int, t: int, status: int, desc: str, place: int, force_city: bool = False) -> None:
        city = self.disp(place) if force_city or self.rng.random() < 0.85 else None
        self._add(t, SCAN, p, status, desc, city)

    # ---- a parcel's journey from the shop's city to `dest`
    def journey(self, p: int, origin: int, dest: int, c: int, *, first_hub: int | None = None,
                hubs: bool = True, force_city: bool = False, finish: str = "sign",
                sign_at: int | None = None) -> int:
        rng, hrs, disp = self.rng, self.hrs, self.disp
        carrier = self.parcels[p][0]
        o_out, d_out = outlet(carrier, origin, rng.randrange(4)), outlet(carrier, dest, rng.randrange(4))
        self.scan(p, c, COLLECTED, text(carrier, "collected", c=disp(origin), o=o_out), origin)
        h0 = hub(carrier, origin)
        if hubs:
            fh = c + hrs(1, 10) if first_hub is None else first_hub
            t = c + int((fh - c) * rng.uniform(0.2, 0.7)) // SEC * SEC
            self.scan(p, t, IN_TRANSIT, text(carrier, "leave", c=disp(origin), o=o_out, h=h0), origin)
            route = [origin]
            if dest != origin:
                trunk = rng.choice(TRUNK_PLACES)
                if rng.random() < 0.4 and trunk not in (origin, dest):
                    route.append(trunk)
                route.append(dest)
            t = fh
            for k, place in enumerate(route):
                h = hub(carrier, place)
                nxt = hub(carrier, route[k + 1]) if k + 1 < len(route) else d_out
                if k:
                    t += hrs(3, 20)
                self.scan(p, t, IN_TRANSIT, text(carrier, "arrive", c=disp(place), h=h), place)
                if rng.random() < 0.5:
                    t += hrs(0.1, 1)
                    self.scan(p, t, IN_TRANSIT, text(carrier, "sort", c=disp(place), h=h, n=nxt), place)
                t += hrs(0.2, 2)
                self.scan(p, t, IN_TRANSIT, text(carrier, "depart", c=disp(place), h=h, n=nxt), place)
            t += hrs(1, 5)
        else:  # local only: the outlet says where it is going, no hub ever records the parcel
            t = c + hrs(0.5, 3)
            self.scan(p, t, IN_TRANSIT, text(carrier, "leave", c=disp(origin), o=o_out, h=h0), origin)
            t += hrs(2, 10)
        self.scan(p, t, IN_TRANSIT, text(carrier, "reach", c=disp(dest), o=d_out), dest)
        t += hrs(0.5, 8)
        self.scan(p, t, DELIVERING, text(carrier, "deliver", c=disp(dest)), dest, force_city)
        if finish != "sign" or sign_at is not None or rng.random() < 0.03:
            t += hrs(0.5, 4)
            self.scan(p, t, EXCEPTION, rng.choice(EXCEPTION_TEXTS), dest)
            if finish != "sign":
                return t
            t += hrs(18, 28)
            self.scan(p, t, DELIVERING, text(carrier, "deliver", c=disp(dest)), dest, force_city)
        t = sign_at if sign_at is not None else t + hrs(0.2, 6)
        self.scan(p, t, SIGNED, text(carrier, "sign", c=disp(dest)), dest, force_city)
        return t

    def ship(self, o: _Order, u: int, c: int | None = None, carrier: str | None = None, **kw) -> int:
        """Upload a new parcel for `o` at u and send it on its way (collected at c)."""
        p = self.new_parcel(o, carrier)
        self.upload(o, p, u)
        if c is None:
            c = max(o.paid_at + 5 * MIN, u - self.hrs(0.3, 3)) if self.rng.random() < 0.1 else u + self.hrs(0.2, 20)
        self.journey(p, self.shop_place[o.shop], kw.pop("dest", o.place), c, **kw)
        return p

    def in_time(self, o: _Order, hi: float = 0.85) -> int:
        h = (o.swh or 48)
        top = min(24.0, hi * h) if self.rng.random() < 0.7 else hi * h
        return o.paid_at + self.hrs(0.2, top)

    # ---- the cases; each returns nothing and counts what it planted
    def case(self, kind: str, paid: int) -> None:
        (synth_platform.plant if kind in synth_platform.KINDS else plant)(self, kind, paid)

    def plan(self) -> None:
        rng, n = self.rng, self.n
        kinds: list[str] = []
        used = 0
        for kind, (rate, size) in RATES.items():
            count = max(1, round(rate * n)) if n >= 40 else round(rate * n)
            count = min(count, (n - used) // size)
            kinds += [kind] * count
            used += count * size
        if n >= 5000:
            kinds.append("ship_timeout_cap_storm")
            used += STORM
        if self.platform_cases:                       # only when asked: the default logs stay as they were
            for kind, (rate, size) in synth_platform.RATES.items():
                count = min(max(1, round(rate * n)), (n - used) // size)
                kinds += [kind] * count
                used += count * size
            for kind, size in synth_platform.STORMS.items():
                if n - used >= size:
                    kinds.append(kind)
                    used += size
        self.planted.update(kinds)
        kinds += ["honest"] * (n - used)
        rng.shuffle(kinds)
        for kind in kinds:
            s = rng.randrange(self.span_s)
            if 3600 <= s % 86400 < 8 * 3600 and rng.random() < 0.7:  # fewer orders at night
                s = rng.randrange(self.span_s)
            self.case_max = self.case_upload = 0
            first = len(self.orders)
            self.case(kind, self.start + s * SEC)
            if kind != "honest":  # when the case's last timer can be decided
                for o in self.orders[first:]:
                    self.cases[o.order_id] = kind
                self.need = max(self.need, self.case_max, self.case_upload + 15 * DAY,
                                max(o.deadline for o in self.orders[first:]) + DAY)

    def finish(self, disorder: int) -> SynthLog:
        rng, T = self.rng, self.T
        if not len(T):
            return SynthLog(self, [], self.start - LATENESS_MS)
        top = max(T)
        if self.need and top - LATENESS_MS < self.need:  # let every planted timer resolve
            p, place = self.tail_parcels[-1] if self.tail_parcels else (0, 0)
            self.scan(p, self.need + LATENESS_MS + self.hrs(0.02, 0.5), RETURNED, RETURNED_TEXT, place)
            top = T[-1]
        n_real = len(T)
        self.ARR = array("q", (t + rng.randint(0, disorder) for t in T))
        for _ in range(max(2, n_real // 500)):  # redelivered duplicates
            i = rng.randrange(n_real)
            if self.KIND[i] != BAD:
                self._dup(i, rng.randint(self.ARR[i], T[i] + disorder))
        for k in range(max(7, n_real // 1000)):  # unusable messages
            t = T[rng.randrange(n_real)]
            self.bad.append(bad_message(self.rng, k, t))
            self._add(t, BAD, k)
            self.ARR.append(t + rng.randint(0, disorder))
        order = array("l", sorted(range(len(T)), key=self.ARR.__getitem__))  # stable: ties keep plan order
        self.ARR = self.used = None  # no longer needed; keep the plan small
        return SynthLog(self, order, top - LATENESS_MS)

    def _dup(self, i: int, arrival: int) -> None:
        self._add(self.T[i], DUP, i)
        self.ARR.append(arrival)

def main(argv: list[str] | None = None) -> None:
    """python -m stream.tools.synth ORDERS [SEED [DISORDER_MINUTES]]: the log on stdout, counts on stderr."""
    import sys

    args = (argv if argv is not None else sys.argv[1:]) or ["1000"]
    orders, seed, disorder = int(args[0]), int(args[1]) if len(args) > 1 else 1, float(args[2]) if len(args) > 2 else 3.0
    log = synthesize(orders, seed, disorder)
    out = sys.stdout.buffer
    for line in log:
        out.write(orjson.dumps(line) + b"\n")
    print(f"{len(log)} lines, as-of {rfc3339(log.as_of)}", file=sys.stderr)
    print("planted: " + ", ".join(f"{k} {v}" for k, v in sorted(log.planted.items())), file=sys.stderr)
    print("expected: " + ", ".join(f"{k} {v}" for k, v in sorted(log.expected.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
