"""Decisions, timers and the published violation (CONTRACT §5)."""
from __future__ import annotations

import hashlib

from .events import TIMER_RANK, value
from .messages import OrderFacts

FAKE_SHIPPING, TIMEOUT = "fake_shipping", "timeout"

# CONTRACT §4: the order decisions take at one instant (and timers fire in).
SEED_RULES = (
    "duplicate_waybill", "pickup_before_payment", "route_address_mismatch",
    "recalled_after_deadline", "no_transfer_center_24h", "not_received",
    "ship_timeout", "pickup_timeout",
)
# Rules behind configuration (policy platform-2026-07) come after them, so that
# the seed rules keep their relative order whatever a policy enables.
RULE_ORDER = SEED_RULES + (
    "collect_timeout_24h", "dispatch_timeout_24h", "transit_timeout", "ship_late_48h", "ship_late_96h",
)
RULE_RANK = {name: rank for rank, name in enumerate(RULE_ORDER)}
# Deadlines at one instant fire in rule order; a key's expiry (retention.py) comes last.
DEADLINE_RANK = {**RULE_RANK, "expire": len(RULE_ORDER)}


@value
class Timer:
    """An event-time deadline kept by one side for one key."""

    due: int
    rule: str
    side: str
    key: str               # the state it belongs to: order_id or carrier:waybill_no
    order_id: str
    parcel: str | None
    ref: int = 0           # rule-specific: e.g. the binding's upload time

    @property
    def sort_key(self) -> tuple:
        return (self.due, TIMER_RANK, DEADLINE_RANK[self.rule], self.order_id, self.parcel or "", self.ref)


@value
class Decision:
    """A rule fired: before penalties."""

    rule: str
    order: OrderFacts
    carrier: str | None
    waybill_no: str | None
    decided_at: int
    evidence: tuple[str, ...]

    @property
    def order_key(self) -> tuple:
        """Decision order (§4): penalties are assigned in this order."""
        return (self.decided_at, RULE_RANK[self.rule], self.order.order_id, self.carrier or "", self.waybill_no or "")

    @property
    def identity(self) -> tuple[str, str, str]:
        """Each rule fires at most once per (rule, order, parcel)."""
        return (self.rule, self.order.order_id, f"{self.carrier}:{self.waybill_no}" if self.carrier else "")


def violation_id(policy_version: str, rule: str, order_id: str, carrier: str | None, waybill_no: str | None) -> str:
    text = "\x1f".join((policy_version, rule, order_id, carrier or "", waybill_no or ""))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
