"""What the overview reads from the workers' own Prometheus endpoints: each stage's watermark,
the input lag and the dead letters per reason. The worker counts dead letters only there
(Metrics.dead_letter), so without an endpoint they are unknown, not 0."""
from __future__ import annotations

import math
import urllib.request
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

# No proxy: the endpoints are the operator's own, whatever http_proxy says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class WorkerFigures:
    watermarks: dict[str, int] = field(default_factory=dict)        # stage -> epoch ms, the slowest worker's
    watermark_lag: dict[str, float] = field(default_factory=dict)   # stage -> seconds, the largest
    consumer_lag: int | None = None                                 # input messages, summed
    dead_letters: dict[str, int] = field(default_factory=dict)      # reason -> count, summed
    read: int = 0                                                   # endpoints that answered
    errors: list[str] = field(default_factory=list)                 # one line per endpoint that did not


def add(figures: WorkerFigures, text: str) -> None:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if not math.isfinite(s.value):
                continue
            stage = s.labels.get("stage", "?")
            if s.name == "shipguard_dead_letters_total":
                reason = s.labels.get("reason", "?")
                figures.dead_letters[reason] = figures.dead_letters.get(reason, 0) + int(s.value)
            elif s.name == "shipguard_watermark_timestamp_seconds":
                ms = round(s.value * 1000)
                figures.watermarks[stage] = min(figures.watermarks.get(stage, ms), ms)
            elif s.name == "shipguard_watermark_lag_seconds":
                figures.watermark_lag[stage] = max(figures.watermark_lag.get(stage, s.value), s.value)
            elif s.name == "shipguard_consumer_lag_messages":
                figures.consumer_lag = (figures.consumer_lag or 0) + int(s.value)
    figures.read += 1


def read_workers(urls, timeout: float = 1.0) -> WorkerFigures:
    figures = WorkerFigures()
    for url in urls:
        try:
            with _OPENER.open(url, timeout=timeout) as response:
                add(figures, response.read().decode("utf-8", "replace"))
        except (OSError, ValueError) as exc:
            figures.errors.append(f"{url}: {' '.join(str(exc).split()) or type(exc).__name__}")
    return figures
