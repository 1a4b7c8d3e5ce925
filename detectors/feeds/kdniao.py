"""KDNiao (快递鸟) track answers and pushes -> carrier-scan.

    query: {"ShipperCode": "ZTO", "LogisticCode": "7319…", "State": "3", "StateEx": "301",
            "Traces": [{"AcceptTime", "AcceptStation", "Location", "Action"}, …]}
    push:  {"EBusinessID": …, "Count": "2", "Data": [the query shape, one per parcel]}

A trace's status comes from its own `Action` (the value-added code, same code
space as `StateEx`), else its own `State`, else its wording (keywords.py).
The top-level `State`/`StateEx` are the parcel's state now, not a trace's: not used.
"""
from __future__ import annotations

from .common import carrier_code, code, indexed, items, local_time, optional_text, record, scan, status, text

FORMAT = "kdniao"

# KDNiao State (0-6, 10) and StateEx / Action codes -> contract status.
STATES: dict[str, str] = {
    "0": "unknown",        # 暂无轨迹信息
    "10": "unknown",       # 待揽件: waiting for pickup, not a pickup
    "1": "collected",      # 已揽收
    "2": "in_transit",     # 在途中
    "201": "in_transit",   # 到达派件城市
    "204": "in_transit",   # 到达转运中心
    "205": "in_transit",   # 到达派件网点
    "206": "in_transit",   # 寄件网点发件
    "202": "delivering",   # 派件中
    "211": "delivering",   # 已放入快递柜或驿站: waiting there for the recipient
    "3": "signed",         # 已签收
    "301": "signed",       # 正常签收
    "302": "signed",       # 轨迹异常后最终签收
    "304": "signed",       # 代收签收
    "311": "signed",       # 快递柜或驿站签收
    "4": "exception",      # 问题件
    "401": "exception",    # 发货无信息
    "402": "exception",    # 超时未签收
    "403": "exception",    # 超时未更新
    "404": "returned",     # 拒收(退件)
    "405": "exception",    # 派件异常
    "406": "returned",     # 退货签收
    "407": "returned",     # 退货未签收
    "412": "exception",    # 快递柜或驿站超时未取
    "413": "exception",    # 单号已拦截
    "414": "exception",    # 破损
    "415": "exception",    # 客户取消发货
    "416": "exception",    # 无法联系
    "417": "exception",    # 配送延迟
    "418": "exception",    # 快件取出
    "419": "exception",    # 重新派送
    "420": "exception",    # 收货地址不详细
    "421": "exception",    # 收件人电话错误
    "422": "exception",    # 错分件
    "423": "exception",    # 超区件
    "5": "in_transit",     # 转寄
    "6": "in_transit",     # 清关
    "601": "in_transit",   # 待清关
    "602": "in_transit",   # 清关中
    "603": "in_transit",   # 已清关
    "604": "exception",    # 清关异常
}

# KDNiao ShipperCode in the contract's spelling; an unlisted one is kept upper-cased (HTKY, DBL, …).
CARRIERS = {"zto": "ZTO", "yto": "YTO", "yd": "YUNDA", "sto": "STO", "sf": "SF", "jd": "JD", "jtsd": "JT",
            "ems": "EMS"}


def parcels(doc: dict) -> list[tuple[str, str, list[tuple[str, object]]]]:
    """(carrier, waybill, [(path, trace), …]) per parcel: one for a query answer, one per Data[] item of a push."""
    if "Data" in doc:
        return [_parcel(record(item, path), path) for path, item in indexed(items(doc, "Data", ""), "Data")]
    return [_parcel(doc, "")]


def _parcel(doc: dict, path: str) -> tuple[str, str, list[tuple[str, object]]]:
    carrier = carrier_code(text(doc, "ShipperCode", path), CARRIERS)
    waybill = text(doc, "LogisticCode", path)
    if doc.get("Traces") is None and doc.get("State") in ("0", 0):
        return carrier, waybill, []          # 暂无轨迹信息: KDNiao may leave Traces out
    return carrier, waybill, indexed(items(doc, "Traces", path), f"{path}Traces")


def convert(carrier: str, waybill: str, trace: dict, path: str) -> dict:
    at = local_time(trace, "AcceptTime", path)
    description = text(trace, "AcceptStation", path)
    status_code = code(trace, "Action", path) or code(trace, "State", path)
    return scan(FORMAT, carrier, waybill, at, status_code, status(status_code, STATES, description),
                description, optional_text(trace, "Location"))
