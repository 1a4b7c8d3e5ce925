"""The live view of `shipguard up`: the table of a worker's counts (livecounts.py reads them) and the
`Display` that shows it, as a `rich` Live table on a terminal or as summary lines elsewhere."""
from __future__ import annotations

import time

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..human import yuan
from .livecounts import Counts, Poller, lag_text, rate_text, watermark_lag_text, watermark_text


def table(counts: Counts) -> Table:
    t = Table("rule", "violations")
    for rule, n in counts.rules.items():
        t.add_row(rule, str(n))
    t.add_row("[b]total[/b]", f"[b]{counts.violations}[/b]", end_section=True)
    for topic, n in sorted(counts.events_in.items()):
        t.add_row(f"events in: {topic}", str(n))
    t.add_row("input rate (events/s)", rate_text(counts))
    t.add_row("consumer lag (messages)", lag_text(counts))
    t.add_row("watermark", watermark_text(counts))
    t.add_row("watermark lag", watermark_lag_text(counts), end_section=True)
    t.add_row("dead letters", str(counts.dead_letters))
    t.add_row("penalty (yuan)", yuan(counts.penalty_fen))
    return t


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
