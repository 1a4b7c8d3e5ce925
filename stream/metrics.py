"""Prometheus metrics of the streaming service, on a registry of their own.

Label values are only topic names, reason codes, rule names, penalty kinds,
escalation kinds, stage names, table names and carrier codes: never an order, parcel, waybill or
person. Rule, kind and carrier taken from a violation are checked against the
known sets, so a malformed violation cannot smuggle an identifier into a label.
Carrier codes name companies (ZTO, SF), not people.
"""
from __future__ import annotations

from prometheus_client import (CollectorRegistry, Counter, Gauge, Histogram, PlatformCollector, ProcessCollector,
                               generate_latest)

from detectors.decisions import RULE_ORDER

KINDS = ("compensation", "deposit_deduction")
CARRIERS = ("ZTO", "YTO", "YUNDA", "STO", "SF", "JD", "JT", "EMS")   # CONTRACT §1's codes
OTHER = "other"
NO_CARRIER = "none"                                                 # order-level rules (timeouts) name no parcel
# 1 ms .. 30 s
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


def _rule(name: object) -> str:
    return name if name in RULE_ORDER else OTHER


def _kind(name: object) -> str:
    return name if name in KINDS else OTHER


def _carrier(code: object) -> str:
    if code is None or code == "":
        return NO_CARRIER
    return code if code in CARRIERS else OTHER


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None):
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self._server = None
        r = self.registry
        # On-call's RSS, CPU and open files (process_*) and the Python runtime (python_info), which a
        # registry of our own does not get by itself.
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        self.events_in = Counter("shipguard_events_in_total", "Input messages read, by topic", ["topic"], registry=r)
        self._events_in: dict = {}
        self.dead_letters = Counter("shipguard_dead_letters_total", "Inputs sent to the dead-letter topic, by reason",
                                    ["reason"], registry=r)
        # One counter with both labels, so on-call can ask which rules a carrier's spike is made of, and sums
        # by (rule) or by (carrier) alone. Bounded: the known rules and carrier codes, `other`, `none`.
        self.violations = Counter("shipguard_violations_total",
                                  "Violations published, by rule and carrier code (known codes, other or none)",
                                  ["rule", "carrier"], registry=r)
        self.penalty_fen = Counter("shipguard_penalty_fen_total", "Penalty amount assigned in fen, by rule and kind",
                                   ["rule", "kind"], registry=r)
        self.penalties_capped = Counter("shipguard_penalties_capped_total", "Penalties reduced by a cap, by rule",
                                        ["rule"], registry=r)
        self.late_events = Counter("shipguard_late_events_total", "Events behind the watermark, by stage",
                                   ["stage"], registry=r)
        self.watermark_lag = Gauge("shipguard_watermark_lag_seconds",
                                   "Max event time seen minus the stage's watermark, seconds", ["stage"], registry=r)
        # A point in time, so `_timestamp_seconds` (Prometheus' naming): `time() - it` is how far event time trails.
        self.watermark_value = Gauge("shipguard_watermark_timestamp_seconds",
                                     "The stage's event-time watermark, epoch seconds", ["stage"], registry=r)
        self.decision_latency_s = Histogram("shipguard_decision_latency_seconds",
                                            "Wall-clock time from deciding input to published violation",
                                            buckets=LATENCY_BUCKETS, registry=r)
        self.table_keys = Gauge("shipguard_table_keys", "Keys held in a state table", ["table"], registry=r)
        self.redis_write_errors = Counter("shipguard_redis_write_errors_total", "Failed writes to the Redis serving view",
                                          registry=r)
        self.redis_dropped_writes = Counter("shipguard_redis_dropped_writes_total",
                                            "Pending serving-view writes dropped because the buffer was full", registry=r)
        self.redis_pending_writes = Gauge("shipguard_redis_pending_writes", "Serving-view writes waiting for Redis",
                                          registry=r)
        self.escalations = Counter("shipguard_escalations_total",
                                   "Escalations published, by kind (the policy's kind names, else other)",
                                   ["kind"], registry=r)
        self.buffered_inputs = Gauge("shipguard_buffered_inputs", "Inputs buffered awaiting the watermark, by stage",
                                     ["stage"], registry=r)
        # Operations (deploy/prometheus/alerts.yml, the Kubernetes probes)
        self.mark_messages = Counter("shipguard_mark_messages_total",
                                     "Watermark mark messages produced, by target stage (progress: collect's)",
                                     ["target"], registry=r)
        self.consumer_lag_messages = Gauge("shipguard_consumer_lag_messages",
                                           "Input messages behind this worker: high watermark minus committed offset, "
                                           "summed over its partitions of the topic", ["topic"], registry=r)
        # Failed deliveries of what shipguard hands the producer itself (not through Faust's Topic.send, so
        # Faust's sensor never hears of them): stage messages, outputs, dead letters, marks, changelog records.
        self.send_errors = Counter("shipguard_send_errors_total",
                                   "Messages and changelog records the producer failed to deliver, by topic",
                                   ["topic"], registry=r)
        self.ready_state = Gauge("shipguard_ready", "1 once the worker has its assignment and has recovered its tables",
                                 registry=r)

    def event_in(self, topic: str) -> None:
        # Once per input message: the labelled child is looked up once per topic, not per call.
        child = self._events_in.get(topic)
        if child is None:
            child = self._events_in[topic] = self.events_in.labels(topic=topic)
        child.inc()

    def dead_letter(self, reason: str) -> None:
        self.dead_letters.labels(reason=reason).inc()

    def violation(self, v: dict) -> None:
        rule = _rule(v.get("rule"))
        penalty = v.get("penalty") or {}
        self.violations.labels(rule=rule, carrier=_carrier(v.get("carrier"))).inc()
        amount = penalty.get("amount_fen") or 0
        if isinstance(amount, int) and amount > 0:
            self.penalty_fen.labels(rule=rule, kind=_kind(penalty.get("kind"))).inc(amount)
        if penalty.get("capped"):
            self.penalties_capped.labels(rule=rule).inc()

    def escalation(self, kind: object, kinds: tuple[str, ...]) -> None:
        """kinds: the policy's escalation kind names, the only label values besides `other`."""
        self.escalations.labels(kind=kind if kind in kinds else OTHER).inc()

    def late(self, stage: str, n: int = 1) -> None:
        if n > 0:
            self.late_events.labels(stage=stage).inc(n)

    def watermark(self, stage: str, watermark_ms: int | None, max_seen_ms: int | None) -> None:
        """Nothing is set until the stage has seen an event (both given)."""
        if watermark_ms is None or max_seen_ms is None:
            return
        self.watermark_value.labels(stage=stage).set(watermark_ms / 1000)
        self.watermark_lag.labels(stage=stage).set(max(0, max_seen_ms - watermark_ms) / 1000)

    def decision_latency(self, seconds: float) -> None:
        self.decision_latency_s.observe(max(0.0, seconds))

    def table_size(self, table: str, n: int) -> None:
        self.table_keys.labels(table=table).set(n)

    def redis_error(self) -> None:
        self.redis_write_errors.inc()

    def redis_dropped(self, n: int = 1) -> None:
        self.redis_dropped_writes.inc(n)

    def redis_pending(self, n: int) -> None:
        self.redis_pending_writes.set(n)

    def buffered(self, stage: str, n: int) -> None:
        self.buffered_inputs.labels(stage=stage).set(n)

    def marks_sent(self, target: str, messages: int) -> None:
        self.mark_messages.labels(target=target).inc(messages)

    def send_error(self, topic: str) -> None:
        self.send_errors.labels(topic=topic).inc()

    def consumer_lag(self, topic: str, messages: int) -> None:
        self.consumer_lag_messages.labels(topic=topic).set(max(0, messages))

    def watch_health(self, health) -> None:
        """shipguard_ready follows health.ready(), read at each scrape."""
        self.ready_state.set_function(lambda: 1.0 if health.ready()[0] else 0.0)

    def serve(self, port: int, host: str = "127.0.0.1", health=None) -> None:
        """Expose GET /metrics, /healthz and /readyz on host:port (loopback unless told otherwise)."""
        from .metrics_http import serve

        self._server = serve(self.render, port, host, health)

    def render(self) -> bytes:
        return generate_latest(self.registry)
