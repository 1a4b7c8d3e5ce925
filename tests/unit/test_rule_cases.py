"""Data-driven rule cases: tests/unit/cases/<rule>.yaml (one per rule) and penalties.yaml.
A file's `policy:` names the policy its cases run under (seed-v1 when absent).

Events (times relative to 2026-11-01T00:00:00+08:00: `48h1ms`, `-1h`) go to the engine in
listed order; the rule's decisions must equal `fires` (penalties: `expect`, `counts`). Unless
`arrival_shuffle: false`, seeded shuffles within the allowed lateness must decide the same (§3).
"""
from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from detectors.engine import Engine
from detectors.events import Address, CarrierScan, OrderPaid, TrackingUploaded
from stream.policies import load_policy

CASES = Path(__file__).parent / "cases"
RULES = ("duplicate_waybill", "pickup_before_payment", "route_address_mismatch", "recalled_after_deadline",
         "no_transfer_center_24h", "not_received", "ship_timeout", "pickup_timeout",
         "collect_timeout_24h", "dispatch_timeout_24h", "transit_timeout", "ship_late_48h", "ship_late_96h")
T0 = int(datetime(2026, 11, 1, tzinfo=timezone(timedelta(hours=8))).timestamp() * 1000)
LATENESS = 300_000
SHUFFLES = 3
POLICY = load_policy("seed-v1")
policy_named = lru_cache(maxsize=None)(load_policy)
UNITS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
PART = re.compile(r"(\d+)(ms|d|h|m|s)")
SCAN_TEXT = {"collected": "【杭州市】快件已揽收", "in_transit": "快件已到达【杭州转运中心】", "delivering": "【杭州市】快件派送中",
             "signed": "【杭州市】快件已签收", "returned": "快件已退回", "exception": "快件异常", "unknown": "快件状态更新"}


def ms(text) -> int:
    """`48h1ms` -> 172800001; a leading `-` for times before the base."""
    text = str(text).strip()
    body = text.lstrip("-")
    parts = PART.findall(body)
    if not parts or "".join(n + u for n, u in parts) != body:
        raise ValueError(f"bad relative time {text!r}")
    return (-1 if text.startswith("-") else 1) * sum(int(n) * UNITS[u] for n, u in parts)


def fmt(rel: int) -> str:
    """The canonical spelling of a relative time, for readable diffs."""
    sign, rel, out = "-" if rel < 0 else "", abs(rel), ""
    for unit, size in UNITS.items():
        if rel >= size:
            out += f"{rel // size}{unit}"
            rel %= size
    return sign + (out or "0h")


def paid(eid: str, f: dict) -> OrderPaid:
    address = Address(f.get("province", "浙江省"), f.get("city", "杭州市"), f.get("district", "西湖区"),
                      f.get("detail", "d1"))
    return OrderPaid(eid, f["order"], f.get("shop", "s1"), f.get("product", "p1"), T0 + ms(f["at"]),
                     int(f.get("amount", 10000)), f.get("recipient", "r1"), address,
                     int(f.get("hours", POLICY.default_ship_hours)))


def build(case: dict) -> list:
    events = []
    for index, item in enumerate(case["events"], start=1):
        ((kind, f),) = item.items()
        eid = str(f.get("id", f"{kind}{index}"))
        if kind == "paid":
            events.append(paid(eid, f))
        elif kind == "paid_many":  # count orders <prefix>01.., paid at `at` (+ k * `every`)
            count, width = int(f["count"]), len(str(f["count"]))
            for k in range(1, count + 1):
                at = fmt(ms(f["at"]) + (k - 1) * ms(f.get("every", "0h")))
                events.append(paid(f"{eid}_{k}", {**f, "order": f"{f.get('prefix', 'o')}{k:0{width}d}", "at": at}))
        elif kind in ("upload", "cancel"):
            carrier, waybill = f["parcel"].split(":", 1)
            events.append(TrackingUploaded(eid, f["order"], f.get("shop", "s1"), carrier, waybill,
                                           T0 + ms(f["at"]), kind))
        elif kind == "scan":
            carrier, waybill = f["parcel"].split(":", 1)
            events.append(CarrierScan(eid, carrier, waybill, T0 + ms(f["at"]), f["status"],
                                      f.get("text", SCAN_TEXT[f["status"]]), f.get("city")))
        else:
            raise ValueError(f"unknown event kind {kind!r}")
    return events


def parcel_of(v: dict):
    return f"{v['carrier']}:{v['waybill_no']}" if v["carrier"] else None


def run(case: dict, events: list):
    engine = Engine(policy_named(case.get("policy", "seed-v1")), lateness_ms=LATENESS,
                    as_of=T0 + ms(case.get("as_of", "60d")))
    for event in events:
        engine.offer(event)
    return engine.finish(), engine.counts


def shuffled(events: list, seed: str) -> list:
    """A random arrival order in which no event trails a later one by more than the lateness."""
    rng = random.Random(seed)
    return sorted(events, key=lambda e: e.time + rng.uniform(0, LATENESS))


def params():
    for path in sorted(CASES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text("utf-8"))
        for case in doc["cases"]:
            marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if "xfail" in case else []
            case = {"policy": doc.get("policy", "seed-v1"), **case}
            yield pytest.param(doc["rule"], case, id=f"{path.stem}: {case['name']}", marks=marks)


def check_fires(rule: str, case: dict, violations: list) -> None:
    want = case["fires"]
    with_evidence = any("evidence" in f for f in want)
    assert not with_evidence or all("evidence" in f for f in want), "give evidence for every fire or none"

    def row(order, parcel, at, evidence):
        return (order, parcel or "", fmt(at)) + ((sorted(evidence),) if with_evidence else ())

    got = sorted(row(v["order_id"], parcel_of(v), v["decided_at"] - T0, v["evidence"])
                 for v in violations if v["rule"] == rule)
    assert got == sorted(row(f["order"], f.get("parcel"), ms(f["at"]), f.get("evidence")) for f in want)


def check_penalties(case: dict, violations: list) -> None:
    got = {(v["rule"], v["order_id"], parcel_of(v)): (v["penalty"]["amount_fen"], v["penalty"]["capped"])
           for v in violations}
    want = {(e["rule"], e["order"], e.get("parcel")): (e["amount_fen"], e["capped"]) for e in case.get("expect", [])}
    assert {key: got.get(key) for key in want} == want
    for rule, n in case.get("counts", {}).items():
        assert sum(v["rule"] == rule for v in violations) == n, f"number of {rule} violations"


@pytest.mark.parametrize("rule, case", list(params()))
def test_case(rule: str, case: dict) -> None:
    events = build(case)
    assert len({e.event_id for e in events}) == len(events) or case.get("redelivery"), \
        "event ids repeat: mark the case `redelivery: true` if that is the point"
    violations, counts = run(case, events)
    if rule == "penalties":
        check_penalties(case, violations)
    else:
        check_fires(rule, case, violations)
    if case.get("arrival_shuffle", True):
        assert counts["late"] == 0, "a case with late arrivals must say arrival_shuffle: false"
        for k in range(SHUFFLES):
            again, _ = run(case, shuffled(events, f"{case['name']}#{k}"))
            assert again == violations, f"arrival order changed the decisions (shuffle {k})"


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_has_enough_cases(rule: str) -> None:
    doc = yaml.safe_load((CASES / f"{rule}.yaml").read_text("utf-8"))
    cases = doc["cases"]
    assert doc["rule"] == rule
    assert sum(bool(c["fires"]) for c in cases) >= 3, "at least 3 firing cases"
    assert sum(not c["fires"] for c in cases) >= 3, "at least 3 non-firing cases"
