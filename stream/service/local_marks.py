"""Marks between the stages of one worker, without the Kafka hop.

Why: the penalty stage takes a decision only once the order, parcel and pickup stages have all
passed its time, and they pass it one after another: order -> parcel -> pickup -> penalty, each
hop a tick, a produce and a fetch behind the platform records (paced p99 2.2-2.4 s, issue 11).
Each tick, in the graph's order, a stage partition of this worker takes what the local marks
allow, then its marks go to this worker's downstream partitions. A downstream partition counts
them once it has read its topic to `o`: where its log ended when it became this worker's (a
former owner's records are below it; not the end at each tick, which holds this tick's Kafka
marks and made every local mark wait for them), and past every record this worker sent it,
delivered first by a flush. Then no record a mark covers is unread, which Kafka's order gives a mark message. The
Kafka marks still go out: other workers, restarts and rebalances rely on them alone.
"""
from __future__ import annotations

from .mark_plan import downstream, stage_marks


class Delivered:
    """The next offset after what this worker's producer delivered of data (not marks)."""

    def __init__(self):
        self.next: dict[tuple[str, int], int] = {}

    def record(self, delivery) -> None:
        if not delivery.cancelled() and delivery.exception() is None:
            meta = delivery.result()
            key = (meta.topic, meta.partition)
            self.next[key] = max(self.next.get(key, 0), meta.offset + 1)


async def run_locally(stages: dict, topic_of: dict, ends: dict, delivered: Delivered, flush, scope,
                      partitions: int, sent: dict) -> None:
    """ends[(stage, p)]: the partition's end offset when it became ours (absent: not known yet, so
    only the Kafka marks count). scope(p): table writes outside an agent go to partition p.
    sent: each stage's marks as last held downstream, kept by the caller; cleared on a rebalance."""
    for name, stage in stages.items():              # the graph's order (topology.UPSTREAM)
        for p in list(stage.parts):
            if stage.release_local(p):
                with scope(p):
                    await stage.advance(p, stage.parts[p])
        targets = [t for t in downstream(name) if t in stages]
        marks = stage_marks(name, stage, partitions) if targets else []
        if not marks or marks == sent.get(name):
            continue                                 # nothing moved: no flush, nothing held
        sent[name] = marks
        await flush()                                # what the marks cover is delivered: its offsets known
        for target in targets:
            topic = topic_of[target]
            for q in list(stages[target].parts):
                end = ends.get((target, q))
                if end is not None:
                    stages[target].hold_local(q, topic, max(end, delivered.next.get((topic, q), 0)), marks)
