"""The stage watermark: the minimum over its sources, idle sources aside."""
from stream.service.marks import Frontier, mark_doc


def ingest(topic, p, w, m=None, idle=False, of=2):
    return mark_doc(f"ingest:{topic}", p, of, w, m if m is not None else w, idle)


def test_nothing_is_final_until_every_source_spoke():
    f = Frontier(("order-paid", "carrier-scan"), {"order": 2})
    f.update(ingest("order-paid", 0, 100))
    f.update(ingest("order-paid", 1, 90))
    f.update(mark_doc("stage:order", 0, 2, 80, 80, False))
    assert f.through() is None                      # carrier-scan not heard from
    f.update(ingest("carrier-scan", 0, 120))
    f.update(ingest("carrier-scan", 1, 110))
    assert f.through() is None                      # stage:order partition 1 missing
    f.update(mark_doc("stage:order", 1, 2, 95, 95, False))
    assert f.through() == 80


def test_minimum_over_busy_ingest_sources():
    f = Frontier(("order-paid",), {})
    f.update(ingest("order-paid", 0, 100))
    f.update(ingest("order-paid", 1, 70))
    assert f.through() == 70
    f.update(ingest("order-paid", 1, 60))           # a new owner knowing less changes nothing
    assert f.through() == 70


def test_an_idle_source_does_not_hold_the_others_back():
    f = Frontier(("order-paid",), {})
    f.update(ingest("order-paid", 0, 100))
    f.update(ingest("order-paid", 1, 5, idle=True))
    assert f.through() == 100


def test_all_idle_closes_the_lateness_window_at_the_largest_time_seen():
    f = Frontier(("order-paid",), {})
    f.update(ingest("order-paid", 0, 100, m=400, idle=True))
    f.update(ingest("order-paid", 1, 90, m=420, idle=True))
    assert f.through() == 420 and f.idle() and f.max_seen() == 420


def test_upstream_stages_bound_the_stage():
    f = Frontier(("order-paid",), {"order": 1})
    f.update(ingest("order-paid", 0, 500, of=1))
    f.update(mark_doc("stage:order", 0, 1, 300, 500, False))
    assert f.through() == 300
