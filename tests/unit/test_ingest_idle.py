"""When a platform partition counts as idle (its mark lets the stages pass it by), and what wakes it.

A dead letter, or an event behind the partition's own watermark, decides nothing; when one woke a
quiet partition, the partition's old watermark held every stage back for the whole idle_seconds."""
from stream.service.ingest import IngestTracker

LATENESS = 300_000
T0 = 1_700_000_000_000


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def mark(tracker, end: int = 10) -> dict:
    """The partition's mark when its high watermark is `end` (read to it: caught up)."""
    [doc] = tracker.marks([("order-paid", 0)], lambda topic: 4, lambda topic, p: (end, None))
    return doc


def quiet_partition():
    clock = Clock()
    tracker = IngestTracker(LATENESS, idle_seconds=1.0, clock=clock)
    for offset in range(8):
        tracker.seen("order-paid", 0, offset, T0 + offset * 1000)
    clock.now += 1.5
    return tracker, clock


def test_a_caught_up_partition_quiet_for_idle_seconds_is_idle():
    tracker, _ = quiet_partition()
    assert mark(tracker, end=8)["idle"]


def test_a_partition_with_unread_records_is_not_idle():
    tracker, _ = quiet_partition()
    assert not mark(tracker, end=9)["idle"]


def test_a_dead_letter_does_not_wake_an_idle_partition():
    tracker, clock = quiet_partition()
    tracker.seen("order-paid", 0, 8, None)
    clock.now += 0.1
    doc = mark(tracker, end=9)
    assert doc["idle"] and doc["o"] == 9          # read, so collect still sees the partition read to its end


def test_an_event_behind_the_partitions_own_watermark_does_not_wake_it():
    tracker, clock = quiet_partition()
    own_w = T0 + 7000 - LATENESS - 1
    tracker.seen("order-paid", 0, 8, own_w)        # late even by its own partition's order
    clock.now += 0.1
    doc = mark(tracker, end=9)
    assert doc["idle"] and doc["w"] == own_w


def test_an_event_within_the_lateness_wakes_it():
    tracker, clock = quiet_partition()
    tracker.seen("order-paid", 0, 8, T0 + 7000 - LATENESS)   # older than the newest, within the lateness
    clock.now += 0.1
    assert not mark(tracker, end=9)["idle"]


def test_a_newer_event_wakes_it_and_moves_its_watermark():
    tracker, clock = quiet_partition()
    tracker.seen("order-paid", 0, 8, T0 + 60_000)
    clock.now += 0.1
    doc = mark(tracker, end=9)
    assert not doc["idle"] and doc["w"] == T0 + 60_000 - LATENESS - 1
