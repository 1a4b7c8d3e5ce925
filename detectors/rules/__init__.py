"""The registry: every rule shipguard can decide, in decision order (CONTRACT §4,
then the rules behind configuration). A policy enables some of them (`rules:`)."""
from __future__ import annotations

from functools import lru_cache

from ..decisions import RULE_ORDER
from ..events import SCAN_STATUSES, CarrierScan
from . import (
    collect_timeout_24h, dispatch_timeout_24h, duplicate_waybill, no_transfer_center_24h, not_received,
    pickup_before_payment, pickup_timeout, recalled_after_deadline, route_address_mismatch, ship_late_48h,
    ship_late_96h, ship_timeout, transit_timeout,
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
    # behind configuration (policy platform-2026-07)
    collect_timeout_24h.RULE,
    dispatch_timeout_24h.RULE,
    transit_timeout.RULE,
    ship_late_48h.RULE,
    ship_late_96h.RULE,
)
assert tuple(r.name for r in REGISTRY) == RULE_ORDER, "registry must follow RULE_ORDER (CONTRACT §4's first)"
assert all(r.reads for r in REGISTRY if r.on_input), "a rule with on_input names what it reads"

BY_NAME = {rule.name: rule for rule in REGISTRY}


@lru_cache(maxsize=None)
def rules_for(side: str, enabled: frozenset[str] | None = None) -> tuple[Rule, ...]:
    """The enabled rules reading one side's state; asked once per input, so remembered."""
    return tuple(r for r in REGISTRY if r.side == side and (enabled is None or r.name in enabled))


@lru_cache(maxsize=None)
def triggered(enabled: frozenset[str] | None = None) -> dict[tuple, tuple[Rule, ...]]:
    """The registry indexed by what can trigger a rule: (side, input class, scan status or None)
    -> the enabled rules whose `on_input` reads it, in decision order. Derived from each rule's
    `reads`/`scans`, so the registry stays the one truth."""
    index: dict[tuple, list[Rule]] = {}
    for rule in REGISTRY:
        if rule.on_input is None or (enabled is not None and rule.name not in enabled):
            continue
        for cls in rule.reads:
            statuses = (rule.scans or SCAN_STATUSES) if cls is CarrierScan else (None,)
            for status in statuses:
                index.setdefault((rule.side, cls, status), []).append(rule)
    return {kind: tuple(rules) for kind, rules in index.items()}
