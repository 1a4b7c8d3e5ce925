"""The shape of a policy file, checked by pydantic before a Policy is built from it.

pydantic is pure Python and does no I/O, so the rule book may use it (test_purity).
extra="forbid" everywhere: a misspelt key is an error, where the hand-written reader
ignored it and silently used the default (a window, `retention`, a whole section).
Values convert as that reader did (str, parse_duration, Fraction(str(x))), so a valid
file gives the same Policy; what it let through and failed on later is refused here.
A field that defaults to None but is not Optional: absent is allowed, null is an error.
"""
from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StrictInt, StrictStr, field_validator

from .decisions import RULE_ORDER
from .timeparse import parse_duration


def shown(value: object) -> str:
    """A value as an error message shows it: short, one line, YAML's words for containers."""
    if isinstance(value, (dict, list)) or value is None:
        return {dict: "a mapping", list: "a list"}.get(type(value), "nothing")
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _text(value: object) -> str:             # `version: 2` is the version "2", as before
    if isinstance(value, bool) or not isinstance(value, (str, int, float, date)):
        raise ValueError(f"must be a string, got {shown(value)}")
    return str(value)


def _duration(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"must be a duration such as '24h' or integer ms, got {shown(value)}")
    return parse_duration(value)


def _window(value: object) -> int:
    if _duration(value) <= 0:
        raise ValueError(f"a window must be positive, got {shown(value)}")
    return _duration(value)


def _percent(value: object) -> Fraction:
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError
        return Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"must be a number of percent, got {shown(value)}") from None


Text = Annotated[str, PlainValidator(_text)]
Duration = Annotated[int, PlainValidator(_duration)]
Window = Annotated[int, PlainValidator(_window)]
Percent = Annotated[Fraction, PlainValidator(_percent)]
Names = list[StrictStr]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Windows(Section):
    duplicate_waybill: Window
    no_transfer_center: Window
    not_received: Window
    pickup_grace: Window
    collect_timeout: Window = None            # absent: the Policy's defaults
    dispatch_timeout: Window = None


class Promise(Section):
    default_hours: StrictInt
    min_hours: StrictInt
    max_hours: StrictInt


class Compensation(Section):
    percent_of_paid: StrictInt
    min_fen: StrictInt
    max_fen: StrictInt
    full_below_fen: StrictInt = None


class Timeout(Section):
    amount_fen: StrictInt
    daily_cap_fen: StrictInt
    timezone: StrictStr

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (KeyError, ValueError, OSError):      # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {name!r}") from None
        return name


class Step(Section):
    rule: StrictStr
    late_over: Duration
    percent_of_paid: Percent
    min_fen: StrictInt


class ShipLate(Section):
    kind: Literal["compensation", "deposit_deduction"] = "compensation"     # CONTRACT's penalty kinds
    max_fen: StrictInt
    round_fen: Annotated[StrictInt, Field(gt=0)] = 1                        # a divisor
    steps: list[Step]


class Penalties(Section):
    compensation: Compensation
    timeout: Timeout
    ship_late: ShipLate = None


class CarrierHubs(Section):
    suffixes: Names = None                    # replaces hubs.suffixes
    extra_suffixes: Names = []                # added to them


class Hubs(Section):
    suffixes: Names
    destination_words: Names
    per_carrier: dict[StrictStr, CarrierHubs] | None = None


class Transit(Section):
    same_region: Duration
    across_provinces: Duration
    remote: Duration
    regions: list[Names]
    remote_provinces: Names
    provinces: dict[StrictStr, Names | None]     # province -> its cities (`北京: []` or nothing)


class Escalation(Section):
    level: Literal["shop", "product"]
    rules: Names
    base: Literal["paid", "due"] | None = None
    min_orders: StrictInt = 0
    min_base: StrictInt = 0
    rate_over_percent: Percent | None = None
    rate_at_least_percent: Percent | None = None


class PolicyFile(Section):
    version: Text
    rules: Names = None                       # absent: the seed rules of CONTRACT §3
    windows: Windows
    retention: Duration = None                # absent: windows.duplicate_waybill
    shipping_promise: Promise
    penalties: Penalties
    hubs: Hubs
    transit: Transit = None
    escalations: dict[StrictStr, Escalation] | None = None

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, named: list[str]) -> list[str]:
        unknown = sorted(set(named) - set(RULE_ORDER))
        if unknown:
            raise ValueError(f"unknown rules {unknown}")
        return named

