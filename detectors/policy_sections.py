"""The optional sections of a policy file that the rules behind configuration
read (policy platform-2026-07): transit limits with their place table, the
stepped 发货超时 penalty, and the escalation definitions. A policy without a
section does without the rules that need it (policy.py checks that)."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from .decisions import RULE_ORDER
from .places import normalize_place

if TYPE_CHECKING:                    # the builders read the checked file (policy_model.py)
    from . import policy_model as model


@dataclass(frozen=True)
class TransitLimits:
    """中转超时: the longest silence allowed between two scans, by where the parcel goes."""

    same_region_ms: int                 # one province, or both ends in one region (江浙沪皖, 京津冀)
    across_ms: int                      # across provinces
    remote_ms: int                      # either end in a remote province
    regions: tuple[frozenset[str], ...]
    remote: frozenset[str]
    places: dict[str, str]              # city or province (bare name) -> province (bare name)


@dataclass(frozen=True)
class ShipLateStep:
    rule: str              # the rule that decides this step
    late_over_ms: int      # the order is more than this late (no bound waybill at deadline + this)
    percent: Fraction      # of the paid amount
    min_fen: int


@dataclass(frozen=True)
class ShipLate:
    """发货超时 per order: each step's rule carries what its step adds to the one before."""

    kind: str              # compensation (to the buyer) or deposit_deduction
    max_fen: int
    round_fen: int         # rounded half-up to this (100: to the yuan)
    steps: tuple[ShipLateStep, ...]


@dataclass(frozen=True)
class EscalationKind:
    """One shop- or product-level escalation over a calendar day (escalation.py)."""

    name: str
    level: str                          # shop or product
    rules: frozenset[str]               # an order counts when one of these decided it that day
    base: str | None = None             # denominator: paid (orders paid that day) or due (deadline that day)
    min_orders: int = 0                 # counted orders at least
    min_base: int = 0                   # denominator at least
    rate_over: Fraction | None = None   # percent, strictly more than
    rate_at_least: Fraction | None = None


def transit_limits(doc: model.Transit) -> TransitLimits:
    places: dict[str, str] = {}
    for province, cities in doc.provinces.items():
        p = normalize_place(province)
        places[p] = p
        for city in cities or ():
            places.setdefault(normalize_place(city), p)   # a province's own name wins
    return TransitLimits(
        same_region_ms=doc.same_region,
        across_ms=doc.across_provinces,
        remote_ms=doc.remote,
        regions=tuple(frozenset(normalize_place(p) for p in group) for group in doc.regions),
        remote=frozenset(normalize_place(p) for p in doc.remote_provinces),
        places=places,
    )


def ship_late(doc: model.ShipLate) -> ShipLate:
    steps = tuple(ShipLateStep(s.rule, s.late_over, s.percent_of_paid, s.min_fen) for s in doc.steps)
    return ShipLate(doc.kind, doc.max_fen, doc.round_fen, steps)


def escalations(doc: dict[str, model.Escalation]) -> tuple[EscalationKind, ...]:
    return tuple(EscalationKind(name, spec.level, frozenset(spec.rules), spec.base, spec.min_orders, spec.min_base,
                                spec.rate_over_percent, spec.rate_at_least_percent) for name, spec in doc.items())


def configured(doc: model.PolicyFile) -> dict:
    """The optional parts of a policy file, as Policy fields: enabled rules and their sections."""
    given = {
        "rules": None if doc.rules is None else tuple(r for r in RULE_ORDER if r in doc.rules),
        "collect_ms": doc.windows.collect_timeout,
        "dispatch_ms": doc.windows.dispatch_timeout,
        "compensation_full_below_fen": doc.penalties.compensation.full_below_fen,
        "transit": None if doc.transit is None else transit_limits(doc.transit),
        "ship_late": None if doc.penalties.ship_late is None else ship_late(doc.penalties.ship_late),
        "escalations": escalations(doc.escalations) if doc.escalations else None,
    }
    return {field: value for field, value in given.items() if value is not None}   # absent: the Policy's default


def problem(policy) -> tuple[tuple, str] | None:
    """What is wrong with a policy's rules and sections together, if anything, and the key to blame."""
    on = policy.enabled
    if "transit_timeout" in on and policy.transit is None:
        return ("rules",), "transit_timeout needs a `transit:` section"
    steps = policy.ship_late.steps if policy.ship_late else ()
    step_rules = [s.rule for s in steps]
    at_steps = ("penalties", "ship_late", "steps")
    if any(r not in on for r in step_rules) or any(r.startswith("ship_late_") and r not in step_rules for r in on):
        return at_steps if steps else ("rules",), \
            "every ship_late step's rule must be enabled, and every enabled ship_late_* rule must be a step"
    if steps and (step_rules[0] != "ship_timeout" or steps[0].late_over_ms != 0
                  or any(a.late_over_ms >= b.late_over_ms for a, b in zip(steps, steps[1:]))):
        return at_steps, "ship_late steps start with ship_timeout at 0h and grow"
    if steps and policy.retention_ms < steps[-1].late_over_ms:
        return ("retention",), "must be at least as long as the last ship_late step"
    for kind in policy.escalations:
        if not kind.rules <= on:
            return ("escalations", kind.name, "rules"), \
                f"escalation {kind.name} counts rules that are not enabled: {sorted(kind.rules - on)}"
    return None
