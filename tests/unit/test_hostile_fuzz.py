"""The fuzzer of tests/hostile.py makes only dead letters, of every kind it promises."""
from __future__ import annotations

from collections import Counter

from hypothesis import given, settings, strategies as st

from detectors.parse import DeadLetter, parse_message
from stream.tools.synth import generate
from tests.hostile import hostile_messages

VALID, _ = generate(40, 3, 3)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2 ** 32))
def test_every_fuzzed_message_is_a_dead_letter(seed):
    for topic, _, raw in hostile_messages(VALID, 200, seed):
        assert isinstance(parse_message(topic, raw), DeadLetter), raw[:200]


def test_the_fuzzer_covers_every_kind_of_hostility():
    reasons = Counter(parse_message(t, raw).reason for t, _, raw in hostile_messages(VALID, 3000, 1))
    assert {"not_json", "not_utf8", "not_object", "oversize", "missing_field", "wrong_type",
            "empty_field", "bad_time"} <= set(reasons), reasons
