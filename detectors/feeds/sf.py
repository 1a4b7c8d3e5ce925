"""SF Express (顺丰) route pushes and route queries -> carrier-scan.

    push:  {"Body": {"WaybillRoute": [{"mailno", "acceptTime", "acceptAddress", "remark", "opCode", …}, …]}}
    query: {"routeResps": [{"mailNo": "SF…", "routes": [{"acceptTime", "acceptAddress", "remark", "opCode"}]}]}
           (also inside "msgData", or "apiResultData" as text, as the API wraps it;
            a route may say "scanDateTime" for "acceptTime")

The status comes from `opCode`; a code not listed falls back to the wording.
SF's hubs are 中转场 ("快件到达 【上海浦江中转场】"), a §2 suffix already.
"""
from __future__ import annotations

import orjson

from .common import FeedError, code, indexed, items, local_time, optional_text, record, scan, status, text

FORMAT = "sf"
CARRIER = "SF"

OP_CODES: dict[str, str] = {
    "50": "collected",     # 收件
    "54": "collected",     # 上门收件
    "30": "in_transit",    # 分拣 / 装车
    "31": "in_transit",    # 到达
    "36": "in_transit",    # 离开
    "44": "delivering",    # 派送: a courier is being assigned
    "204": "delivering",   # 派送中
    "80": "signed",        # 签收
    "648": "returned",     # 退回
}


def parcels(doc: dict) -> list[tuple[str, str, list[tuple[str, object]]]]:
    """(carrier, waybill, [(path, route), …]) per waybill in the document."""
    doc = _unwrap(doc)
    if "Body" in doc:
        # A push names the waybill on each route: each route is a parcel of its own.
        routes = indexed(items(record(doc["Body"], "Body"), "WaybillRoute", "Body."), "Body.WaybillRoute")
        return [(CARRIER, text(record(route, path), "mailno", path), [(path, route)]) for path, route in routes]
    if "routeResps" in doc:
        found = []
        for path, resp in indexed(items(doc, "routeResps", ""), "routeResps"):
            resp = record(resp, path)
            found.append((CARRIER, text(resp, "mailNo", path), indexed(items(resp, "routes", path), f"{path}routes")))
        return found
    return [(CARRIER, text(doc, "mailNo", ""), indexed(items(doc, "routes", ""), "routes"))]


def convert(carrier: str, waybill: str, route: dict, path: str) -> dict:
    at = local_time(route, "scanDateTime" if "scanDateTime" in route and "acceptTime" not in route else "acceptTime",
                    path)
    description = text(route, "remark", path)
    op = code(route, "opCode", path)
    return scan(FORMAT, carrier, waybill, at, op, status(op, OP_CODES, description),
                description, optional_text(route, "acceptAddress"))


def _unwrap(doc: dict) -> dict:
    if type(doc.get("apiResultData")) is str:
        try:
            doc = record(orjson.loads(doc["apiResultData"]), "apiResultData")
        except orjson.JSONDecodeError:
            raise FeedError("not_json", "apiResultData is not valid JSON") from None
    if "msgData" in doc:
        doc = record(doc["msgData"], "msgData")
    return doc
