"""Kuaidi100 (快递100) query answers and subscription pushes -> carrier-scan.

    query: {"nu": "YT…", "com": "yuantong", "state": "3", "data": [{"time", "context", "areaName", "status"}, …]}
    push:  {"status": "polling", "lastResult": {the query shape}}   (also {"param": that, as object or text})

A record's status comes from its own `statusCode` (resultv2 advanced codes),
else its own `status` name (resultv2=1), else its wording (keywords.py).
The top-level `state` is the parcel's state now, not a record's: not used.
"""
from __future__ import annotations

import orjson

from .common import FeedError, carrier_code, code, indexed, items, local_time, optional_text, record, scan, status, text

FORMAT = "kuaidi100"

# (code, Kuaidi100's name, contract status). 0-14 are the base states, the rest the advanced ones.
STATES: tuple[tuple[str, str, str], ...] = (
    ("0", "在途", "in_transit"),
    ("1", "揽收", "collected"),
    ("2", "疑难", "exception"),
    ("3", "签收", "signed"),
    ("4", "退签", "returned"),
    ("5", "派件", "delivering"),
    ("6", "退回", "returned"),
    ("7", "转投", "in_transit"),          # handed to another carrier
    ("8", "清关", "in_transit"),
    ("9", "", "unknown"),                 # not documented
    ("10", "待清关", "in_transit"),
    ("11", "清关中", "in_transit"),
    ("12", "已清关", "in_transit"),
    ("13", "清关异常", "exception"),
    ("14", "拒签", "exception"),          # refused; the return, if any, is a later record
    ("101", "已下单", "unknown"),          # an order for pickup, not a pickup
    ("102", "待揽收", "unknown"),
    ("103", "已揽收", "collected"),
    ("1001", "到达派件城市", "in_transit"),
    ("1002", "干线", "in_transit"),
    ("1003", "转递", "in_transit"),        # forwarded to a new address
    ("501", "投柜或驿站", "delivering"),    # in a locker or station for the recipient
    ("301", "本人签收", "signed"),
    ("302", "派件异常后签收", "signed"),
    ("303", "代签", "signed"),
    ("304", "投柜或站签收", "signed"),
    ("401", "已销单", "exception"),         # the waybill was cancelled: nothing moves, nothing returns
)
BY_CODE = {c: s for c, _, s in STATES}
CODE_OF_NAME = {name: c for c, name, _ in STATES if name} | {"转单": "7"}   # 转单: older name of 转投

# Kuaidi100 company codes (`com`) in the contract's spelling.
CARRIERS = {"zhongtong": "ZTO", "yuantong": "YTO", "yunda": "YUNDA", "shentong": "STO", "shunfeng": "SF",
            "jd": "JD", "jingdong": "JD", "jtexpress": "JT", "ems": "EMS", "huitongkuaidi": "HTKY",
            "youzhengguonei": "CHINAPOST", "debangkuaidi": "DBL", "debangwuliu": "DBL"}
MUNICIPALITIES = ("北京", "上海", "天津", "重庆", "北京市", "上海市", "天津市", "重庆市")


def parcels(doc: dict) -> list[tuple[str, str, list[tuple[str, object]]]]:
    """(carrier, waybill, [(path, record), …]) for the one parcel of the document."""
    path = ""
    if "param" in doc:                    # a push as posted: param=<json>
        doc, path = _param(doc["param"]), "param."
    if "lastResult" in doc:
        doc, path = record(doc["lastResult"], f"{path}lastResult"), f"{path}lastResult."
    carrier = carrier_code(text(doc, "com", path), CARRIERS)
    return [(carrier, text(doc, "nu", path), indexed(items(doc, "data", path), f"{path}data"))]


def convert(carrier: str, waybill: str, rec: dict, path: str) -> dict:
    at = local_time(rec, "ftime" if "ftime" in rec and "time" not in rec else "time", path)
    description = text(rec, "context", path)
    status_code = code(rec, "statusCode", path)
    if status_code is None and (name := optional_text(rec, "status")):
        status_code = CODE_OF_NAME.get(name)
    return scan(FORMAT, carrier, waybill, at, status_code, status(status_code, BY_CODE, description),
                description, city_of(optional_text(rec, "areaName")))


def city_of(area: str | None) -> str | None:
    """"山东,济南市,历城区,孙村" -> 济南市; a lone municipality ("天津") is its own city; a lone province says nothing."""
    if not area:
        return None
    parts = [p.strip() for p in area.split(",") if p.strip()]
    if len(parts) >= 2:
        return parts[1]
    return parts[0] if parts and parts[0] in MUNICIPALITIES else None


def _param(value: object) -> dict:
    if type(value) is str:
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise FeedError("not_json", "param is not valid JSON") from None
    return record(value, "param")
