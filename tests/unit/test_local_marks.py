"""local_marks.py: a worker's own stage marks reach its downstream partitions without the Kafka hop,
but only once those partitions have read everything the marks cover."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from stream.service import faust_compat
from stream.service.local_marks import Delivered, run_locally
from stream.service.marks import Frontier
from stream.service.stage import CAP_LOCAL, Partition, Stage, Tables


def mark(src: str, p: int, w: int) -> dict:
    return {"src": src, "p": p, "of": 1, "w": w, "m": w, "idle": False}


def stage(name: str = "pickup") -> Stage:
    s = Stage(name, handler=None, tables=Tables({}, {}), make_frontier=lambda: Frontier((), {"order": 1}),
              order_key=lambda item: (0,), checkpoint=lambda acks: None)
    s.parts[0] = Partition(Frontier((), {"order": 1}))
    return s


def test_a_local_mark_counts_only_once_its_topic_is_read_to_o():
    s = stage()
    s.hold_local(0, "sg-pickup-in", 5, [mark("stage:order", 0, 100)])
    assert not s.release_local(0) and s.parts[0].frontier.through() is None
    s.parts[0].read_to["sg-pickup-in"] = 4                 # record 4 (the last the mark covers) not read yet
    assert not s.release_local(0)
    s.parts[0].read_to["sg-pickup-in"] = 5
    assert s.release_local(0) and s.parts[0].frontier.through() == 100 and not s.parts[0].local


def test_held_marks_are_bounded_newest_kept():
    s = stage()
    for n in range(CAP_LOCAL + 10):
        s.hold_local(0, "t", n, [mark("stage:order", 0, n)])
    assert len(s.parts[0].local) == CAP_LOCAL and s.parts[0].local[-1][1] == CAP_LOCAL + 9
    s.hold_local(7, "t", 0, [])                            # not ours: nothing kept
    assert 7 not in s.parts


def test_delivered_keeps_the_next_offset_of_each_partition():
    loop = asyncio.new_event_loop()
    try:
        d, futures = Delivered(), []
        for offset, fails in ((3, False), (9, False), (5, False), (20, True)):
            f = loop.create_future()
            f.set_exception(RuntimeError("gone")) if fails else f.set_result(
                SimpleNamespace(topic="t", partition=1, offset=offset))
            futures.append(f)
            d.record(f)
        assert d.next == {("t", 1): 10}
    finally:
        loop.close()


class FakeStage:
    def __init__(self, log, name, marks=None):
        self.log, self.name, self.marks, self.parts = log, name, marks or [], {0: SimpleNamespace(local=[])}

    def release_local(self, p):
        self.log.append(("release", self.name))
        return self.name == "order"

    async def advance(self, p, part):
        self.log.append(("advance", self.name, faust_compat._TABLE_PARTITION.get()))

    def hold_local(self, q, topic, o, marks):
        self.log.append(("hold", self.name, topic, o, [m["w"] for m in marks]))


def test_each_stage_takes_then_hands_its_marks_down_after_a_flush(monkeypatch):
    log = []
    stages = {"order": FakeStage(log, "order"), "parcel": FakeStage(log, "parcel")}
    monkeypatch.setattr("stream.service.local_marks.downstream",
                        lambda name: ["parcel"] if name == "order" else ["progress"])
    monkeypatch.setattr("stream.service.local_marks.stage_marks",
                        lambda name, st, n: [mark(f"stage:{name}", 0, 42)] if name == "order" else [])

    async def flush():
        log.append(("flush",))
    delivered = Delivered()
    delivered.next[("sg-parcel-in", 0)] = 17
    sent: dict = {}
    args = (stages, {"order": "sg-order-in", "parcel": "sg-parcel-in"}, {("parcel", 0): 12}, delivered, flush,
            faust_compat.table_partition, 1, sent)
    asyncio.run(run_locally(*args))
    assert log == [("release", "order"), ("advance", "order", 0), ("flush",),
                   ("hold", "parcel", "sg-parcel-in", 17, [42]), ("release", "parcel")]
    log.clear()
    asyncio.run(run_locally(*args))                        # nothing moved: no flush, nothing held again
    assert ("flush",) not in log and not [e for e in log if e[0] == "hold"]
    assert faust_compat._TABLE_PARTITION.get() is None
