"""Counts read from a worker's own Prometheus endpoint, for `shipguard up` (rendered by liveview.py).

    poller = Poller("http://127.0.0.1:9464/metrics").start()   # scrapes every 0.5 s
    poller.counts.violations, poller.counts.summary()
"""
from __future__ import annotations

import math
import threading
import time
import urllib.request
from dataclasses import dataclass, field, replace

from prometheus_client.parser import text_string_to_metric_families

from detectors.decisions import RULE_ORDER

from ..human import format_time, yuan

# No proxy: the endpoint is on loopback and nothing may leave it, whatever http_proxy says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
UNKNOWN = "—"


@dataclass(frozen=True)
class Counts:
    rules: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULE_ORDER, 0))
    events_in: dict[str, int] = field(default_factory=dict)
    dead_letters: int = 0
    penalty_fen: int = 0
    scraped: bool = False                 # False until the endpoint answered once
    # None while the worker has not set the gauge: no sample yet is not the same as 0.
    consumer_lag: int | None = None       # messages, summed over the input topics
    watermark_lag_s: float | None = None  # the stage furthest behind its own newest event
    watermark_ms: int | None = None       # the slowest stage's: what the whole worker has decided up to
    at: float | None = None               # monotonic time of the scrape (Poller)
    rate: float | None = None             # events in per second since the previous scrape (Poller)

    @property
    def violations(self) -> int:
        return sum(self.rules.values())

    @property
    def events_total(self) -> int:
        return sum(self.events_in.values())

    def summary(self) -> str:
        """One machine-checkable line: `violations N (rule n, ...); events in N; dead letters N; penalty Y yuan;
        input R events/s; consumer lag N; watermark lag S s; watermark T`, each of the last four `—` while unknown.
        New fields go at the end only: tests/integration/test_up.py reads the line from its start."""
        rules = ", ".join(f"{r} {n}" for r, n in self.rules.items() if n)
        return (f"violations {self.violations}" + (f" ({rules})" if rules else "")
                + f"; events in {self.events_total}; dead letters {self.dead_letters}"
                + f"; penalty {yuan(self.penalty_fen)} yuan; input {rate_text(self)} events/s"
                + f"; consumer lag {lag_text(self)}; watermark lag {watermark_lag_text(self)}"
                + f"; watermark {watermark_text(self)}")


def rate_text(c: Counts) -> str:
    return UNKNOWN if c.rate is None else f"{c.rate:.1f}"


def lag_text(c: Counts) -> str:
    return UNKNOWN if c.consumer_lag is None else str(c.consumer_lag)


def watermark_lag_text(c: Counts) -> str:
    return UNKNOWN if c.watermark_lag_s is None else f"{c.watermark_lag_s:.1f} s"


def watermark_text(c: Counts) -> str:
    return UNKNOWN if c.watermark_ms is None else format_time(c.watermark_ms)


def parse(text: str) -> Counts:
    rules, events, dead, fen = dict.fromkeys(RULE_ORDER, 0), {}, 0, 0
    lag, wm_lag, wm = None, None, None
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            # Only our own families are converted: a NaN elsewhere (int() raises) must not blank the view.
            if s.name == "shipguard_violations_total":
                rule = s.labels.get("rule", "other")
                rules[rule] = rules.get(rule, 0) + int(s.value)
            elif s.name == "shipguard_events_in_total":
                topic = s.labels.get("topic", "?")
                events[topic] = events.get(topic, 0) + int(s.value)
            elif s.name == "shipguard_dead_letters_total":
                dead += int(s.value)
            elif s.name == "shipguard_penalty_fen_total":
                fen += int(s.value)
            elif not math.isfinite(s.value):
                continue
            elif s.name == "shipguard_consumer_lag_messages":
                lag = (lag or 0) + int(s.value)
            elif s.name == "shipguard_watermark_lag_seconds":
                wm_lag = s.value if wm_lag is None else max(wm_lag, s.value)
            elif s.name == "shipguard_watermark_timestamp_seconds":
                ms = round(s.value * 1000)                  # the worker exports watermark_ms / 1000
                wm = ms if wm is None else min(wm, ms)
    return Counts(rules, events, dead, fen, True, lag, wm_lag, wm)


def scrape(url: str, timeout: float = 1.0) -> Counts:
    with _OPENER.open(url, timeout=timeout) as response:
        return parse(response.read().decode("utf-8", "replace"))


def rated(previous: Counts, new: Counts, at: float) -> Counts:
    """`new` stamped `at`, with the input rate since `previous`: unknown after a single scrape, and after a
    counter went down (a restarted worker starts from 0; that is not negative traffic)."""
    rate = None
    if previous.at is not None and at > previous.at and new.events_total >= previous.events_total:
        rate = (new.events_total - previous.events_total) / (at - previous.at)
    return replace(new, at=at, rate=rate)


class Poller:
    """Scrapes `url` in a daemon thread; `counts` is the last good answer. `clock` and `fetch` are for tests."""

    def __init__(self, url: str, interval: float = 0.5, clock=time.monotonic, fetch=scrape):
        self.url, self.interval, self.counts = url, interval, Counts()
        self._clock, self._fetch = clock, fetch
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shipguard-up-scrape", daemon=True)

    def start(self) -> "Poller":
        self._thread.start()
        return self

    def poll(self) -> Counts:
        try:
            new = self._fetch(self.url)
        except (OSError, ValueError):     # not up yet, or going away: keep the last answer
            return self.counts
        # Stamped once the answer is in: the nearest we have to when the worker rendered it.
        self.counts = rated(self.counts, new, self._clock())
        return self.counts

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
