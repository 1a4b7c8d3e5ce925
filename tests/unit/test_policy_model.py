"""A valid policy file gives exactly the Policy it gave before the model (policy_model.py):
decisions are compared byte for byte, so nothing in a Policy may change."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from fractions import Fraction

import pytest

from detectors.policy import policy_from_text
from stream.policies import bundled_text

from . import old_policy_reader

# sha256 of canonical(policy) as the hand-written reader built them (b73995c), under any PYTHONHASHSEED.
DIGESTS = {"seed-v1": "90963f20a725a836f2b8000e58d8347119a4d98c84b0e71962b8d8492896d29d",
           "platform-2026-07": "7bf6d971122bd923eec0d56a7fd62e5005fdd9e271b281c484cd0f7ca8753fdf"}


def canonical(value):
    """Plain JSON data, frozensets sorted and dicts in insertion order (stricter than ==)."""
    if dataclasses.is_dataclass(value):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset):
        return sorted(canonical(v) for v in value)
    if isinstance(value, dict):
        return [[canonical(k), canonical(v)] for k, v in value.items()]
    if isinstance(value, (tuple, list)):
        return [canonical(v) for v in value]
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    assert value is None or type(value) in (int, str), type(value)
    return value


def digest(policy) -> str:
    return hashlib.sha256(json.dumps(canonical(policy), ensure_ascii=False).encode()).hexdigest()


def variant(name: str, *changes: tuple[str, str]) -> str:
    text = bundled_text(name)
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def cut(name: str, start: str, end: str | None) -> str:
    text = bundled_text(name)
    return text[:text.index(start)] + (text[text.index(end):] if end else "")


# The shipped files, the variants other tests load, and the spellings the old reader accepted.
VARIANTS = {
    "seed-v1": variant("seed-v1"),
    "platform-2026-07": variant("platform-2026-07"),
    "seed without rules": cut("seed-v1", "rules:", "windows:"),
    "JT replaces its suffixes": variant("platform-2026-07", ("ZTO: {extra_suffixes: [中心】]}",
                                                             "ZTO: {extra_suffixes: [中心】]}\n    JT: {suffixes: [集散中心]}")),
    "no per-carrier suffixes": variant("platform-2026-07", ("ZTO: {extra_suffixes: [中心】]}", "{}")),
    "per_carrier null": variant("seed-v1", ("per_carrier: {}", "per_carrier:")),
    "seed doubled": variant("seed-v1", ("version: seed-v1", "version: seed-v1-doubled"),
                            ("amount_fen: 1000", "amount_fen: 2000"), ("daily_cap_fen: 50000", "daily_cap_fen: 100000")),
    "numbers": variant("platform-2026-07", ("version: platform-2026-07", "version: 2026.07"),
                       ("duplicate_waybill: 30d", "duplicate_waybill: 2592000000"),
                       ("not_received: 15d", "not_received: 14d24h"), ("retention: 30d", "retention: '2592000000'"),
                       ("percent_of_paid: 1,", "percent_of_paid: 0.5,"), ("percent_of_paid: 3,", "percent_of_paid: '3/2',"),
                       ("rate_over_percent: 10", "rate_over_percent: 12.5")),
    "no retention, no escalations": cut("platform-2026-07", "escalations:\n", None).replace("retention: 30d", "")
                                    + "escalations: {}\n",
    "anchors": variant("seed-v1", ("  suffixes: [", "  suffixes: &default ["),
                       ("per_carrier: {}", "per_carrier: {JT: {suffixes: *default, extra_suffixes: [中心】]}}")),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_the_model_builds_the_policy_the_hand_written_reader_built(name):
    new, old = policy_from_text(VARIANTS[name]), old_policy_reader.policy_from_text(VARIANTS[name])
    assert new == old
    assert canonical(new) == canonical(old)


@pytest.mark.parametrize("name", DIGESTS)
def test_the_shipped_policies_are_unchanged(name):
    policy = policy_from_text(bundled_text(name))
    assert digest(policy) == DIGESTS[name]
    assert digest(old_policy_reader.policy_from_text(bundled_text(name))) == DIGESTS[name]
