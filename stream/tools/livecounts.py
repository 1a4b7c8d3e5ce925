"""Counts read from a worker's own Prometheus endpoint, for `shipguard up`.

    poller = Poller("http://127.0.0.1:9464/metrics").start()   # scrapes every 0.5 s
    poller.counts.violations, poller.counts.summary()
"""
from __future__ import annotations

import threading
import time
import urllib.request
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from detectors.decisions import RULE_ORDER

from ..human import yuan

# No proxy: the endpoint is on loopback and nothing may leave it, whatever http_proxy says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Counts:
    rules: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULE_ORDER, 0))
    events_in: dict[str, int] = field(default_factory=dict)
    dead_letters: int = 0
    penalty_fen: int = 0
    scraped: bool = False                 # False until the endpoint answered once

    @property
    def violations(self) -> int:
        return sum(self.rules.values())

    def summary(self) -> str:
        """One machine-checkable line: `violations N (rule n, ...); events in N; dead letters N; penalty Y yuan`."""
        rules = ", ".join(f"{r} {n}" for r, n in self.rules.items() if n)
        return (f"violations {self.violations}" + (f" ({rules})" if rules else "")
                + f"; events in {sum(self.events_in.values())}; dead letters {self.dead_letters}"
                + f"; penalty {yuan(self.penalty_fen)} yuan")


def parse(text: str) -> Counts:
    rules, events, dead, fen = dict.fromkeys(RULE_ORDER, 0), {}, 0, 0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            value = int(s.value)
            if s.name == "shipguard_violations_total":
                rule = s.labels.get("rule", "other")
                rules[rule] = rules.get(rule, 0) + value
            elif s.name == "shipguard_events_in_total":
                topic = s.labels.get("topic", "?")
                events[topic] = events.get(topic, 0) + value
            elif s.name == "shipguard_dead_letters_total":
                dead += value
            elif s.name == "shipguard_penalty_fen_total":
                fen += value
    return Counts(rules, events, dead, fen, True)


def scrape(url: str, timeout: float = 1.0) -> Counts:
    with _OPENER.open(url, timeout=timeout) as response:
        return parse(response.read().decode("utf-8", "replace"))


def table(counts: Counts) -> Table:
    t = Table("rule", "violations")
    for rule, n in counts.rules.items():
        t.add_row(rule, str(n))
    t.add_row("[b]total[/b]", f"[b]{counts.violations}[/b]", end_section=True)
    for topic, n in sorted(counts.events_in.items()):
        t.add_row(f"events in: {topic}", str(n))
    t.add_row("dead letters", str(counts.dead_letters))
    t.add_row("penalty (yuan)", yuan(counts.penalty_fen))
    return t


class Poller:
    """Scrapes `url` in a daemon thread; `counts` is the last good answer."""

    def __init__(self, url: str, interval: float = 0.5):
        self.url, self.interval, self.counts = url, interval, Counts()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shipguard-up-scrape", daemon=True)

    def start(self) -> "Poller":
        self._thread.start()
        return self

    def poll(self) -> Counts:
        try:
            self.counts = scrape(self.url)
        except (OSError, ValueError):     # not up yet, or going away: keep the last answer
            pass
        return self.counts

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


class Display:
    """On a terminal a `rich` Live table refreshed twice a second; elsewhere (a pipe, a log) a
    plain line every `every` seconds. Set `status`; call `tick()` from the main loop."""

    def __init__(self, console: Console, poller: Poller, info: list[str], every: float = 5.0):
        self.console, self.poller, self.info, self.every = console, poller, info, every
        self.status, self._last = "starting", 0.0
        self._live = (Live(console=console, refresh_per_second=2, get_renderable=self._render)
                      if console.is_terminal else None)

    def _render(self) -> Group:
        return Group(Text(self.status, style="bold"), table(self.poller.counts), *map(Text, self.info))

    def tick(self) -> None:
        if self._live is None and time.monotonic() - self._last >= self.every:
            self._last = time.monotonic()
            self.console.print(f"{self.status}: {self.poller.counts.summary()}", highlight=False, soft_wrap=True)

    def __enter__(self) -> "Display":
        if self._live is not None:
            self._live.start()
        else:  # on a terminal they are part of the live view
            for line in self.info:
                self.console.print(line, highlight=False, soft_wrap=True)
        return self

    def __exit__(self, *exc) -> None:
        if self._live is not None:
            self._live.stop()
