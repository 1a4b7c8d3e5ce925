"""Faults survived, nothing lost, nothing duplicated (issue 6).

kill -9 and SIGTERM restarts and a broker absent at start are in test_stream.py;
here: a worker joining and leaving mid-stream, a Redis outage, and hostile
messages mixed into a valid stream.
"""
from __future__ import annotations

import base64
import random
import threading
import time

import orjson
import pytest

from detectors.events import TOPICS
from detectors.parse import REASONS, DeadLetter, parse_message
from stream.eventlog import LogRecord, read_log
from stream.produce import produce_log
from stream.serving import connect
from tests.hostile import hostile_messages

from .deployment import Deployment, metrics_port
from .observe import metric_sum, offline, published, scrape, topic_records

pytestmark = pytest.mark.integration


def test_a_worker_joining_and_leaving_mid_stream_changes_nothing(long_log, tmp_path):
    """Rebalance both ways while input flows: a second worker takes partitions over, decides,
    and leaves again (SIGTERM) before the input ends; the first takes everything back."""
    path, as_of = long_log
    expected = offline(path, int(as_of))[0]
    d = Deployment(tmp_path)
    feeding = threading.Thread(target=_trickle, args=(d, path), daemon=True)
    try:
        d.start_worker()
        feeding.start()
        d.wait_for(lambda: published(d.broker.bootstrap) >= 1, timeout=180, what="the first violations")
        port = metrics_port()
        second = d.start_worker(port)
        d.wait_for(lambda: _took_input(port), timeout=90, what="the second worker to take input")
        assert feeding.is_alive(), "the input ended before the second worker left: lengthen the trickle"
        assert d.stop_worker(second) == 0, d.log_tail()
        feeding.join()
        out = tmp_path / "collected.jsonl"
        info = d.collect(out, as_of)
        assert out.read_bytes() == expected, info
        assert "0 duplicate ids" in info
    finally:
        d.close()


def _trickle(d: Deployment, path, per_second: int = 250) -> None:
    """The log in arrival order at a steady pace, so the input never goes idle on the way."""
    with open(path, "rb") as stream:
        records = list(read_log(stream))
    for start in range(0, len(records), per_second):
        began = time.monotonic()
        produce_log(d.broker.bootstrap, records[start:start + per_second])
        time.sleep(max(0.0, 1.0 - (time.monotonic() - began)))


def _took_input(port: int) -> bool:
    try:
        return metric_sum(scrape(port), "shipguard_events_in_total") > 0
    except OSError:
        return False


def test_a_redis_outage_mid_stream_loses_nothing(log, tmp_path, start_redis):
    """Redis is down for 30 s while violations are decided: the stream goes on, the
    errors show in the metrics, and the serving view catches up when Redis is back."""
    path, as_of = log
    server = start_redis()
    d = Deployment(tmp_path, redis_url=server.url)
    try:
        port = metrics_port()
        d.start_worker(port)
        down_at = time.monotonic()
        server.stop()
        d.produce(path)
        out = tmp_path / "collected.jsonl"
        info = d.collect(out, as_of)                    # processing goes on without Redis
        assert out.read_bytes() == offline(path, int(as_of))[0], info
        shown = scrape(port)
        assert metric_sum(shown, "shipguard_redis_write_errors_total") > 0
        assert metric_sum(shown, "shipguard_redis_pending_writes") > 0
        time.sleep(max(0.0, 30 - (time.monotonic() - down_at)))
        server = start_redis(port=server.port)
        ids = {orjson.loads(r.value)["violation_id"] for r in topic_records(d.broker.bootstrap, "violations")}
        client = connect(server.url)
        d.wait_for(lambda: metric_sum(scrape(port), "shipguard_redis_pending_writes") == 0, timeout=60,
                   what="the serving view to catch up")
        stored = {key.decode().split(":v:", 1)[1] for key in client.scan_iter("shipguard:v:*", count=1000)}
        assert stored == ids and ids
        client.close()
    finally:
        d.close()


def test_ten_thousand_hostile_messages_all_reach_the_dlq(log, tmp_path):
    """Fuzzed messages of all three topics mixed into a valid stream: each is a dead letter with
    a reason and its source offset, the valid stream decides what it decides alone, and the
    worker never restarts."""
    path, as_of = log
    valid = [orjson.loads(line) for line in open(path, "rb")]
    hostile = hostile_messages(valid, 10_000, seed=6)
    records = [LogRecord(0, line["topic"], line.get("key"), _raw(line)) for line in valid]
    rng = random.Random(6)
    for topic, key, raw in hostile:
        records.insert(rng.randrange(len(records) + 1), LogRecord(0, topic, key, raw))
    unusable = sum(isinstance(parse_message(r.topic, r.raw), DeadLetter) for r in records if r.topic in TOPICS)
    d = Deployment(tmp_path)
    try:
        counts = produce_log(d.broker.bootstrap, records)
        assert counts.get("too_large", 0) == 0, counts
        port = metrics_port()
        worker = d.start_worker(port)
        out = tmp_path / "collected.jsonl"
        info = d.collect(out, as_of)
        assert out.read_bytes() == offline(path, int(as_of))[0], info
        dead = [orjson.loads(r.value) for r in topic_records(d.broker.bootstrap, "shipguard-dlq")]
        assert len(dead) == unusable >= len(hostile)
        assert all(x["reason"] in REASONS and x["detail"] and x["offset"] >= 0 for x in dead)
        assert len({(x["topic"], x["partition"], x["offset"]) for x in dead}) == len(dead)
        assert metric_sum(scrape(port), "shipguard_dead_letters_total") == len(dead)
        assert worker.poll() is None
        shown = d.log_tail(lines=10**6)
        assert shown.count("Worker ready") == 1 and "Traceback" not in shown and "crashed" not in shown, shown[-3000:]
    finally:
        d.close()


def _raw(line: dict) -> bytes:
    if "value" in line:
        return orjson.dumps(line["value"])
    if "value_b64" in line:
        return base64.b64decode(line["value_b64"])
    return line["value_raw"].encode("utf-8", "surrogatepass")


def test_every_rule_case_decides_the_same_in_the_stream(tmp_path):
    """Clock and order abuse: the rule-case corpus (events exactly at deadlines, equal times
    across topics, redeliveries) goes through the stream at once, every case on its own ids but
    all on one time base. Then, with every input partition idle, one event far ahead arrives on
    a single partition: the idle ones must not hold the deadlines back."""
    records, sentinel = _case_corpus()
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in [*records, sentinel]))
    d = Deployment(tmp_path)
    try:
        produce_log(d.broker.bootstrap, [_record(r) for r in records])
        d.start_worker()
        d.wait_for(lambda: published(d.broker.bootstrap) >= 1, timeout=180, what="the first violations")
        produce_log(d.broker.bootstrap, [_record(sentinel)])
        out = tmp_path / "collected.jsonl"
        info = d.collect(out)
        expected = offline(path)[0]
        assert expected.count(b"\n") >= 100 and out.read_bytes() == expected, info
    finally:
        d.close()


def _record(line: dict) -> LogRecord:
    return LogRecord(0, line["topic"], line["key"], orjson.dumps(line["value"]))


def _case_corpus() -> tuple[list[dict], dict]:
    """Every shuffle-safe rule case, its ids prefixed, merged in an arrival order that keeps
    each case within the allowed lateness; and a sentinel order paid 90 days on."""
    from tests.unit.test_rule_cases import T0, build, params

    tagged = []
    for n, param in enumerate(params()):
        _, case = param.values
        if param.marks or not case.get("arrival_shuffle", True):
            continue
        newest = None
        for event in build(case):
            newest = event.time if newest is None else max(newest, event.time)
            tagged.append((newest, len(tagged), _contract_json(f"c{n}-", event)))
    tagged.sort(key=lambda t: (t[0], t[1]))
    sentinel = _contract_json("end-", build({"events": [{"paid": {"order": "o", "at": "90d"}}]})[0])
    assert sentinel["value"]["paid_at"] > T0
    return [t[2] for t in tagged], sentinel


def _contract_json(prefix: str, e) -> dict:
    """A detectors event as the platform sends it (CONTRACT §1), its ids under `prefix`."""
    if e.topic == "order-paid":
        a = e.address
        value = {"event_id": prefix + e.event_id, "order_id": prefix + e.order_id, "shop_id": prefix + e.shop_id,
                 "product_id": e.product_id, "paid_at": e.paid_at, "paid_amount_fen": e.paid_amount_fen,
                 "recipient_id": e.recipient_id, "ship_within_hours": e.ship_within_hours,
                 "address": {"province": a.province, "city": a.city, "district": a.district,
                             "detail_hash": a.detail_hash}}
        return {"topic": e.topic, "key": value["order_id"], "value": value}
    if e.topic == "tracking-uploaded":
        value = {"event_id": prefix + e.event_id, "order_id": prefix + e.order_id, "shop_id": prefix + e.shop_id,
                 "carrier": e.carrier, "waybill_no": prefix + e.waybill_no, "uploaded_at": e.uploaded_at,
                 "action": e.action}
        return {"topic": e.topic, "key": value["order_id"], "value": value}
    value = {"event_id": prefix + e.event_id, "carrier": e.carrier, "waybill_no": prefix + e.waybill_no,
             "scanned_at": e.scanned_at, "status": e.status, "description": e.description}
    if e.city is not None:
        value["city"] = e.city
    return {"topic": e.topic, "key": f"{e.carrier}:{value['waybill_no']}", "value": value}
