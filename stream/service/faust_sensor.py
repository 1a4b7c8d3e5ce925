"""Faust's own Prometheus sensor (faust.sensors.prometheus) on the worker's registry, under shipguard_faust_*:
rebalances, partition assignments and offset commits, beside shipguard's metrics on the one /metrics
(stream/metrics_http.py; Faust's web server, which its setup_prometheus_sensors would serve them on, is off).

Only what Faust counts per commit, assignment or rebalance is registered. Its per-message families (messages
and events in, event runtime, table reads and writes, read and end offsets per partition) are left out, and so
are their updates: Faust's whole sensor took about 35 µs more than its plain Monitor (which runs anyway) per
message taken in and one sent on. shipguard_events_in_total, shipguard_table_keys and
shipguard_consumer_lag_messages say what on-call needs of those.
Sends too: Faust's sensor hears only what goes through its Topic.send, in shipguard the feed agents' output;
the rest goes straight to the producer (agents._send, the changelogs), its failures counted in
shipguard_send_errors_total. Of Faust's send families only its error count stays, for the feed agents.
Faust observes its latencies in milliseconds (as its help texts say), under its own names.
"""
from __future__ import annotations

from faust.sensors import Monitor
from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from prometheus_client import CollectorRegistry

PREFIX = "shipguard_faust"
KEPT = ("assignment_operations", "assign_latency", "total_rebalances", "total_rebalances_recovering",
        "rebalance_done_consumer_latency", "rebalance_done_latency", "topic_partition_offset_commited",
        "consumer_commit_latency", "total_error_messages_sent")


class ShipguardMonitor(PrometheusMonitor):
    """PrometheusMonitor without its per-message updates, and with its rebalance latencies fixed."""

    # Per message received or sent, and for the web server that is off: Faust's plain bookkeeping only.
    on_message_in = Monitor.on_message_in
    on_stream_event_in = Monitor.on_stream_event_in
    on_stream_event_out = Monitor.on_stream_event_out
    on_message_out = Monitor.on_message_out
    on_table_get = Monitor.on_table_get
    on_table_set = Monitor.on_table_set
    on_table_del = Monitor.on_table_del
    track_tp_end_offset = Monitor.track_tp_end_offset
    on_send_initiated = Monitor.on_send_initiated
    on_send_completed = Monitor.on_send_completed
    on_web_request_end = Monitor.on_web_request_end
    count = Monitor.count

    def __init__(self, families: FaustMetrics, **kwargs):
        super().__init__(metrics=families, **kwargs)
        self.families = families

    # faust-streaming 0.15 observes the time since the moment it has just stamped (always about 0 ms) for both
    # rebalance latencies; these observe the rebalance's own latency, which Monitor keeps in the state.
    def on_rebalance_return(self, app, state: dict) -> None:
        Monitor.on_rebalance_return(self, app, state)
        self.families.total_rebalances.dec()
        self.families.total_rebalances_recovering.inc()
        self.families.rebalance_done_consumer_latency.observe(self.secs_to_ms(state["latency_return"]))

    def on_rebalance_end(self, app, state: dict) -> None:
        Monitor.on_rebalance_end(self, app, state)
        self.families.clear_topic_related_metrics()         # committed offsets of partitions no longer ours
        self.families.total_rebalances_recovering.dec()
        self.families.rebalance_done_latency.observe(self.secs_to_ms(state["latency_end"]))


def install(app, registry: CollectorRegistry, **monitor_options) -> ShipguardMonitor:
    """Make the sensor the app's monitor (Faust adds app.monitor to its sensors when it starts), with the
    KEPT families on `registry`. A name already there raises (prometheus_client's duplicate check)."""
    families = FaustMetrics.create(CollectorRegistry(auto_describe=True), PREFIX)   # every family, on a scratch one
    for name in KEPT:
        registry.register(getattr(families, name))
    app.monitor = monitor = ShipguardMonitor(families, **monitor_options)
    return monitor
