"""Index entries older than the window are gone from a worker's tables once the
watermark passes them, with the memory store and with the RocksDB store (issue 5)."""
from __future__ import annotations

import re
import time

import orjson
import pytest

from stream.service.agents import TABLE_SIZE_INTERVAL
from stream.tools.bench_worker import scrape        # "" while the worker is not listening yet

from .deployment import Deployment, metrics_port

pytestmark = pytest.mark.integration
T0 = 1793462400000            # 2026-11-01T00:00:00+08:00
H, D = 3_600_000, 86_400_000
ADDRESS = {"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail_hash": "d1"}


def paid(eid, order, at):
    return {"topic": "order-paid", "key": order, "value": {
        "event_id": eid, "order_id": order, "shop_id": "S1", "product_id": "P1", "paid_at": at,
        "paid_amount_fen": 5000, "recipient_id": "r1", "address": ADDRESS, "ship_within_hours": 48}}


def upload(eid, order, waybill, at):
    return {"topic": "tracking-uploaded", "key": order, "value": {
        "event_id": eid, "order_id": order, "shop_id": "S1", "carrier": "ZTO", "waybill_no": waybill,
        "uploaded_at": at, "action": "upload"}}


def scan(eid, waybill, at, status, text, city=None):
    return {"topic": "carrier-scan", "key": f"ZTO:{waybill}", "value": {
        "event_id": eid, "carrier": "ZTO", "waybill_no": waybill, "scanned_at": at, "status": status,
        "description": text, "city": city}}


def shipped(n: int, at: int) -> list[dict]:
    """Order n paid at `at`, shipped and signed within two days."""
    o, w = f"O{n}", f"7{n:011d}"
    return [paid(f"p{n}", o, at), upload(f"u{n}", o, w, at + H),
            scan(f"c{n}", w, at + 2 * H, "collected", "【杭州市】快件已揽收"),
            scan(f"t{n}", w, at + 3 * H, "in_transit", "快件已到达【杭州转运中心】"),
            scan(f"s{n}", w, at + 2 * D, "signed", "【杭州市】快件已签收", "杭州市")]


def table_keys(port: int) -> dict[str, float]:
    text = scrape(port)
    return {m[0]: float(m[1]) for m in re.findall(r'shipguard_table_keys\{table="([^"]+)"\} (\S+)', text)}


def watermark(port: int, stage: str) -> float:
    text = scrape(port)
    found = re.search(rf'shipguard_watermark_timestamp_seconds{{stage="{stage}"}} (\S+)', text)
    return float(found.group(1)) if found else 0.0


@pytest.mark.parametrize("store", ["memory://", "rocksdb://"])
def test_parcels_older_than_the_window_leave_the_tables(store, tmp_path):
    # 20 parcels shipped on day 0, then 20 more on day 61: the first ones' retention
    # (30 days after their 15-day deadline) has passed when the second ones are final.
    log = [line for n in range(20) for line in shipped(n, T0 + n * H)]
    log += [line for n in range(20, 40) for line in shipped(n, T0 + 61 * D + n * H)]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in log))
    d = Deployment(tmp_path)
    try:
        d.produce(path, slice(0, 100))
        port = metrics_port()
        d.start_worker(port, extra_env={"SHIPGUARD_STORE": store, "SHIPGUARD_DATA_DIR": str(tmp_path / "data")})
        d.wait_for(lambda: table_keys(port).get("parcel-state") == 20, timeout=90, what="20 parcels in the index")
        d.produce(path, slice(100, None))
        # The idle close takes the watermark to the last event, day 63: past day 0's parcels'
        # retention (day 45). Both batches were taken; without expiry the index would hold 40.
        last = max(line["value"]["scanned_at"] for line in log if line["topic"] == "carrier-scan")
        d.wait_for(lambda: watermark(port, "parcel") >= last / 1000, timeout=120, what="the watermark at the end")
        time.sleep(2 * TABLE_SIZE_INTERVAL + 1)     # table sizes are sampled: let a fresh sample in
        keys = table_keys(port)
        assert keys["parcel-state"] == 20 and keys["order-state"] == 20, keys
    finally:
        d.close()
