"""`shipguard up`'s view: the worker's /metrics text read into counts, the table, the input rate between
two scrapes (a fake clock), and the summary line tests/integration/test_up.py parses."""
from __future__ import annotations

import io
import re

from rich.console import Console

from stream.metrics import Metrics
from stream.tools.livecounts import Counts, Poller, parse
from stream.tools.liveview import table

# 2023-11-15T06:13:20.123+08:00 is 1_700_000_000_123 ms.
SAMPLE = """\
# TYPE shipguard_events_in_total counter
shipguard_events_in_total{topic="order-paid"} 120.0
shipguard_events_in_total{topic="waybill"} 30.0
# TYPE shipguard_violations_total counter
shipguard_violations_total{carrier="SF",rule="duplicate_waybill"} 2.0
shipguard_violations_total{carrier="ZTO",rule="duplicate_waybill"} 1.0
# TYPE shipguard_dead_letters_total counter
shipguard_dead_letters_total{reason="json"} 4.0
# TYPE shipguard_penalty_fen_total counter
shipguard_penalty_fen_total{kind="compensation",rule="duplicate_waybill"} 1234.0
# TYPE shipguard_consumer_lag_messages gauge
shipguard_consumer_lag_messages{topic="order-paid"} 7.0
shipguard_consumer_lag_messages{topic="waybill"} 5.0
# TYPE shipguard_watermark_lag_seconds gauge
shipguard_watermark_lag_seconds{stage="collect"} 1.5
shipguard_watermark_lag_seconds{stage="decide"} 12.25
# TYPE shipguard_watermark_timestamp_seconds gauge
shipguard_watermark_timestamp_seconds{stage="collect"} 1700000060.0
shipguard_watermark_timestamp_seconds{stage="decide"} 1700000000.123
# TYPE faust_something gauge
# (another family's NaN: only our families go through int())
faust_something NaN
"""


def rows(counts: Counts) -> dict[str, str]:
    t = table(counts)
    return dict(zip(*(map(str, c.cells) for c in t.columns)))


def test_parse_reads_lag_and_watermarks_over_partitions_and_stages():
    c = parse(SAMPLE)
    assert c.rules["duplicate_waybill"] == 3 and c.events_total == 150 and c.dead_letters == 4
    assert c.consumer_lag == 12                       # summed over topics
    assert c.watermark_lag_s == 12.25                 # the stage furthest behind
    assert c.watermark_ms == 1_700_000_000_123        # the slowest stage's, to the millisecond
    assert c.rate is None                             # one scrape: no rate yet


def test_table_shows_each_reading():
    r = rows(parse(SAMPLE))
    assert r["duplicate_waybill"] == "3" and r["events in: order-paid"] == "120" and r["events in: waybill"] == "30"
    assert r["input rate (events/s)"] == "—"
    assert r["consumer lag (messages)"] == "12"
    assert r["watermark"] == "2023-11-15T06:13:20.123+08:00"
    assert r["watermark lag"] == "12.2 s"             # 12.25 to one decimal (round half to even)
    assert r["dead letters"] == "4" and r["penalty (yuan)"] == "12.34"


def test_before_the_worker_sets_its_gauges_they_show_as_unknown():
    r = rows(parse('# TYPE shipguard_events_in_total counter\nshipguard_events_in_total{topic="order-paid"} 1.0\n'))
    assert [r[k] for k in ("input rate (events/s)", "consumer lag (messages)", "watermark", "watermark lag")] \
        == ["—"] * 4
    # An empty endpoint renders too (the view before the first answer).
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(table(Counts()))
    assert "watermark" in out.getvalue() and "—" in out.getvalue()


def test_the_rate_is_events_in_between_two_scrapes_over_the_clock():
    answers = iter([150, 150, 1150, 400])
    now = iter([10.0, 10.5, 11.0, 11.5])
    fetch = lambda url: parse(f'shipguard_events_in_total{{topic="order-paid"}} {next(answers)}\n')  # noqa: E731
    poller = Poller("http://unused", clock=lambda: next(now), fetch=fetch)
    assert poller.poll().rate is None                 # one scrape
    assert poller.poll().rate == 0.0
    assert poller.poll().rate == 2000.0               # 1000 events in 0.5 s
    assert rows(poller.counts)["input rate (events/s)"] == "2000.0"
    assert poller.poll().rate is None                 # the counter went back: a new worker, not -1500/s


def test_a_failed_scrape_keeps_the_last_answer_and_the_rate_spans_the_gap():
    answers = iter([100, OSError("refused"), 400])
    now = iter([1.0, 3.0])                            # the clock is read only when an answer came

    def fetch(url):
        a = next(answers)
        if isinstance(a, Exception):
            raise a
        return parse(f'shipguard_events_in_total{{topic="order-paid"}} {a}\n')
    poller = Poller("http://unused", clock=lambda: next(now), fetch=fetch)
    poller.poll()
    assert poller.poll().events_total == 100
    assert poller.poll().rate == 150.0                # 300 events over 2 s


def test_the_worker_s_own_gauges_are_the_ones_read():
    m = Metrics()                                     # the names as the worker exports them
    m.event_in("order-paid")
    m.consumer_lag("order-paid", 3)
    m.consumer_lag("waybill", 4)
    m.watermark("collect", 1_700_000_001_000, 1_700_000_003_000)
    m.watermark("decide", 1_700_000_000_000, 1_700_000_000_500)
    c = parse(m.render().decode())
    assert (c.consumer_lag, c.watermark_lag_s, c.watermark_ms) == (7, 2.0, 1_700_000_000_000)


def test_the_summary_line_keeps_its_start_and_appends_the_new_readings():
    line = "final: " + Poller("http://unused", clock=lambda: 0.0, fetch=lambda url: parse(SAMPLE)).poll().summary()
    # tests/integration/test_up.py's pattern, verbatim
    final = re.search(r"^final: violations (\d+)(?: \(([^)]*)\))?; events in (\d+); dead letters (\d+)", line, re.M)
    assert final and final.groups() == ("3", "duplicate_waybill 3", "150", "4")
    assert line.endswith("; penalty 12.34 yuan; input — events/s; consumer lag 12; watermark lag 12.2 s"
                         "; watermark 2023-11-15T06:13:20.123+08:00")
