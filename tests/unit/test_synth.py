"""The synthetic event-log generator (stream.tools.synth): deterministic, bounded disorder, CONTRACT §1/§6 shapes."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

import pytest

from stream.tools.synth import generate, iter_generate, rfc3339, synthesize

TIME_FIELD = {"order-paid": "paid_at", "tracking-uploaded": "uploaded_at", "carrier-scan": "scanned_at"}
RULES = {"duplicate_waybill", "pickup_before_payment", "route_address_mismatch", "recalled_after_deadline",
         "no_transfer_center_24h", "not_received", "ship_timeout", "pickup_timeout"}


def event_time(line: dict) -> int | None:
    """Epoch ms of a line's event time, or None when the line has none we can read."""
    value = line.get("value")
    if not isinstance(value, dict):
        return None
    t = value.get(TIME_FIELD[line["topic"]])
    if isinstance(t, int) and not isinstance(t, bool):
        return t
    if isinstance(t, str):
        try:
            parsed = datetime.fromisoformat(t)
        except ValueError:
            return None
        if parsed.tzinfo is not None:
            return int(parsed.timestamp() * 1000)
    return None


@pytest.fixture(scope="module")
def log():
    return generate(600, 11, 3)


def test_same_seed_same_output(log):
    assert generate(600, 11, 3) == log


def test_different_seed_different_output(log):
    assert generate(600, 12, 3)[0] != log[0]


def test_iter_form_gives_the_same_lines(log):
    lines, as_of = iter_generate(600, 11, 3)
    assert as_of == log[1]
    assert list(lines) == log[0]


@pytest.mark.parametrize("disorder", [0, 0.5, 3, 10])
def test_disorder_is_bounded(disorder):
    lines, _ = generate(300, 3, disorder)
    bound = disorder * 60_000
    seen_max, worst = None, 0
    for line in lines:
        t = event_time(line)
        if t is None:
            continue
        seen_max = t if seen_max is None else max(seen_max, t)
        worst = max(worst, seen_max - t)
    assert worst <= bound
    if disorder >= 3:
        assert worst > 0  # there is some disorder to speak of


def test_every_topic_appears_and_keys_match_contract(log):
    lines, _ = log
    assert Counter(line["topic"] for line in lines).keys() == set(TIME_FIELD)
    for line in lines:
        value = line.get("value")
        if not isinstance(value, dict):
            continue
        if line["topic"] == "carrier-scan":
            if isinstance(value.get("carrier"), str) and isinstance(value.get("waybill_no"), str):
                assert line["key"] == f"{value['carrier']}:{value['waybill_no']}"
        elif "order_id" in value:
            assert line["key"] == value["order_id"]


def test_both_time_forms_appear(log):
    forms = Counter(type(line["value"][TIME_FIELD[line["topic"]]]).__name__
                    for line in log[0] if isinstance(line.get("value"), dict))
    assert forms["int"] > 0.3 * sum(forms.values())
    assert forms["str"] > 0.3 * sum(forms.values())
    assert rfc3339(1793462400000) == "2026-11-01T00:00:00+08:00"
    assert datetime.fromisoformat(rfc3339(1793462400000 + 1234)).timestamp() == 1793462401.234


def test_unusable_messages_and_redeliveries_exist(log):
    lines, _ = log
    assert any("value_raw" in line for line in lines)
    values = [line["value"] for line in lines if isinstance(line.get("value"), dict)]
    assert any(isinstance(v.get("paid_amount_fen"), str) for v in values)
    assert any(line["topic"] == "tracking-uploaded" and "order_id" not in line["value"]
               for line in lines if isinstance(line.get("value"), dict))
    by_id: dict[str, list[dict]] = {}
    for v in values:
        by_id.setdefault(v["event_id"], []).append(v)
    repeated = [vs for vs in by_id.values() if len(vs) > 1]
    assert repeated and all(all(v == vs[0] for v in vs) for vs in repeated)
    assert sum(len(vs) - 1 for vs in repeated) < 0.01 * len(lines)


def test_as_of_is_last_event_minus_lateness(log):
    lines, as_of = log
    assert as_of == max(t for t in map(event_time, lines) if t is not None) - 5 * 60_000


def test_every_rule_is_planted():
    log = synthesize(1000, 2, 3)
    assert set(log.expected) == RULES
    assert {"split", "merged", "edge_at_deadline", "lookalike_cancel_reupload"} <= set(log.planted)
    assert sum(log.planted.values()) < 0.2 * 1000
    assert set(log.cases.values()) <= set(log.planted)


def test_orders_and_waybills_look_real(log):
    styles = {"ZTO": r"7\d{11,13}", "SF": r"SF\d{13}", "JT": r"JT\d{13}", "YTO": r"YT\d{13}",
              "YUNDA": r"\d{13}", "STO": r"77\d{11}", "JD": r"JDV[A-Z]\d{11}", "EMS": r"\d{13}"}
    paid = [line["value"] for line in log[0] if line["topic"] == "order-paid" and isinstance(line.get("value"), dict)
            and isinstance(line["value"].get("paid_amount_fen"), int) and "city" in line["value"]["address"]]
    assert all(100 <= v["paid_amount_fen"] <= 100000 for v in paid)
    assert all(48 <= v.get("ship_within_hours", 48) <= 360 for v in paid)
    cities = {v["address"]["city"] for v in paid}
    assert any(c.endswith("市") and c[:-1] in cities for c in cities)  # `杭州` and `杭州市` both occur
    for line in log[0]:
        v = line.get("value")
        if line["topic"] == "carrier-scan" and isinstance(v, dict) and v.get("carrier") in styles:
            if v["event_id"].startswith("ev"):
                assert re.fullmatch(styles[v["carrier"]], v["waybill_no"]), v


def test_tiny_logs_work():
    lines, as_of = generate(1, 0, 0)
    assert any(line["topic"] == "order-paid" and "value" in line for line in lines)
    assert isinstance(as_of, int)
