"""The case page's timeline writer (stream/timeline.py) over a fake Redis: one pipelined write per
batch, the same member for a redelivered record, expiry on every key, and a Redis outage taken by
the ServingView's queue (retried in order, never raising into the stage)."""
from __future__ import annotations

import orjson
import redis

from detectors.parse import parse_message
from stream.metrics import Metrics
from stream.serving import ServingView
from stream.timeline import TimelineWriter, entry

T = 1_800_000_000_000
DAY = 86_400_000
PAID = {"event_id": "p1", "order_id": "O1", "shop_id": "S1", "product_id": "P1", "paid_at": T,
        "paid_amount_fen": 1234, "recipient_id": "r_secret_recipient",
        "address": {"province": "浙江省", "city": "杭州", "district": "西湖区", "detail_hash": "h_secret_detail"}}
UPLOAD = {"event_id": "u1", "order_id": "O1", "shop_id": "S1", "carrier": "ZTO", "waybill_no": "W1",
          "uploaded_at": T + 1000}
SCAN = {"event_id": "s1", "carrier": "ZTO", "waybill_no": "W1", "scanned_at": T + 2000, "status": "collected",
        "description": "<img src=x onerror=alert(1)>"}


VIOLATION = {"violation_id": "v1", "rule": "duplicate_waybill", "category": "fake_shipping", "order_id": "O1",
             "shop_id": "S1", "carrier": "ZTO", "waybill_no": "W1", "decided_at": T + 2000, "evidence": ["u1"],
             "penalty": {"kind": "compensation", "amount_fen": 1000, "capped": False}, "policy_version": "seed-v1"}


def event(topic: str, value: dict):
    return parse_message(topic, orjson.dumps(value))


class FakeRedis:
    """Sorted sets and expiries, through pipelines only (what the writer uses); `down` fails them."""

    def __init__(self):
        self.zsets: dict[str, dict[bytes, float]] = {}
        self.ttl: dict[str, int] = {}
        self.down = False
        self.executed: list[list[tuple]] = []

    def register_script(self, script):
        return lambda **kw: None

    def pipeline(self, transaction=True):
        return FakePipe(self)


class FakePipe:
    def __init__(self, server: FakeRedis):
        self.server, self.commands = server, []

    def zadd(self, key, mapping):
        self.commands.append(("zadd", key, dict(mapping)))

    def pexpire(self, key, ms):
        self.commands.append(("pexpire", key, ms))

    def execute(self):
        if self.server.down:
            raise redis.ConnectionError("Redis is down")
        for name, key, arg in self.commands:
            if name == "zadd":
                self.server.zsets.setdefault(key, {}).update(arg)
            else:
                self.server.ttl[key] = arg
        self.server.executed.append(self.commands)


def writer(server: FakeRedis, batch: int = 512, metrics=None) -> TimelineWriter:
    view = ServingView(server, prefix="t", metrics=metrics, retry_interval=0)
    return TimelineWriter(view, 30 * DAY, batch=batch)


def fill(w: TimelineWriter) -> None:
    w.add("order-paid", 1, 3, event("order-paid", PAID))
    w.add("tracking-uploaded", 1, 5, event("tracking-uploaded", UPLOAD))
    w.add("carrier-scan", 2, 7, event("carrier-scan", SCAN))


def test_an_order_keeps_its_own_events_and_a_parcel_its_scans_and_uploads_in_one_pipelined_write():
    server = FakeRedis()
    w = writer(server)
    fill(w)
    assert server.executed == []                      # buffered until the batch closes
    w.flush()
    assert len(server.executed) == 1                  # one pipeline: per key one ZADD and one PEXPIRE
    assert [c[0] for c in server.executed[0]] == ["zadd", "pexpire"] * 2
    order = {orjson.loads(m)["e"]: s for m, s in server.zsets["t:tl:o:O1"].items()}
    parcel = {orjson.loads(m)["e"]: s for m, s in server.zsets["t:tl:w:ZTO:W1"].items()}
    assert order == {"p1": T, "u1": T + 1000} and parcel == {"u1": T + 1000, "s1": T + 2000}
    scan = orjson.loads(next(iter(m for m in server.zsets["t:tl:w:ZTO:W1"] if b'"s1"' in m)))
    assert (scan["tp"], scan["p"], scan["o"], scan["k"], scan["d"]) == ("carrier-scan", 2, 7, "scan", SCAN["description"])


def test_a_redelivered_record_writes_the_same_member():
    server = FakeRedis()
    w = writer(server)
    fill(w)
    w.flush()
    before = {k: dict(v) for k, v in server.zsets.items()}
    fill(w)                                           # the same records read again after a restart
    w.flush()
    assert server.zsets == before
    w.add("carrier-scan", 3, 9, event("carrier-scan", SCAN))    # produced twice: another record, shown twice
    w.flush()
    assert len(server.zsets["t:tl:w:ZTO:W1"]) == 3


def test_every_key_expires_after_the_retention_refreshed_on_each_write():
    server = FakeRedis()
    w = writer(server)
    fill(w)
    w.flush()
    assert server.ttl == {"t:tl:o:O1": 30 * DAY, "t:tl:w:ZTO:W1": 30 * DAY}
    server.ttl.clear()
    w.add("carrier-scan", 2, 8, event("carrier-scan", {**SCAN, "event_id": "s2", "scanned_at": T + 5000}))
    w.flush()
    assert server.ttl == {"t:tl:w:ZTO:W1": 30 * DAY}


def test_no_personal_data_is_kept():
    kept = orjson.dumps(entry("order-paid", 0, 0, event("order-paid", PAID))).decode()
    assert "r_secret_recipient" not in kept and "h_secret_detail" not in kept and "杭州" in kept


def test_a_full_buffer_flushes_itself():
    server = FakeRedis()
    w = writer(server, batch=2)
    fill(w)
    assert len(server.executed) == 1 and len(server.zsets["t:tl:o:O1"]) == 2


def test_an_outage_queues_batches_in_the_serving_views_queue_and_retries_them_in_order():
    server, metrics = FakeRedis(), Metrics()
    w = writer(server, metrics=metrics)
    server.down = True
    w.add("order-paid", 1, 3, event("order-paid", PAID))
    w.flush()                                         # never raises
    w.serving.record(VIOLATION)                       # a violation queued behind it
    w.add("carrier-scan", 2, 7, event("carrier-scan", SCAN))
    w.flush()
    assert w.serving.pending == 3                     # two timeline entries and one violation
    assert metrics.registry.get_sample_value("shipguard_redis_pending_writes") == 3
    assert server.zsets == {}
    server.down = False
    order = []
    w.serving._script = lambda **kw: order.append("violation")
    real_execute = FakePipe.execute

    def execute(pipe):
        order.append("timeline")
        return real_execute(pipe)
    FakePipe.execute = execute
    try:
        assert w.serving.flush_pending() == 3
    finally:
        FakePipe.execute = real_execute
    assert order == ["timeline", "violation", "timeline"] and w.serving.pending == 0
    assert set(server.zsets) == {"t:tl:o:O1", "t:tl:w:ZTO:W1"}


def test_the_queue_bound_counts_timeline_entries():
    server = FakeRedis()
    view = ServingView(server, prefix="t", max_pending=3, retry_interval=60)
    w = TimelineWriter(view, DAY, batch=2)
    server.down = True
    fill(w)                                           # a batch of 2 (sent on the full buffer), 1 buffered
    w.flush()
    w.add("carrier-scan", 2, 8, event("carrier-scan", {**SCAN, "event_id": "s2"}))
    w.add("carrier-scan", 2, 9, event("carrier-scan", {**SCAN, "event_id": "s3"}))
    assert view.pending == 3 and view.dropped == 2    # the oldest batch (2 entries) went


def test_a_full_queue_drops_timeline_batches_before_any_violation():
    server = FakeRedis()
    view = ServingView(server, prefix="t", max_pending=3, retry_interval=60)
    w = TimelineWriter(view, DAY, batch=100)
    server.down = True

    def script_down(**kw):
        raise redis.ConnectionError("down")
    view._script = script_down
    view.record(VIOLATION)                            # oldest in the queue
    w.add("order-paid", 1, 3, event("order-paid", PAID))
    w.flush()
    view.record({**VIOLATION, "violation_id": "v2"})  # full: 1 + 1 + 1
    view.record({**VIOLATION, "violation_id": "v3"})  # the timeline batch goes, not v1
    assert view.pending == 3 and view.dropped == 1
    assert [v["violation_id"] for v in view._pending] == ["v1", "v2", "v3"]
    view.record({**VIOLATION, "violation_id": "v4"})  # no timeline left: the oldest violation goes
    assert [v["violation_id"] for v in view._pending] == ["v2", "v3", "v4"] and view.dropped == 2
