"""The replay's one pass (stream/replay_take.py) puts events in the contract's total order, ties by
where they were read, whatever order the partitions' batches came in; dead letters keep their
source offsets. No broker: the messages are added as aiokafka's batches would hand them over."""
from __future__ import annotations

import random

import orjson

from detectors.events import TOPIC_RANK
from stream.eventlog import read_log
from stream.replay_take import Taken
from stream.tools.synth import generate


def reads(seed: int) -> list[tuple[str, int, int, bytes]]:
    """A generated log as (topic, partition, offset, value) reads, with ties planted: events of one
    instant across topics, and one scan redelivered on another partition."""
    lines, _ = generate(30, seed, 3)
    values = [(r.topic, r.raw) for r in read_log(orjson.dumps(line) + b"\n" for line in lines)]
    scan = next(orjson.loads(v) for t, v in values if t == "carrier-scan")
    paid = next(orjson.loads(v) for t, v in values if t == "order-paid")
    at = scan["scanned_at"]
    rng = random.Random(seed)
    offsets: dict = {}
    out = []
    for topic, value in values:
        partition = rng.randrange(3)
        offset = offsets[(topic, partition)] = offsets.get((topic, partition), -1) + 1
        out.append((topic, partition, offset, value))
    tie_a = orjson.dumps({**scan, "event_id": "tie-a"})
    return out + [("carrier-scan", 1, 10_000, orjson.dumps({**scan, "event_id": "tie-b"})),
                  ("carrier-scan", 2, 10_000, tie_a),
                  ("order-paid", 1, 10_000, orjson.dumps({**paid, "event_id": "tie-z", "order_id": "O-tie",
                                                          "paid_at": at})),
                  ("carrier-scan", 0, 20_000, tie_a)]     # redelivered: a lower partition, a higher offset


def test_events_come_out_in_the_total_order_ties_by_topic_partition_and_offset():
    for seed in (1, 2, 3):
        messages = reads(seed)
        by_batch = sorted(messages, key=lambda m: (m[1], m[0]))     # one partition's batch after another
        taken = Taken()
        for topic, partition, offset, value in by_batch:
            taken.add(topic, partition, offset, value)
        taken.in_order()
        got = [(p.event.event_id, p.topic, p.partition, p.offset) for p in taken.events]
        expected = sorted(
            ((e.time, TOPIC_RANK[e.topic], e.event_id, p.topic, p.partition, p.offset)
             for p in taken.events for e in [p.event]))
        assert got == [(k[2], k[3], k[4], k[5]) for k in expected]
        assert all(p.sort_key == (p.time, p.rank, p.event_id) == p.event.sort_key for p in taken.events)
        ties = [(eid, partition) for eid, _, partition, _ in got if eid.startswith("tie-")]
        assert ties == [("tie-z", 1), ("tie-a", 0), ("tie-a", 2), ("tie-b", 1)]   # paid first, scans by event_id


def test_dead_letters_keep_where_they_were_read_in_order():
    messages = reads(2)
    taken = Taken()
    taken.add("carrier-scan", 2, 30_007, b"{not json")     # offsets past the generated ones: one message each
    taken.add("carrier-scan", 0, 30_009, b"[]")
    for topic, partition, offset, value in messages:
        taken.add(topic, partition, offset, value)
    taken.in_order()
    where = [d[:3] for d in taken.dead]
    assert where == sorted(where)
    assert ("carrier-scan", 2, 30_007) in where and ("carrier-scan", 0, 30_009) in where
    record = next(d[3] for d in taken.dead if d[:3] == ("carrier-scan", 2, 30_007))
    assert (record["partition"], record["offset"], record["reason"]) == (2, 30_007, "not_json")
    assert taken.counts["dead:not_json"] >= 1 and taken.counts["dead:not_object"] >= 1
