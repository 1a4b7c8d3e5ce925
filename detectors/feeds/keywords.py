"""A scan's status from its wording, for records that carry no code we know.

Kuaidi100 without `resultv2`, KDNiao's basic query and SF's minor opCodes give
a record no status of its own. (The document-level `state` / `State` /
`StateEx` describe the parcel now, not that record, and change as it moves:
using them would give one record two statuses, and two ids, across pushes.)

First match wins, in this order: a return says so even when the text also
mentions signing ("退回件已签收"); "已签收" wins over a failure word
("派件异常后已签收"); a failure wins over delivery ("派送不成功，将再次派送").
The phrases are narrow on purpose: a false `collected` could fire
pickup_before_payment, so "待揽收" or "已下单" must never read as one.
"""
from __future__ import annotations

WORDING: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("returned", ("已退回", "退回寄件人", "返回寄件人", "退件")),
    ("signed", ("已签收", "签收成功", "妥投")),
    ("exception", ("派送不成功", "派件不成功", "投递失败", "问题件", "拒收", "拒签", "异常", "滞留", "破损",
                   "无法联系")),
    ("delivering", ("派件中", "正在派件", "正在派送", "派送中", "派送途中", "开始派送", "代收")),
    ("collected", ("已揽收", "已揽件", "已收件", "已取件", "收取快件", "揽收成功", "揽收完成",
                   "揽件成功")),
    ("in_transit", ("到达", "离开", "发往", "发出", "已收入", "分拣", "中转", "运输中", "装车")),
)


def status_from_text(description: str) -> str:
    for status, phrases in WORDING:
        if any(p in description for p in phrases):
            return status
    return "unknown"
