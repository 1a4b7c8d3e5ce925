"""One order's case: its payment, uploads and cancels, each parcel's scans, with
event time, topic, partition and offset, and its decisions on that timeline.

Why read the topics and not keep a per-order timeline in Redis: the worker would
then write every input event a second time (1.3 M writes for 100 k orders, for
the few orders anyone opens), in stages whose batches and restarts are already
tuned for exactly-once state; and the retention would have to be kept in step
by hand. Reading is cheap when it is narrow. So a case reads only:
  - the partition of `order-paid` and of `tracking-uploaded` that holds the
    order (keyed by order_id, murmur2 as the producers place it), over an
    event-time window around its decisions (from the serving view);
  - the partitions of `carrier-scan` that hold its parcels (key
    `carrier:waybill_no`), over a window around the order's own events;
  - only when a duplicate_waybill's evidence is still missing (it cites another
    order's upload): the uploads of its parcels on every partition of
    `tracking-uploaded`, over the duplicate window before that decision.
Each window starts narrow (read_case's arguments) and widens while the payment
or an evidence event is missing: x4 up to the policy's retention (a key quiet
that long was forgotten), and for scans then from the partition's start (a
waybill reused after 30 days keeps its first collected scan as evidence).

Windows are in event time, found by a search over offsets on the event
time inside the records (partition_window.py), not on Kafka record timestamps:
a record's timestamp is the producer's clock (or, on Tansu, arrival) and says
nothing of when a scan happened, while decisions and their windows are in event
time. Records are filtered by key before they are parsed. An event its
producer placed on another partition than its key's is not seen here.

The cost is the records of those windows in one partition per topic (a few
probes per window end, then one sequential read), not the whole range. It grows
with a partition's traffic per day, and it misses the issue's 1 s target on
dense data: on the embedded broker, 1 M messages on 4 partitions
(the generator packs 841 k scans into about 5 days, some 40 k per partition a
day), 17 cases took p50 4.8 s and p95 19.7 s (0.5-1.2 s for the cases that read
only the order's partitions, 3.4-6.5 s for a parcel's 3 days of scans, 18-20 s
for pickup_before_payment, whose collected scan lies before the first window). case_timing.time_cases measures
it. Reaching 1 s at that density means a per-order timeline in the serving view
(the worker's order and parcel stages see every event with its offset).
"""
from __future__ import annotations

from aiokafka import TopicPartition

from detectors.events import CARRIER_SCAN, ORDER_PAID, TRACKING_UPLOADED, OrderPaid, TrackingUploaded

from .case_reader import CaseReader
from .case_view import assemble

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
EVER = 1 << 62            # a window from the partition's start
WIDEN = 4


async def read_case(bootstrap: str, order_id: str, decisions: list[dict], *, disorder_ms: int = 300_000,
                    retention_ms: int = 30 * DAY_MS, duplicate_window_ms: int = 30 * DAY_MS,
                    order_look_ms: int = 3 * DAY_MS, scan_before_ms: int = 6 * HOUR_MS,
                    scan_follow_ms: int = 3 * DAY_MS, around_ms: int = HOUR_MS, auth: dict | None = None) -> dict:
    """The case of `order_id`, given its decisions (violations, as the serving view keeps them).

    The order's own events are looked for from order_look_ms before its first decision (a
    ship_timeout comes 48 h after the payment by default) to around_ms after its last. Its
    parcels' scans are read from scan_before_ms before the order's first event to scan_follow_ms
    after its last, and around_ms around each decision (a deadline may fall long after)."""
    if not order_id or not order_id.strip():
        raise ValueError("an order id is needed")
    wanted = {e for d in decisions for e in d["evidence"]}
    async with CaseReader(bootstrap, auth, disorder_ms) as reader:
        mine = await _order_events(reader, order_id, decisions, order_look_ms, around_ms, retention_ms)
        parcels = {item.parcel for _, item in mine if isinstance(item, TrackingUploaded)}
        parcels |= {f"{d['carrier']}:{d['waybill_no']}" for d in decisions if d.get("carrier")}
        scans = await _scans(reader, parcels, mine, decisions, (scan_before_ms, scan_follow_ms, around_ms))
        missing = wanted - {item.event_id for _, item in mine + scans}
        others = []
        if missing and parcels:        # a duplicate's other upload
            others = await _other_uploads(reader, order_id, parcels, decisions, missing, duplicate_window_ms)
            missing -= {item.event_id for _, item in others}
        if missing and parcels:        # an old scan (a waybill reused): look further back
            scans = await _scans(reader, parcels, mine, decisions, (scan_before_ms, scan_follow_ms, around_ms),
                                 missing, retention_ms)
    return assemble(order_id, decisions, mine + scans + others, reader.reads)


async def _order_events(reader, order_id, decisions, look_ms, around_ms, retention_ms) -> list[tuple]:
    key = order_id.encode()
    tps = {reader.partition(ORDER_PAID, order_id), reader.partition(TRACKING_UPLOADED, order_id)}
    times = [d["decided_at"] for d in decisions]

    def of_order(item) -> bool:
        return item.order_id == order_id
    if not times:                 # no anchor: the whole of the order's two partitions (the small topics)
        return await reader.events(tps, [(0, 1 << 62)], lambda r: r.key == key, of_order)
    back = look_ms
    while True:
        found = await reader.events(tps, [(min(times) - back, max(times) + around_ms)],
                                    lambda r: r.key == key, of_order)
        if any(isinstance(item, OrderPaid) for _, item in found) or back >= retention_ms:
            return found
        back = min(back * WIDEN, retention_ms)


async def _scans(reader, parcels, mine, decisions, spans, missing=(), retention_ms=0) -> list[tuple]:
    """The parcels' scans; while one of `missing` is not among them, also from further back (only
    the part not read yet): x4 up to the retention, then from the start (a parcel's state lives as
    long as its scans keep coming)."""
    before_ms, follow_ms, around_ms = spans
    if not parcels:
        return []
    keys = {p.encode() for p in parcels}
    tps = {reader.partition(CARRIER_SCAN, p) for p in parcels}
    own = [item.time for _, item in mine] or [d["decided_at"] for d in decisions]
    windows = [(min(own) - before_ms, max(own) + follow_ms)]
    windows += [(d["decided_at"] - around_ms, d["decided_at"] + around_ms) for d in decisions]
    found, back = [], before_ms
    while True:
        found += await reader.events(tps, windows, lambda r: r.key in keys, lambda item: item.parcel in parcels)
        if not (set(missing) - {item.event_id for _, item in found}) or back >= EVER:
            return found
        wider = min(back * WIDEN, retention_ms) if back < retention_ms else EVER
        windows, back = [(min(own) - wider, min(own) - back - 1)], wider


async def _other_uploads(reader, order_id, parcels, decisions, missing, window_ms) -> list[tuple]:
    """Uploads of these parcels for other orders, the evidence a duplicate_waybill cites: from a day
    before the decision back to the duplicate window (only the part not read yet), on every
    partition of the topic, since another order's key may be anywhere."""
    duplicates = [d["decided_at"] for d in decisions if d["rule"] == "duplicate_waybill"]
    if not duplicates:
        return []
    tps = {TopicPartition(TRACKING_UPLOADED, p) for p in range(reader.counts[TRACKING_UPLOADED])}
    waybills = [p.split(":", 1)[1].encode() for p in parcels]
    windows, found, back = [(min(duplicates) - DAY_MS, max(duplicates))], [], DAY_MS
    while True:
        found += await reader.events(tps, windows, lambda r: any(w in (r.value or b"") for w in waybills),
                                     lambda item: item.parcel in parcels and item.order_id != order_id)
        if not (missing - {item.event_id for _, item in found}) or back >= window_ms:
            return found
        wider = min(back * WIDEN, window_ms)
        windows, back = [(min(duplicates) - wider, min(duplicates) - back - 1)], wider
