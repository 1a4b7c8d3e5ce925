"""What a rule is: a name, a category, the side whose state it reads, and two
pure functions -- one of (state, input), one of (state, deadline) -- that
return decisions (and, from inputs, the deadlines the rule wants to keep).

`reads` names the inputs `on_input` can act on (and `scans`, for a carrier scan,
the statuses): a side asks a rule of those only (rules/__init__.py indexes
them), so a rule must return nothing for any other input."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..decisions import Decision, Timer
from ..messages import OrderFacts
from ..policy import Policy

OnInput = Callable[[Any, Any, Policy], Iterable["Decision | Timer"]]
OnDeadline = Callable[[Any, Timer, Policy], Iterable[Decision]]


@dataclass(frozen=True)
class Rule:
    name: str
    category: str      # fake_shipping or timeout
    side: str          # order, parcel or pickup: whose state it reads
    on_input: OnInput | None = None
    on_deadline: OnDeadline | None = None
    reads: tuple[type, ...] = ()              # input classes that can trigger on_input
    scans: tuple[str, ...] | None = None      # of a CarrierScan: only these statuses (None: any)


def decide(rule: str, order: OrderFacts, parcel: tuple[str, str] | None, at: int, *evidence: str) -> Decision:
    carrier, waybill = parcel if parcel else (None, None)
    return Decision(rule, order, carrier, waybill, at, tuple(evidence))
