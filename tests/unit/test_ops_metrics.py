"""The operations side of the metrics: carrier label, consumer lag, readiness, and the
read-only HTTP endpoint with /healthz and /readyz."""
from __future__ import annotations

import asyncio
import socket
import urllib.error
import urllib.request

import pytest

from stream.service.health import Health
from stream.service.lag import input_lag
from stream.metrics import Metrics


def value(m: Metrics, name: str, **labels):
    return m.registry.get_sample_value(name, labels)


def violation(carrier):
    return {"rule": "route_address_mismatch", "carrier": carrier, "order_id": "SECRET-order",
            "waybill_no": "SECRET-waybill", "penalty": {"kind": "compensation", "amount_fen": 1000}}


def test_violations_by_carrier_are_bounded_to_known_codes():
    m = Metrics()
    for carrier in ("ZTO", "ZTO", "SF", "SECRET-carrier-13800138000", None, ""):
        m.violation(violation(carrier))
    rule = "route_address_mismatch"                        # the one rule of these: each carrier's whole count
    assert value(m, "shipguard_violations_total", rule=rule, carrier="ZTO") == 2
    assert value(m, "shipguard_violations_total", rule=rule, carrier="SF") == 1
    assert value(m, "shipguard_violations_total", rule=rule, carrier="other") == 1
    assert value(m, "shipguard_violations_total", rule=rule, carrier="none") == 2
    assert "SECRET" not in m.render().decode()


def test_failed_deliveries_are_counted_by_topic():
    """shipguard's own sends and changelog records bypass Faust's sensor: their failures count here."""
    from types import SimpleNamespace
    from faust.types import TP
    from stream.service import faust_compat
    from stream.service.agents import _delivered

    m = Metrics()
    app = SimpleNamespace(shipguard=SimpleNamespace(metrics=m))
    loop = asyncio.new_event_loop()
    try:
        failed, delivered = loop.create_future(), loop.create_future()
        failed.set_exception(RuntimeError("broker gone"))
        delivered.set_result(None)
        forgotten = []
        _delivered(app, "sg-parcel-in", lambda: forgotten.append(1), failed)
        _delivered(app, "sg-parcel-in", None, delivered)
        faust_compat._persisted(None, TP("sg-orders-changelog", 3), m.send_error, failed)
    finally:
        loop.close()
    assert value(m, "shipguard_send_errors_total", topic="sg-parcel-in") == 1 and forgotten == [1]
    assert value(m, "shipguard_send_errors_total", topic="sg-orders-changelog") == 1


def test_consumer_lag_gauge_never_negative():
    m = Metrics()
    m.consumer_lag("order-paid", 42)
    m.consumer_lag("carrier-scan", -3)
    assert value(m, "shipguard_consumer_lag_messages", topic="order-paid") == 42
    assert value(m, "shipguard_consumer_lag_messages", topic="carrier-scan") == 0


class FakeConsumer:
    def __init__(self, highwaters, committed):
        from faust.types import TP
        self.tps = {TP(t, p) for t, p in highwaters} | {TP(t, p) for t, p in committed}
        self.hw = {TP(*k): v for k, v in highwaters.items()}
        self._committed_offset = {TP(*k): v for k, v in committed.items()}

    def assignment(self):
        return self.tps

    def highwater(self, tp):
        if tp not in self.hw:
            raise KeyError(tp)
        return self.hw[tp]


def test_input_lag_sums_assigned_partitions_and_skips_unknowns():
    consumer = FakeConsumer(
        highwaters={("order-paid", 0): 100, ("order-paid", 1): 50, ("carrier-scan", 2): 10, ("shipguard-order-in", 0): 999},
        committed={("order-paid", 0): 90, ("order-paid", 1): 50, ("carrier-scan", 2): None,
                   ("shipguard-order-in", 0): 0, ("tracking-uploaded", 3): 5})
    assert input_lag(consumer) == {"order-paid": 10, "tracking-uploaded": 0, "carrier-scan": 0}


def test_health_liveness_and_readiness():
    now = [100.0]
    h = Health(stale_after=30, clock=lambda: now[0])
    assert h.live() == (True, "starting")                 # no beat yet: timers start after the first recovery
    assert h.ready() == (False, "waiting for a partition assignment")
    h.assigned, h.recovered = 3, asyncio.Event()
    assert h.ready() == (False, "recovering tables from the changelogs")
    h.recovered.set()
    assert h.ready() == (True, "ready: 3 partitions assigned")
    h.beat()
    now[0] += 29
    assert h.live()[0]
    now[0] += 2
    assert h.live() == (False, "event loop stalled: no heartbeat for 31 s")
    h.stopping = lambda: True
    assert h.ready() == (False, "stopping")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served():
    m, h = Metrics(), Health()
    m.watch_health(h)
    m.event_in("order-paid")
    port = free_port()
    m.serve(port, health=h)
    server, _thread = m._server
    yield f"http://127.0.0.1:{port}", h, m, server
    server.shutdown()
    server.server_close()


def get(url: str, method: str = "GET"):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=5) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def test_endpoints_answer_the_probes(served):
    base, h, _m, server = served
    assert server.server_address[0] == "127.0.0.1"          # loopback unless told otherwise
    status, body, headers = get(base + "/metrics")
    assert status == 200 and 'shipguard_events_in_total{topic="order-paid"} 1.0' in body
    assert "shipguard_ready 0.0" in body and headers["Content-Type"].startswith("text/plain")
    assert get(base + "/healthz")[:2] == (200, "starting\n")
    assert get(base + "/readyz")[:2] == (503, "waiting for a partition assignment\n")
    h.assigned, h.recovered = 2, asyncio.Event()
    h.recovered.set()
    assert get(base + "/readyz")[:2] == (200, "ready: 2 partitions assigned\n")
    assert "shipguard_ready 1.0" in get(base + "/metrics")[1]
    assert get(base + "/nothing-here")[0] == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "HEAD"])
def test_endpoints_are_read_only(served, method):
    base = served[0]
    status, _body, headers = get(base + "/metrics", method)
    assert status == 405 and headers["Allow"] == "GET"


def test_input_lag_counts_from_what_was_read_not_from_inputs_waiting_unacked():
    """Inputs wait unacked for the watermark: the committed offset trails by the lateness of traffic."""
    consumer = FakeConsumer(highwaters={("order-paid", 0): 100, ("carrier-scan", 1): 70},
                            committed={("order-paid", 0): 40, ("carrier-scan", 1): 60})
    read = {("order-paid", 0): 95}
    assert input_lag(consumer, position=lambda t, p: read.get((t, p))) == {
        "order-paid": 5, "tracking-uploaded": 0, "carrier-scan": 10}        # unread: the committed offset


def test_the_process_series_on_call_expects_are_on_the_shipguard_registry():
    m = Metrics()
    rss = value(m, "process_resident_memory_bytes")
    assert rss is not None and rss > 10 * 2 ** 20          # this Python process holds well over 10 MiB
    assert value(m, "process_cpu_seconds_total") > 0
    assert m.registry.get_sample_value("python_info", {**_python_labels()}) == 1


def _python_labels() -> dict:
    import platform
    major, minor, patch = platform.python_version_tuple()
    return {"implementation": platform.python_implementation(), "major": major, "minor": minor,
            "patchlevel": patch, "version": platform.python_version()}
