"""The generator's plan as log lines (synth.py plans, this writes them): each planned event as its
CONTRACT §6 line, and the unusable messages mixed in. Only `bad_message` draws from the generator's
random source, in the order synth.py calls it, so the lines of a seed do not change."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

import orjson

from detectors.events import CARRIER_SCAN, ORDER_PAID, TRACKING_UPLOADED

PAID, UPLOAD, CANCEL, SCAN, DUP, BAD = range(6)     # the plan's kinds of entry
STATUSES = ("collected", "in_transit", "delivering", "signed", "returned", "exception")

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=4096)
def _day(d: int) -> str:
    return date.fromordinal(_EPOCH_ORDINAL + d).isoformat()


def rfc3339(ms: int) -> str:
    """Epoch ms -> `2026-11-11T10:00:00+08:00`."""
    s, frac = divmod(ms, 1000)
    d, r = divmod(s + 8 * 3600, 86400)
    h, r = divmod(r, 3600)
    m, sec = divmod(r, 60)
    f = f".{frac:03d}" if frac else ""
    return f"{_day(d)}T{h:02d}:{m:02d}:{sec:02d}{f}+08:00"


def bad_message(rng, k: int, t: int) -> dict:
    """The k-th unusable message, near time t (seven kinds in turn)."""
    oid, eid = f"OX{k:07d}", f"bad{k:07d}"
    kind = k % 7
    if kind in (0, 1, 2):  # truncated JSON / not JSON / not an object
        wb = f"7{rng.randrange(10 ** 11, 10 ** 12)}"
        full = orjson.dumps({"event_id": eid, "carrier": "ZTO", "waybill_no": wb, "scanned_at": rfc3339(t),
                             "status": "in_transit", "description": "快件已到达【杭州转运中心】"}).decode()
        raw = (full[: rng.randrange(10, len(full) - 5)], "<html>502 Bad Gateway</html>", "[1, 2, 3]")[kind]
        return {"topic": CARRIER_SCAN, "key": f"ZTO:{wb}", "value_raw": raw}
    if kind == 3:  # money as a string
        return {"topic": ORDER_PAID, "key": oid, "value": {
            "event_id": eid, "order_id": oid, "shop_id": "S00000", "product_id": "P0000000",
            "paid_at": t, "paid_amount_fen": "1999", "recipient_id": "r_0", "address": {
                "province": "浙江省", "city": "杭州市", "district": "西湖区", "detail_hash": "00"}}}
    if kind == 4:  # no order_id
        return {"topic": TRACKING_UPLOADED, "key": oid, "value": {
            "event_id": eid, "shop_id": "S00000", "carrier": "YTO", "waybill_no": "YT0000000000000",
            "uploaded_at": rfc3339(t)}}
    if kind == 5:  # address without a city
        return {"topic": ORDER_PAID, "key": oid, "value": {
            "event_id": eid, "order_id": oid, "shop_id": "S00000", "product_id": "P0000000",
            "paid_at": rfc3339(t), "paid_amount_fen": 1999, "recipient_id": "r_0",
            "address": {"province": "浙江省", "district": "西湖区", "detail_hash": "00"}}}
    return {"topic": CARRIER_SCAN, "key": "SF:SF0000000000000", "value": {  # a time without a year
        "event_id": eid, "carrier": "SF", "waybill_no": "SF0000000000000", "scanned_at": "11-02 10:00:00",
        "status": "collected", "description": "顺丰速运 已收取快件"}}


def render(b, i: int) -> dict:
    """Planned event i of builder b as its log line."""
    kind = b.KIND[i]
    if kind == DUP:
        i = b.REF[i]
        kind = b.KIND[i]
    if kind == BAD:
        return b.bad[b.REF[i]]
    t, flag = b.T[i], b.FLAG[i]
    tv = t if flag & 1 else rfc3339(t)
    eid = f"ev{i:08d}"
    if kind == SCAN:
        carrier, wb, key = b.parcels[b.REF[i]]
        v = {"event_id": eid, "carrier": carrier, "waybill_no": wb, "scanned_at": tv,
             "status": STATUSES[b.AUX[i]], "description": b.DESC[i]}
        if b.CITY[i] is not None:
            v["city"] = b.CITY[i]
        if flag == 2:
            v["source"] = "kdniao"  # unknown extra fields are ignored
        return {"topic": CARRIER_SCAN, "key": key, "value": v}
    o = b.orders[b.REF[i]]
    if kind == PAID:
        a = o.address
        v = {"event_id": eid, "order_id": o.order_id, "shop_id": f"S{o.shop:05d}", "product_id": o.product_id,
             "paid_at": tv, "paid_amount_fen": o.amount, "recipient_id": o.recipient,
             "address": {"province": a[0], "city": a[1], "district": a[2], "detail_hash": a[3]}}
        if o.swh is not None:
            v["ship_within_hours"] = o.swh
        return {"topic": ORDER_PAID, "key": o.order_id, "value": v}
    carrier, wb, _ = b.parcels[b.AUX[i]]
    v = {"event_id": eid, "order_id": o.order_id, "shop_id": f"S{o.shop:05d}", "carrier": carrier,
         "waybill_no": wb, "uploaded_at": tv}
    if kind == CANCEL:
        v["action"] = "cancel"
    elif flag & 2:
        v["action"] = "upload"
    return {"topic": TRACKING_UPLOADED, "key": o.order_id, "value": v}
