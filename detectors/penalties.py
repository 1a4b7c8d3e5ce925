"""Penalties of CONTRACT §4, assigned in decision order.

Fake shipping: the buyer is compensated a share of the paid amount, clamped,
once per order. Timeouts: a fixed deduction from the shop's deposit, capped
per shop per calendar day (policy time zone) of decided_at.
"""
from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

from .decisions import FAKE_SHIPPING, Decision, violation_id
from .policy import Policy
from .rules import BY_NAME
from .ship_late_penalty import top_up_fen


def compensation_fen(paid_amount_fen: int, policy: Policy) -> int:
    if paid_amount_fen < policy.compensation_full_below_fen:         # platform-2026-07: under 10 yuan, all of it
        return paid_amount_fen
    share = paid_amount_fen * policy.compensation_percent // 100     # rounded down to the fen
    return max(policy.compensation_min_fen, min(policy.compensation_max_fen, share))


def shop_day(decided_at: int, policy: Policy) -> str:
    return datetime.fromtimestamp(decided_at / 1000, policy.tz).date().isoformat()


class PenaltyBook:
    """What has been charged so far: orders compensated (and when), deposit taken
    per shop-day. Both in decision order, and forgotten once older than the
    policy's retention, as the keyed states are (retention.py)."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.compensated: OrderedDict[str, int] = OrderedDict()          # order_id -> decided_at
        self.deducted: OrderedDict[tuple[str, str], int] = OrderedDict()  # (shop, day) -> fen

    def charge(self, decision: Decision) -> dict:
        """The penalty for the next decision in decision order."""
        policy, order = self.policy, decision.order
        self._forget_before(decision.decided_at - policy.retention_ms)
        if BY_NAME[decision.rule].category == FAKE_SHIPPING:
            first = order.order_id not in self.compensated
            if first:
                self.compensated[order.order_id] = decision.decided_at
            amount = compensation_fen(order.paid_amount_fen, policy) if first else 0
            return {"kind": "compensation", "amount_fen": amount, "capped": False}
        late = policy.ship_late
        if late is not None and any(step.rule == decision.rule for step in late.steps):   # 发货超时, per order
            return {"kind": late.kind, "amount_fen": top_up_fen(order.paid_amount_fen, decision.rule, late),
                    "capped": False}
        day = (order.shop_id, shop_day(decision.decided_at, policy))
        used = self.deducted.get(day, 0)
        amount = max(0, min(policy.timeout_fen, policy.timeout_daily_cap_fen - used))
        self.deducted[day] = used + amount
        return {"kind": "deposit_deduction", "amount_fen": amount, "capped": amount < policy.timeout_fen}

    def _forget_before(self, t: int) -> None:
        compensated, deducted = self.compensated, self.deducted
        while compensated and next(iter(compensated.values())) < t:
            compensated.popitem(last=False)
        oldest_day = shop_day(t, self.policy)
        while deducted and next(iter(deducted))[1] < oldest_day:
            deducted.popitem(last=False)


def violation(decision: Decision, penalty: dict, policy_version: str) -> dict:
    """The published violation (CONTRACT §5)."""
    order = decision.order
    return {
        "violation_id": violation_id(policy_version, decision.rule, order.order_id,
                                     decision.carrier, decision.waybill_no),
        "rule": decision.rule,
        "category": BY_NAME[decision.rule].category,
        "order_id": order.order_id,
        "shop_id": order.shop_id,
        "carrier": decision.carrier,
        "waybill_no": decision.waybill_no,
        "decided_at": decision.decided_at,
        "evidence": list(decision.evidence),
        "penalty": penalty,
        "policy_version": policy_version,
    }


def output_order(v: dict) -> tuple:
    """§6: violations are written sorted by order_id, rule, carrier, waybill_no."""
    return (v["order_id"], v["rule"], v["carrier"] or "", v["waybill_no"] or "")
