"""The policy: windows, penalties and hub wording, loaded from a versioned data file.

`policy_from_text` turns a policy file's text into a Policy, checked against its
model (policy_model.py); reading the file is the caller's business
(stream/policies.py), so the rule book does no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

from . import policy_errors, policy_file, policy_sections as sections
from .decisions import SEED_RULES


class PolicyError(ValueError):
    """A policy that cannot be used. The message is one line: the CLI prints it as it is."""


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


def policy_from_text(text: str, source: str = "policy file") -> Policy:
    """`source` opens every error message: which file (stream/policies.py names it)."""
    try:
        doc, lines, problems = policy_file.load(text)
    except policy_file.Invalid as exc:
        raise PolicyError(f"{source}: {exc}") from None
    w, promise, comp, timeout, hubs = (doc.windows, doc.shipping_promise, doc.penalties.compensation,
                                       doc.penalties.timeout, doc.hubs)
    policy = Policy(
        version=doc.version,
        duplicate_window_ms=w.duplicate_waybill,
        no_transfer_ms=w.no_transfer_center,
        not_received_ms=w.not_received,
        pickup_grace_ms=w.pickup_grace,
        default_ship_hours=promise.default_hours,
        min_ship_hours=promise.min_hours,
        max_ship_hours=promise.max_hours,
        compensation_percent=comp.percent_of_paid,
        compensation_min_fen=comp.min_fen,
        compensation_max_fen=comp.max_fen,
        timeout_fen=timeout.amount_fen,
        timeout_daily_cap_fen=timeout.daily_cap_fen,
        timezone=timeout.timezone,
        hub_suffixes=tuple(hubs.suffixes),
        destination_words=tuple(hubs.destination_words),
        carrier_hub_suffixes={carrier: tuple(hubs.suffixes if entry.suffixes is None else entry.suffixes)
                              + tuple(entry.extra_suffixes) for carrier, entry in (hubs.per_carrier or {}).items()},
        retention_ms=w.duplicate_waybill if doc.retention is None else doc.retention,
        **sections.configured(doc),
    )
    found = _check(policy)
    if found:
        problems.append(policy_errors.problem(lines, *found))
    if problems:
        raise PolicyError(f"{source}: {policy_errors.summary(problems)}")
    return policy


def _check(policy: Policy) -> tuple[tuple, str] | None:
    """What is wrong with the policy as a whole (each field is checked by the model), and the key to blame."""
    windows = (policy.duplicate_window_ms, policy.no_transfer_ms, policy.not_received_ms, policy.pickup_grace_ms,
               policy.collect_ms, policy.dispatch_ms)
    if policy.retention_ms < max(windows):
        return ("retention",), "must be at least as long as every window"
    if not policy.min_ship_hours <= policy.default_ship_hours <= policy.max_ship_hours:
        return ("shipping_promise", "default_hours"), "default shipping promise outside min_hours..max_hours"
    return sections.problem(policy)
