"""Faust's rebalance, commit and send metrics are on the registry the worker serves (no broker needed)."""
from __future__ import annotations

from stream.service.faust_sensor import KEPT, PREFIX, ShipguardMonitor
from stream.settings import Settings


def built(app_id: str):
    from stream.service.worker import build
    return build(Settings(app_id=app_id, redis_url=""))


def test_the_worker_app_reports_faust_on_the_shipguard_registry():
    app, metrics = built("sensor")
    assert isinstance(app.monitor, ShipguardMonitor)
    names = {family.name for family in metrics.registry.collect()}
    for family in ("total_rebalances", "rebalance_done_latency", "consumer_commit_latency", "assign_latency",
                   "total_error_messages_sent"):
        assert f"{PREFIX}_{family}" in names, family
    assert "shipguard_events_in" in names                  # one registry: shipguard's own beside Faust's
    assert not {f"{PREFIX}_messages_received", f"{PREFIX}_table_operations", f"{PREFIX}_total_events"} & names
    assert len({n for n in names if n.startswith(PREFIX)}) == len(KEPT)


def test_commits_and_feed_send_errors_reach_the_served_text():
    app, metrics = built("sensor-hooks")
    monitor = app.monitor
    monitor.on_commit_completed(None, monitor.on_commit_initiated(None))
    sent = monitor.on_send_initiated(None, "carrier-scan", None, 1, 1)     # Faust's Topic.send: the feed agents
    monitor.on_send_completed(None, sent, None)
    monitor.on_send_error(None, RuntimeError("broker gone"), monitor.on_send_initiated(None, "carrier-scan", None, 1, 1))
    text = metrics.render().decode()
    assert f"{PREFIX}_consumer_commit_latency_count 1.0" in text
    assert f"{PREFIX}_total_error_messages_sent_total 1.0" in text
    assert f"{PREFIX}_total_sent_messages" not in text and f"{PREFIX}_producer_send_latency" not in text


def test_rebalance_latencies_are_the_rebalance_s_own():
    """faust-streaming 0.15 observed about 0 ms for every rebalance; ShipguardMonitor observes its duration."""
    app, metrics = built("sensor-rebalance")
    now = [100.0]
    monitor = app.monitor
    monitor.time = lambda: now[0]
    state = monitor.on_rebalance_start(app)
    assert metrics.registry.get_sample_value(f"{PREFIX}_total_rebalances") == 1
    now[0] += 2.0
    monitor.on_rebalance_return(app, state)
    now[0] += 30.0                                           # recovering the tables
    monitor.on_rebalance_end(app, state)
    value = metrics.registry.get_sample_value
    assert value(f"{PREFIX}_rebalance_done_consumer_latency_sum") == 2000.0
    assert value(f"{PREFIX}_rebalance_done_latency_sum") == 32000.0
    assert value(f"{PREFIX}_rebalance_done_latency_count") == 1
    assert value(f"{PREFIX}_total_rebalances") == 0 and value(f"{PREFIX}_total_rebalances_recovering") == 0
