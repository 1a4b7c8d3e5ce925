"""The query strings of the list pages, checked: a bad value is a 400 with one line naming it."""
from __future__ import annotations

from datetime import date

from detectors.decisions import RULE_ORDER

from ..serving_keys import METRICS
from ..serving_read import SORTS, ViolationFilter

CATEGORIES = ("fake_shipping", "timeout")
MAX_TEXT = 200


class BadParam(ValueError):
    """A query parameter that cannot be used; the message names it."""


def _day(params, name: str) -> str | None:
    text = params.get(name) or None
    if text is None:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise BadParam(f"{name}: not a day (YYYY-MM-DD): {text[:40]!r}") from None


def _choice(params, name: str, choices, default=None) -> str | None:
    text = params.get(name) or default
    if text is not None and text not in choices:
        raise BadParam(f"{name}: must be one of {', '.join(choices)}, not {text[:40]!r}")
    return text


def _text(params, name: str) -> str | None:
    text = params.get(name) or None
    if text is not None and len(text) > MAX_TEXT:
        raise BadParam(f"{name}: longer than {MAX_TEXT} characters")
    return text


def page_number(params) -> int:
    text = params.get("page") or "1"
    if not text.isdigit() or int(text) < 1:
        raise BadParam(f"page: must be a whole number from 1, not {text[:40]!r}")
    return int(text)


def window(params) -> tuple[str | None, str | None]:
    day_from, day_to = _day(params, "day_from"), _day(params, "day_to")
    if day_from and day_to and day_from > day_to:
        raise BadParam(f"day_from {day_from} is after day_to {day_to}")
    return day_from, day_to


def violation_filter(params) -> ViolationFilter:
    day_from, day_to = window(params)
    descending = _choice(params, "descending", ("0", "1"), "1") == "1"
    return ViolationFilter(rule=_choice(params, "rule", RULE_ORDER), category=_choice(params, "category", CATEGORIES),
                           shop=_text(params, "shop"), carrier=_text(params, "carrier"), day_from=day_from,
                           day_to=day_to, sort=_choice(params, "sort", SORTS, "time"), descending=descending)


def board_sort(params, subject: str, escalations: bool) -> str:
    metrics = [m for m in METRICS if m != "escalations" or (subject == "shop" and escalations)]
    return _choice(params, "sort", metrics, "violations")
