"""One order's case from the serving view: its payment, uploads and cancels, each parcel's scans
(with every order's uploads of that parcel), with event time, topic, partition and offset, and
its decisions on that timeline.

Which design and why: a compact per-order timeline kept in the serving view by the worker
(stream/timeline.py has the layout, the writes and their expiry). Reading the topics instead,
only the partitions holding the order and its parcels over event-time windows around its events,
was built and measured first: on the embedded broker with 1 M messages, p50 4.8 s and p95 19.7 s
per case (a day of one partition's scans, some 40 k records, is read to find a parcel's few; a
waybill reused weeks later sends the search back to the partition's start), against the issue's
1 s. The worker's order and parcel stages already read every event with its coordinates, so one
pipelined write per event there buys a case in two Redis round trips: the order's timeline with
its decisions, then its parcels' timelines. The timelines live as long as the state (the
policy's retention, refreshed on write): an order older than that shows its decisions only.
"""
from __future__ import annotations

import orjson
import redis

from ..serving_keys import Keys
from ..timeline import TimelineKeys
from .case_view import assemble


def read_case(client: redis.Redis, order_id: str, prefix: str = "shipguard") -> dict:
    """The case page's data for `order_id` (case_view.assemble). Raises redis.RedisError.
    Two round trips: the order's timeline and decision ids; its decisions and its uploads' parcels.
    A third only for a decision's parcel that none of the order's uploads still names."""
    keys, timelines = Keys(prefix), TimelineKeys(prefix)
    pipe = client.pipeline(transaction=False)
    pipe.zrange(timelines.order(order_id), 0, -1)
    pipe.zrange(keys.owner("order", order_id), 0, -1)
    own, ids = pipe.execute()
    entries = [orjson.loads(m) for m in own]
    parcels = sorted({e["w"] for e in entries if "w" in e})
    pipe = client.pipeline(transaction=False)
    pipe.mget([keys.violation(_text(i)) for i in ids] or [keys.violation("")])
    for parcel in parcels:
        pipe.zrange(timelines.parcel(parcel), 0, -1)
    blobs, *scans = pipe.execute()
    decisions = [orjson.loads(b) for b in blobs if b is not None]
    more = sorted({f"{d['carrier']}:{d['waybill_no']}" for d in decisions if d.get("carrier")} - set(parcels))
    if more:
        pipe = client.pipeline(transaction=False)
        for parcel in more:
            pipe.zrange(timelines.parcel(parcel), 0, -1)
        scans += pipe.execute()
    for members in scans:
        entries += [orjson.loads(m) for m in members]
    return assemble(order_id, decisions, entries)


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value
