"""The hand-written reader that policy_model.py replaced, as it was (b73995c), without its
checks: the oracle of test_policy_model.py while the two live side by side."""
from __future__ import annotations

import sys
from fractions import Fraction

import yaml

from detectors.decisions import RULE_ORDER
from detectors.places import normalize_place
from detectors.policy import Policy, PolicyError
from detectors.policy_sections import EscalationKind, ShipLate, ShipLateStep, TransitLimits
from detectors.timeparse import parse_duration


sections = sys.modules[__name__]     # the old policy_sections functions are below, unchanged


def policy_from_text(text: str) -> Policy:
    try:
        doc = yaml.safe_load(text)
        windows, promise = doc["windows"], doc["shipping_promise"]
        comp, timeout = doc["penalties"]["compensation"], doc["penalties"]["timeout"]
        hubs = doc["hubs"]
        policy = Policy(
            version=str(doc["version"]),
            duplicate_window_ms=parse_duration(str(windows["duplicate_waybill"])),
            no_transfer_ms=parse_duration(str(windows["no_transfer_center"])),
            not_received_ms=parse_duration(str(windows["not_received"])),
            pickup_grace_ms=parse_duration(str(windows["pickup_grace"])),
            default_ship_hours=int(promise["default_hours"]),
            min_ship_hours=int(promise["min_hours"]),
            max_ship_hours=int(promise["max_hours"]),
            compensation_percent=int(comp["percent_of_paid"]),
            compensation_min_fen=int(comp["min_fen"]),
            compensation_max_fen=int(comp["max_fen"]),
            timeout_fen=int(timeout["amount_fen"]),
            timeout_daily_cap_fen=int(timeout["daily_cap_fen"]),
            timezone=str(timeout["timezone"]),
            hub_suffixes=tuple(hubs["suffixes"]),
            destination_words=tuple(hubs["destination_words"]),
            carrier_hub_suffixes={
                str(k): _carrier_suffixes(v, hubs["suffixes"]) for k, v in (hubs.get("per_carrier") or {}).items()
            },
            retention_ms=parse_duration(str(doc.get("retention", windows["duplicate_waybill"]))),
            **sections.configured(doc, windows, comp),
        )
    except (KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise PolicyError(f"policy file is not valid: {exc!r}") from None
    return policy


def _carrier_suffixes(entry: dict, defaults: list) -> tuple[str, ...]:
    """A carrier's hub suffixes: `suffixes` replaces the default list, `extra_suffixes` adds to it."""
    return tuple(entry.get("suffixes", defaults)) + tuple(entry.get("extra_suffixes", ()))


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

