"""The 发货超时 penalty of policy platform-2026-07, per order and stepped by
lateness: a share of the paid amount, at least the step's minimum, at most the
maximum, rounded half-up (to the yuan). Each step's rule carries what its step
adds to the step before, so an order's ship-late violations add up to the
amount of the last step it reached. No state: the earlier steps of an order
always fired before (ship_late_48h.py)."""
from __future__ import annotations

from fractions import Fraction
from math import floor

from .policy_sections import ShipLate, ShipLateStep


def step_fen(paid_amount_fen: int, step: ShipLateStep, ship_late: ShipLate) -> int:
    share = Fraction(paid_amount_fen) * step.percent / 100
    rounded = floor(share / ship_late.round_fen + Fraction(1, 2)) * ship_late.round_fen   # half-up
    return min(ship_late.max_fen, max(step.min_fen, rounded))


def top_up_fen(paid_amount_fen: int, rule: str, ship_late: ShipLate) -> int:
    """What the step decided by `rule` adds to the order's total (never negative)."""
    before = 0
    for step in ship_late.steps:
        total = max(before, step_fen(paid_amount_fen, step, ship_late))
        if step.rule == rule:
            return total - before
        before = total
    raise KeyError(rule)
