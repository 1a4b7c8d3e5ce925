"""The optional sections of a policy file that the rules behind configuration
read (policy platform-2026-07): transit limits with their place table, the
stepped 发货超时 penalty, and the escalation definitions. A policy without a
section does without the rules that need it (policy.py checks that)."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .decisions import RULE_ORDER
from .places import normalize_place
from .timeparse import parse_duration


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


def percent(value) -> Fraction:
    return Fraction(str(value))


def transit_limits(doc: dict) -> TransitLimits:
    places: dict[str, str] = {}
    for province, cities in doc["provinces"].items():
        p = normalize_place(str(province))
        places[p] = p
        for city in cities or ():
            places.setdefault(normalize_place(str(city)), p)   # a province's own name wins
    return TransitLimits(
        same_region_ms=parse_duration(str(doc["same_region"])),
        across_ms=parse_duration(str(doc["across_provinces"])),
        remote_ms=parse_duration(str(doc["remote"])),
        regions=tuple(frozenset(normalize_place(str(p)) for p in group) for group in doc["regions"]),
        remote=frozenset(normalize_place(str(p)) for p in doc["remote_provinces"]),
        places=places,
    )


def ship_late(doc: dict) -> ShipLate:
    steps = tuple(ShipLateStep(str(s["rule"]), parse_duration(str(s["late_over"])), percent(s["percent_of_paid"]),
                               int(s["min_fen"])) for s in doc["steps"])
    return ShipLate(str(doc.get("kind", "compensation")), int(doc["max_fen"]), int(doc.get("round_fen", 1)), steps)


def escalations(doc: dict) -> tuple[EscalationKind, ...]:
    kinds = []
    for name, spec in doc.items():
        over, least = spec.get("rate_over_percent"), spec.get("rate_at_least_percent")
        kinds.append(EscalationKind(
            str(name), str(spec["level"]), frozenset(str(r) for r in spec["rules"]),
            str(spec["base"]) if spec.get("base") is not None else None,
            int(spec.get("min_orders", 0)), int(spec.get("min_base", 0)),
            percent(over) if over is not None else None, percent(least) if least is not None else None))
    return tuple(kinds)


def configured(doc: dict, windows: dict, comp: dict) -> dict:
    """The optional parts of a policy file, as Policy fields: enabled rules and their sections."""
    out: dict = {}
    if "rules" in doc:
        named = [str(r) for r in doc["rules"]]
        unknown = sorted(set(named) - set(RULE_ORDER))
        if unknown:
            raise ValueError(f"unknown rules {unknown}")
        out["rules"] = tuple(r for r in RULE_ORDER if r in named)
    for key, name in (("collect_ms", "collect_timeout"), ("dispatch_ms", "dispatch_timeout")):
        if name in windows:
            out[key] = parse_duration(str(windows[name]))
    if "full_below_fen" in comp:
        out["compensation_full_below_fen"] = int(comp["full_below_fen"])
    if "transit" in doc:
        out["transit"] = transit_limits(doc["transit"])
    if "ship_late" in doc["penalties"]:
        out["ship_late"] = ship_late(doc["penalties"]["ship_late"])
    if doc.get("escalations"):
        out["escalations"] = escalations(doc["escalations"])
    return out


def problem(policy) -> str | None:
    """What is wrong with a policy's rules and sections together, if anything."""
    on = policy.enabled
    if "transit_timeout" in on and policy.transit is None:
        return "transit_timeout needs a `transit:` section"
    steps = policy.ship_late.steps if policy.ship_late else ()
    step_rules = [s.rule for s in steps]
    if any(r not in on for r in step_rules) or any(r.startswith("ship_late_") and r not in step_rules for r in on):
        return "every ship_late step's rule must be enabled, and every enabled ship_late_* rule must be a step"
    if steps and (step_rules[0] != "ship_timeout" or steps[0].late_over_ms != 0
                  or any(a.late_over_ms >= b.late_over_ms for a, b in zip(steps, steps[1:]))):
        return "ship_late steps start with ship_timeout at 0h and grow"
    if steps and policy.retention_ms < steps[-1].late_over_ms:
        return "retention must be at least as long as the last ship_late step"
    for kind in policy.escalations:
        if not kind.rules <= on or kind.level not in ("shop", "product") or kind.base not in (None, "paid", "due"):
            return f"escalation {kind.name}: its rules must be enabled, level shop|product, base paid|due"
    return None
