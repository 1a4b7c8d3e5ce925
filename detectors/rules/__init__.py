"""The registry: every rule shipguard decides, in CONTRACT §4's decision order."""
from __future__ import annotations

from functools import lru_cache

from ..decisions import RULE_ORDER
from . import (
    duplicate_waybill, no_transfer_center_24h, not_received, pickup_before_payment,
    pickup_timeout, recalled_after_deadline, route_address_mismatch, ship_timeout,
)
from .base import Rule

REGISTRY: tuple[Rule, ...] = (
    duplicate_waybill.RULE,
    pickup_before_payment.RULE,
    route_address_mismatch.RULE,
    recalled_after_deadline.RULE,
    no_transfer_center_24h.RULE,
    not_received.RULE,
    ship_timeout.RULE,
    pickup_timeout.RULE,
)
assert tuple(r.name for r in REGISTRY) == RULE_ORDER, "registry must follow CONTRACT §4's order"

BY_NAME = {rule.name: rule for rule in REGISTRY}


@lru_cache(maxsize=None)
def rules_for(side: str, enabled: frozenset[str] | None = None) -> tuple[Rule, ...]:
    """The rules reading one side's state; asked once per input, so remembered."""
    return tuple(r for r in REGISTRY if r.side == side and (enabled is None or r.name in enabled))
