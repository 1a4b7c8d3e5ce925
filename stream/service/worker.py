"""`shipguard worker`: one member of the consumer group, until SIGTERM or Ctrl-C."""
from __future__ import annotations

import logging

from ..settings import Settings
from .topology import INPUT_TOPICS

log = logging.getLogger("shipguard")
GC_THRESHOLDS = (50_000, 50, 100)     # Python's defaults: (700, 10, 10)


def build(settings: Settings, policy=None):
    """The app with its metrics and serving view; nothing started yet. `policy`: loaded already."""
    from . import faust_sensor, lag
    from .app import create_app
    from .health import Health
    from ..metrics import Metrics
    from ..policies import load_policy
    from ..serving import ServingView, connect

    policy = policy if policy is not None else load_policy(settings.policy)
    metrics = Metrics()
    serving = ServingView(connect(settings.redis_url), metrics=metrics) if settings.redis_url else None
    app = create_app(settings, policy, metrics, serving)
    app.shipguard_health = Health().attach(app)      # /healthz, /readyz (stream/service/health.py)
    metrics.watch_health(app.shipguard_health)
    lag.install(app, metrics, position=app.shipguard.tracker.position)
    faust_sensor.install(app, metrics.registry)     # rebalances, commits, sends: shipguard_faust_*
    return app, metrics


def run_worker(settings: Settings, loglevel: str = "WARNING", wait: float | None = None) -> None:
    """wait: seconds to wait for the broker at start before BrokerUnreachable (None: for ever,
    as a Kubernetes pod wants while its broker starts)."""
    import gc

    import faust

    from . import faust_compat
    from ..broker_wait import wait_for_broker, wait_for_topics
    from ..kafka_security import kafka_python_config
    from ..policies import load_policy
    from .published import recent_escalation_ids, recent_violation_ids

    # Everything that can be checked without the broker is, before waiting for it.
    policy = load_policy(settings.policy)
    security = kafka_python_config(settings)              # SASL/TLS
    wait_for_broker(settings.bootstrap, security=security, deadline=wait)
    wait_for_topics(settings.bootstrap, INPUT_TOPICS, security)   # silent for minutes without them, before
    app, metrics = build(settings, policy)
    app.shipguard.published_before = recent_violation_ids(settings.bootstrap)
    if app.shipguard.policy.escalations:
        app.shipguard.escalated_before = recent_escalation_ids(settings.bootstrap)
    if settings.metrics_port:
        metrics.serve(settings.metrics_port, settings.metrics_host, app.shipguard_health)
    log.warning("shipguard worker %s: broker %s, %d partitions, policy %s, lateness %s, metrics %s",
                settings.app_id, settings.broker, settings.partitions, settings.policy, settings.lateness,
                f"http://{settings.metrics_host}:{settings.metrics_port}/metrics" if settings.metrics_port else "off")
    # Python collects its youngest generation every 700 allocations and keeps scanning what the worker
    # keeps (tables, waiting inputs): gen-2 passes took 0.07-0.12 s every 2 s, and the collector ~16 %
    # of the worker's CPU (BENCHMARKS.md). What exists after start-up is never garbage.
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    faust_compat.without_spinner(worker)
    worker.execute_from_commandline()
