"""The offline engine's outputs, pinned byte for byte (issue 13): a speed-up of the engine
must change nothing it writes. Each case generates a seeded log, runs it as `shipguard run`
does, and compares the sha256 of the violations, dead letters, escalations and counts, as
written, with the digests the engine made before its speed work."""
from __future__ import annotations

import hashlib

import orjson
import pytest

from stream.eventlog import parse_line
from stream.offline import run_offline
from stream.policies import load_policy
from stream.tools.synth import generate

ORDERS, SEED, LATENESS = 2_000, 11, 300_000

# (platform cases in the log, policy) -> digests of what the run wrote, from unmodified main
# (commit 6272010); the empty digest: seed-v1 has no escalations.
EXPECTED = {
    (False, "seed-v1"): {
        "violations": "8d18124074e4c5ae380a546d9d1b5eeb64cc0cbe93e3a511b349904cbfc8d81d",
        "dead_letters": "89ac8fb4db768f7b9a6b1c10e800f21e8abe2d964d22ac661664b87fca249b43",
        "escalations": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "counts": "6c82cff2f77c0cb2f9e87f4b0557983fa45ae6a0d4e887d9b779782cb6031402"},
    (True, "seed-v1"): {
        "violations": "769b26ac090538ba4008a8dd62a221dabaa141c40d60e09e570171731cc90a94",
        "dead_letters": "f00659b8fe9ff69e51bde182c01bb5e0fe60203dcca8536f28ddcf800f5e4075",
        "escalations": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "counts": "274fe1638ebd054dc2412da291b72a4d0983f480df324ee40e2c5791bd947600"},
    (True, "platform-2026-07"): {
        "violations": "160e397f95a17470662dd4594379ec3b6ecf7ab6c7009b850ca85b1a4b5dc832",
        "dead_letters": "f00659b8fe9ff69e51bde182c01bb5e0fe60203dcca8536f28ddcf800f5e4075",
        "escalations": "fe1f0ac33ee3c81dbbb151149a17a8b841685d5ab360348c0d8f9ef5d476f5fc",
        "counts": "24397da8b5894e61e8d419b87a4aa2c2f034dcdf47c8ee5f820a5f22c20981eb"},
}


def lines_digest(objects) -> str:
    """As `shipguard run` writes a file: one orjson object a line."""
    return hashlib.sha256(b"".join(orjson.dumps(o) + b"\n" for o in objects)).hexdigest()


@pytest.fixture(scope="module")
def logs():
    out = {}
    for platform in (False, True):
        lines, as_of = generate(ORDERS, SEED, 3, platform_cases=platform)
        out[platform] = [parse_line(n, orjson.dumps(line)) for n, line in enumerate(lines, 1)], as_of
    return out


@pytest.mark.parametrize("platform, policy", list(EXPECTED))
def test_offline_outputs_are_byte_identical_to_the_pinned_run(logs, platform, policy):
    records, as_of = logs[platform]
    result = run_offline(records, load_policy(policy), LATENESS, as_of)
    got = {
        "violations": lines_digest(result.violations),
        "dead_letters": lines_digest(result.dead_letters),
        "escalations": lines_digest(result.escalations),
        "counts": lines_digest(sorted(result.counts.items())),
    }
    assert result.violations and result.dead_letters      # the log exercises both
    assert got == EXPECTED[(platform, policy)]
