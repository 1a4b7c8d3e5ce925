"""A valid policy file gives exactly the Policy it gave before the model (policy_model.py):
decisions are compared byte for byte, so nothing in a Policy may change. The digests were
taken from the hand-written reader it replaced, which agreed with the model on every
variant below (test_policy_model.py and old_policy_reader.py at 227873b)."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from fractions import Fraction

import pytest

from detectors.policy import policy_from_text
from stream.policies import bundled_text

from detectors.policy_sections import ShipLateStep


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


ZTO = "ZTO: {extra_suffixes: [中心】]}"
# The shipped files, the variants other tests load, and the spellings the old reader accepted.
VARIANTS = {
    "seed-v1": variant("seed-v1"),
    "platform-2026-07": variant("platform-2026-07"),
    "seed without rules": cut("seed-v1", "rules:", "windows:"),
    "JT replaces its suffixes": variant("platform-2026-07", (ZTO, f"{ZTO}\n    JT: {{suffixes: [集散中心]}}")),
    "no per-carrier suffixes": variant("platform-2026-07", (ZTO, "{}")),
    "per_carrier null": variant("seed-v1", ("per_carrier: {}", "per_carrier:")),
    "seed doubled": variant("seed-v1", ("version: seed-v1", "version: seed-v1-doubled"),
                            ("amount_fen: 1000", "amount_fen: 2000"),
                            ("daily_cap_fen: 50000", "daily_cap_fen: 100000")),
    "numbers": variant("platform-2026-07", ("version: platform-2026-07", "version: 2026.07"),
                       ("duplicate_waybill: 30d", "duplicate_waybill: 2592000000"),
                       ("not_received: 15d", "not_received: 14d24h"), ("retention: 30d", "retention: '2592000000'"),
                       ("percent_of_paid: 1,", "percent_of_paid: 0.5,"),
                       ("percent_of_paid: 3,", "percent_of_paid: '3/2',"),
                       ("rate_over_percent: 10", "rate_over_percent: 12.5")),
    "no retention, no escalations": cut("platform-2026-07", "escalations:\n", None).replace("retention: 30d", "")
                                    + "escalations: {}\n",
    "anchors": variant("seed-v1", ("  suffixes: [", "  suffixes: &default ["),
                       ("per_carrier: {}", "per_carrier: {JT: {suffixes: *default, extra_suffixes: [中心】]}}")),
}


# sha256 of canonical(policy), as the hand-written reader built them (b73995c); the same under any PYTHONHASHSEED.
DIGESTS = {
    "seed-v1": "90963f20a725a836f2b8000e58d8347119a4d98c84b0e71962b8d8492896d29d",
    "platform-2026-07": "7bf6d971122bd923eec0d56a7fd62e5005fdd9e271b281c484cd0f7ca8753fdf",
    "seed without rules": "90963f20a725a836f2b8000e58d8347119a4d98c84b0e71962b8d8492896d29d",
    "JT replaces its suffixes": "8bf059fca2159a8d7bb0ab83bbe52d11b32964710f44681b60784051b480f02a",
    "no per-carrier suffixes": "7f409f9a599386e968e12044971ed53f971014c69820f5e70739153f108364a1",
    "per_carrier null": "90963f20a725a836f2b8000e58d8347119a4d98c84b0e71962b8d8492896d29d",
    "seed doubled": "5c49bc85dbd477f3f26613a66c6acd6377d3dbaceefaa98c318fb359366bf21c",
    "numbers": "5c246e8f5b18a58bcef34b0b93e8291aff8aa14f87520351d787c763f1d2b6c3",
    "no retention, no escalations": "a3bba1368feaa5f0d3d08ba8efda359809ef975222f5ac84043317b6b38aa1a7",
    "anchors": "2274a25c52674ef2d43635595157968add24f3fd005faf70323d9ad61bdccdad",
}


@pytest.mark.parametrize("name", VARIANTS)
def test_the_model_builds_the_policy_the_hand_written_reader_built(name):
    assert digest(policy_from_text(VARIANTS[name])) == DIGESTS[name]


def test_the_spellings_the_old_reader_accepted_still_read_the_same():
    policy = policy_from_text(VARIANTS["numbers"])
    assert policy.version == "2026.07" and policy.duplicate_window_ms == policy.retention_ms == 30 * 86_400_000
    assert policy.not_received_ms == 15 * 86_400_000
    assert [s.percent for s in policy.ship_late.steps] == [Fraction(1, 2), Fraction(3, 2), 5]
    assert policy.escalations[1].rate_over == Fraction(25, 2)


def test_the_shipped_platform_policy_field_by_field():
    policy = policy_from_text(VARIANTS["platform-2026-07"])
    assert policy.version == "platform-2026-07"
    assert (policy.collect_ms, policy.compensation_full_below_fen) == (86_400_000, 1000)
    assert policy.ship_late.steps[1] == ShipLateStep("ship_late_48h", 48 * 3_600_000, Fraction(3), 300)
    assert (policy.ship_late.kind, policy.ship_late.max_fen, policy.ship_late.round_fen) == ("compensation", 5000, 100)
    assert policy.transit.places["昆山"] == "江苏" and policy.transit.remote_ms == 120 * 3_600_000
    assert [(k.name, k.base, k.min_orders, k.min_base) for k in policy.escalations] == [
        ("shop_fraud", None, 3, 0), ("shop_abnormal_track", "paid", 20, 0), ("product_overdue", "due", 0, 100)]
    assert policy.hub_suffixes_for("ZTO")[-1] == "中心】" and policy.hub_suffixes_for("SF") == policy.hub_suffixes
