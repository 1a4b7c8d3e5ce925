"""A bad policy file is one line that names the key's path and its line in the file (issue 12),
never Python's internals (KeyError('windows'), a YAML Mark object)."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from detectors.policy import PolicyError, policy_from_text
from stream.policies import load_policy

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
version: t-1
windows:
  duplicate_waybill: 30d
  no_transfer_center: 24h
  not_received: 15d
  pickup_grace: 24h
shipping_promise:
  default_hours: 48
  min_hours: 48
  max_hours: 360
penalties:
  compensation:
    percent_of_paid: 30
    min_fen: 1000
    max_fen: 10000
  timeout:
    amount_fen: 1000
    daily_cap_fen: 50000
    timezone: Asia/Shanghai
hubs:
  suffixes: [转运中心, 中转中心]
  destination_words: [发往]
"""
WINDOWS = GOOD[GOOD.index("windows:"):GOOD.index("shipping_promise:")]
PROMISE = GOOD[GOOD.index("shipping_promise:"):GOOD.index("penalties:")]


def refused(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        policy_from_text(text)
    message = str(caught.value)
    assert "\n" not in message and "Mark" not in message and "Error(" not in message, message
    return message


def changed(old: str, new: str) -> str:
    assert GOOD.count(old) == 1, old
    return GOOD.replace(old, new)


def test_the_good_file_loads():
    assert policy_from_text(GOOD).compensation_min_fen == 1000


def test_a_missing_section_is_named_at_its_parent_the_file():
    assert refused(changed(PROMISE, "")) == "policy file: shipping_promise: missing (line 1)"


def test_a_missing_key_is_named_at_the_line_of_its_mapping():
    assert refused(changed("    min_fen: 1000\n", "")) == \
        "policy file: penalties.compensation.min_fen: missing (line 12)"


def test_a_wrong_type():
    assert refused(changed("min_fen: 1000", "min_fen: x")) == \
        "policy file: penalties.compensation.min_fen: must be an integer, got 'x' (line 14)"
    assert refused(changed("[转运中心, 中转中心]", "[转运中心, 5]")) == \
        "policy file: hubs.suffixes[1]: must be a string, got 5 (line 21)"


def test_a_bad_duration_string():
    assert refused(changed("not_received: 15d", "not_received: 15 days")) == (
        "policy file: windows.not_received: invalid duration '15 days': use integer ms or number+unit parts "
        "(ms, s, m, h, d), e.g. '1h30m' (line 5)")
    assert refused(changed("pickup_grace: 24h", "pickup_grace: 0h")) == \
        "policy file: windows.pickup_grace: a window must be positive, got '0h' (line 6)"


def test_an_unknown_key_is_refused_with_a_guess_not_silently_defaulted():
    assert refused(changed("  duplicate_waybill:", "  dupliate_waybill:")) == (
        "policy file: windows.duplicate_waybill: missing (line 2); "
        "windows.dupliate_waybill: unknown key (did you mean duplicate_waybill?) (line 3)")
    assert refused(GOOD + "retension: 40d\n") == \
        "policy file: retension: unknown key (did you mean retention?) (line 23)"


def test_an_unknown_key_is_told_with_what_the_rest_of_the_file_lacks():
    text = changed("  pickup_grace: 24h\n", "  pickup_grace: 24h\nretentoin: 40d\n").replace("15d", "40d")
    assert refused(text) == ("policy file: retention: must be at least as long as every window (line 1); "
                             "retentoin: unknown key (did you mean retention?) (line 7)")


def test_a_list_where_a_mapping_is_expected():
    assert refused(changed(WINDOWS, "windows: [30d, 24h, 15d, 24h]\n")) == \
        "policy file: windows: must be a mapping, got a list (line 2)"


def test_a_yaml_syntax_error_has_line_and_column():
    assert refused(changed("min_fen: 1000", "min_fen: [1000")) == (
        "policy file: not valid YAML: while parsing a flow sequence (line 14, column 14); "
        "expected ',' or ']', but got ':' (line 15, column 12)")
    tab = refused(changed("  timezone", "\ttimezone"))
    assert tab.startswith("policy file: not valid YAML: ") and tab.endswith("token (line 19, column 3)")


def test_not_a_mapping_at_the_top():
    assert refused("- version: t-1\n- windows: {}\n") == \
        "policy file: the file must be a mapping of sections (version, windows, ...), got a list (line 1)"


@pytest.mark.parametrize("text", ["", "# nothing yet\n\n"])
def test_an_empty_file(text):
    assert refused(text) == "policy file: the file must be a mapping of sections (version, windows, ...), " \
                            "got an empty file (line 1)"


def test_a_key_given_twice():
    assert refused(changed("    min_fen: 1000\n", "    min_fen: 1000\n    min_fen: 2000\n")) == \
        "policy file: penalties.compensation.min_fen: key given twice, first at line 14 (line 15)"


def test_what_the_model_cannot_see_alone_is_named_too():
    assert refused(changed("Asia/Shanghai", "Mars/Olympus")) == \
        "policy file: penalties.timeout.timezone: unknown time zone 'Mars/Olympus' (line 19)"
    assert refused(changed("default_hours: 48", "default_hours: 24")) == \
        "policy file: shipping_promise.default_hours: default shipping promise outside min_hours..max_hours (line 8)"


def test_many_problems_stay_one_line():
    text = GOOD.replace("fen: ", "fen: x")
    assert refused(text) == ("policy file: penalties.compensation.min_fen: must be an integer, got 'x1000' (line 14); "
                             "penalties.compensation.max_fen: must be an integer, got 'x10000' (line 15); "
                             "penalties.timeout.amount_fen: must be an integer, got 'x1000' (line 17); and 1 more")


def test_a_file_on_disk_is_named(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(changed("min_fen: 1000", "min_fen: x"), "utf-8")
    with pytest.raises(PolicyError, match=rf"^policy file {bad}: penalties.compensation.min_fen: .* \(line 14\)$"):
        load_policy(str(bad))
    bad.write_bytes(GOOD.encode("gb18030"))
    with pytest.raises(PolicyError, match=rf"^policy file {bad}: not UTF-8 \(byte \d+\)$"):
        load_policy(str(bad))


@pytest.mark.parametrize("command", [
    ["run", "--input", "log.jsonl", "--output", "v.jsonl"],
    ["worker"],
])
def test_the_cli_says_it_in_one_line_and_exits_2(command, tmp_path):
    (tmp_path / "log.jsonl").write_text("")
    (tmp_path / "bad.yaml").write_text(changed("min_fen: 1000", "min_fen: x"), "utf-8")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SHIPGUARD_BROKER": "kafka://127.0.0.1:1",
           "SHIPGUARD_METRICS_PORT": "0"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "stream.cli", *command, "--policy", "bad.yaml"], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert time.monotonic() - started < 30             # before any wait for the broker
    assert done.returncode == 2 and done.stderr.splitlines() == [
        "shipguard: policy file bad.yaml: penalties.compensation.min_fen: must be an integer, got 'x' (line 14)"], \
        done.stderr
