"""The case page's timelines in the Redis serving view, written by the stages that read the
platform topics (issue 14: "keep a compact per-order timeline ... say which and why").

Why a timeline in the serving view and not a read of the topics: reading only the order's and
its parcels' partitions over event-time windows was built and measured first, and missed the
1 s target on dense data (1 M messages on the embedded broker: case page p50 4.8 s, p95 19.7 s;
a parcel's partition holds some 40 k scans a day, and a waybill reused after weeks sends the
search back to the partition's start). The order and parcel stages already hold every event
with its topic, partition and offset as they read it, so writing it once more costs one or two
pipelined commands per event, and a case becomes two round trips to Redis.

Layout (prefix "shipguard" unless told):
  {p}:tl:o:{order_id}            sorted set: the order's payment, uploads and cancels
  {p}:tl:w:{carrier:waybill_no}  sorted set: the parcel's scans, and every order's uploads and
                                 cancels of it (a duplicate_waybill's evidence is another order's)
Score: the event time (ms). Member: the compact JSON of `entry` (event id, kind, event time,
topic, partition, offset and the fields the page shows; never the recipient or address hashes).
A redelivered record makes the same member, so writing it again changes nothing. The same event
produced twice is two records and shows twice, at its two offsets, as on the topic.

Each key expires `retention_ms` (the policy's retention, as the state forgets a quiet key) after
its last write, refreshed on every write. Redis expiry is in wall time, event time is not: in a
live deployment the two advance together; a backfilled old log keeps its timelines for the
retention from when it was read.

The writer buffers entries and hands each batch to the ServingView as one pipelined write (per
key one ZADD of its members and one PEXPIRE), so a Redis outage is survived as the violations
are: the ServingView's bounded queue, retried in order, never raising into the stage.
"""
from __future__ import annotations

import orjson

from detectors.events import CarrierScan, OrderPaid, TrackingUploaded

BATCH = 512          # entries per pipelined write at most; a stage's batch close flushes sooner

# Entry fields (short: a member is kept per event): e event id, k kind (paid, upload, cancel, scan),
# t event time ms, tp topic, p partition, o offset; paid: ord, shop, fen, h (ship within hours),
# prov, city; upload/cancel: ord, shop, w (parcel carrier:waybill_no); scan: w, st, d, city.


def entry(topic: str, partition: int, offset: int, item) -> dict:
    """What the case page shows of one record: no personal data."""
    e = {"e": item.event_id, "t": item.time, "tp": topic, "p": partition, "o": offset}
    if isinstance(item, OrderPaid):
        e.update(k="paid", ord=item.order_id, shop=item.shop_id, fen=item.paid_amount_fen,
                 h=item.ship_within_hours, prov=item.address.province, city=item.address.city)
    elif isinstance(item, TrackingUploaded):
        e.update(k=item.action, ord=item.order_id, shop=item.shop_id, w=item.parcel)
    elif isinstance(item, CarrierScan):
        e.update(k="scan", w=item.parcel, st=item.status, d=item.description)
        if item.city is not None:
            e["city"] = item.city
    else:
        raise TypeError(f"no timeline entry for {type(item).__name__}")
    return e


class TimelineKeys:
    def __init__(self, prefix: str = "shipguard"):
        self.p = prefix

    def order(self, order_id: str) -> str:
        return f"{self.p}:tl:o:{order_id}"

    def parcel(self, parcel: str) -> str:
        return f"{self.p}:tl:w:{parcel}"

    def of(self, item) -> tuple[str, ...]:
        if isinstance(item, CarrierScan):
            return (self.parcel(item.parcel),)
        if isinstance(item, TrackingUploaded):
            return self.order(item.order_id), self.parcel(item.parcel)
        return (self.order(item.order_id),)


class TimelineBatch:
    """One pipelined write: key -> {member: score}. The ServingView queues it as one of its writes."""
    __slots__ = ("adds", "ttl_ms", "entries")

    def __init__(self, adds: dict[str, dict[bytes, int]], ttl_ms: int, entries: int):
        self.adds, self.ttl_ms, self.entries = adds, ttl_ms, entries

    def write_to(self, pipe) -> None:
        for key, members in self.adds.items():
            pipe.zadd(key, members)
            pipe.pexpire(key, self.ttl_ms)


class TimelineWriter:
    """Buffers the entries of what a stage read; `flush` hands them to `serving` (a ServingView)."""

    def __init__(self, serving, retention_ms: int, prefix: str | None = None, batch: int = BATCH):
        self.serving, self.ttl_ms, self.batch = serving, retention_ms, batch
        self.keys = TimelineKeys(prefix if prefix is not None else serving.prefix)
        self._adds: dict[str, dict[bytes, int]] = {}
        self._entries = 0

    def add(self, topic: str, partition: int, offset: int, item) -> None:
        member, at = orjson.dumps(entry(topic, partition, offset, item)), item.time
        for key in self.keys.of(item):
            self._adds.setdefault(key, {})[member] = at
        self._entries += 1
        if self._entries >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Hand what is buffered to the serving view (queued there if Redis is down); never raises."""
        if self._entries:
            batch, self._adds, self._entries = TimelineBatch(self._adds, self.ttl_ms, self._entries), {}, 0
            self.serving.record(batch)

