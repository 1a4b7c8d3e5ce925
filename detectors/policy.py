"""The policy: windows, penalties and hub wording, loaded from a versioned data file.

`policy_from_text` turns a policy file's text into a Policy; reading the file
is the caller's business (stream/policies.py), so the rule book does no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

import yaml

from . import policy_sections as sections
from .decisions import SEED_RULES
from .timeparse import parse_duration

class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class Policy:
    version: str
    duplicate_window_ms: int
    no_transfer_ms: int
    not_received_ms: int
    pickup_grace_ms: int
    default_ship_hours: int
    min_ship_hours: int
    max_ship_hours: int
    compensation_percent: int
    compensation_min_fen: int
    compensation_max_fen: int
    timeout_fen: int
    timeout_daily_cap_fen: int
    timezone: str
    hub_suffixes: tuple[str, ...]
    destination_words: tuple[str, ...]
    carrier_hub_suffixes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    retention_ms: int = 30 * 86_400_000     # a quiet key is forgotten after this (retention.py)
    # Rules behind configuration (a file without `rules:` decides the seed rules of CONTRACT §3).
    rules: tuple[str, ...] = SEED_RULES      # enabled, in RULE_ORDER
    collect_ms: int = 86_400_000             # collect_timeout_24h: upload -> first collected scan
    dispatch_ms: int = 86_400_000            # dispatch_timeout_24h: first collected -> first hub record
    compensation_full_below_fen: int = 0     # paid under this: compensation is the whole paid amount
    transit: sections.TransitLimits | None = None
    ship_late: sections.ShipLate | None = None
    escalations: tuple[sections.EscalationKind, ...] = ()

    @cached_property
    def enabled(self) -> frozenset[str]:
        return frozenset(self.rules)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hub_suffixes_for(self, carrier: str) -> tuple[str, ...]:
        return self.carrier_hub_suffixes.get(carrier, self.hub_suffixes)


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
    _check(policy)
    return policy


def _carrier_suffixes(entry: dict, defaults: list) -> tuple[str, ...]:
    """A carrier's hub suffixes: `suffixes` replaces the default list, `extra_suffixes` adds to it."""
    return tuple(entry.get("suffixes", defaults)) + tuple(entry.get("extra_suffixes", ()))


def _check(policy: Policy) -> None:
    windows = (policy.duplicate_window_ms, policy.no_transfer_ms, policy.not_received_ms, policy.pickup_grace_ms,
               policy.collect_ms, policy.dispatch_ms)
    if min(windows) <= 0:
        raise PolicyError("policy windows must be positive")
    if policy.retention_ms < max(windows):
        raise PolicyError("retention must be at least as long as every window")
    if not policy.min_ship_hours <= policy.default_ship_hours <= policy.max_ship_hours:
        raise PolicyError("default shipping promise outside its allowed range")
    policy.tz  # fails early on an unknown time zone
    problem = sections.problem(policy)
    if problem:
        raise PolicyError(problem)
