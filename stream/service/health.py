"""What the Kubernetes probes ask a worker (answered by stream/metrics_http.py).

Liveness: the event loop still ticks. A heartbeat timer beats every second; the
worker is dead when no beat came for `stale_after` seconds. Faust starts timers
only after the first table recovery, so until the first beat the worker counts
as alive (starting): a long recovery is not a reason to kill it, it is shown
by readiness and by the shipguard_ready metric instead.

Readiness: the worker has received its partition assignment and Faust has
recovered the tables and sought the partitions (the event agents.py waits
for; cleared at each revocation), and it is not shutting down.
"""
from __future__ import annotations

import time

HEARTBEAT_INTERVAL = 1.0
STALE_AFTER = 30.0     # seconds without a beat: the loop is blocked (the session timeout is long gone)


class Health:
    def __init__(self, stale_after: float = STALE_AFTER, clock=time.monotonic):
        self.stale_after, self.clock = stale_after, clock
        self.last_beat: float | None = None
        self.assigned: int | None = None          # partitions in the latest assignment; None before the first
        self.recovered = None                     # an event: set once recovery and the seek are done
        self.stopping = lambda: False

    def beat(self) -> None:
        self.last_beat = self.clock()

    def live(self) -> tuple[bool, str]:
        if self.last_beat is None:
            return True, "starting"
        quiet = self.clock() - self.last_beat
        if quiet > self.stale_after:
            return False, f"event loop stalled: no heartbeat for {quiet:.0f} s"
        return True, "ok"

    def ready(self) -> tuple[bool, str]:
        if self.stopping():
            return False, "stopping"
        if self.assigned is None:
            return False, "waiting for a partition assignment"
        if self.recovered is None or not self.recovered.is_set():
            return False, "recovering tables from the changelogs"
        return True, f"ready: {self.assigned} partitions assigned"

    def attach(self, app) -> Health:
        """Follow a Faust app built by stream.service.app.create_app (before it starts)."""
        from .faust_compat import recovered
        self.recovered = recovered(app)
        gate = getattr(getattr(app, "shipguard", None), "gate", None)
        if gate is not None:
            self.stopping = lambda: gate.stopping

        @app.on_partitions_assigned.connect
        async def _assigned(app, assigned, **kwargs):
            self.assigned = len(assigned)

        @app.timer(HEARTBEAT_INTERVAL)
        async def _heartbeat():
            self.beat()

        return self
