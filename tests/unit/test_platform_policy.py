"""Policy platform-2026-07 next to seed-v1: rules behind configuration, offline runs of one
generated log under both, their `replay --compare`-style difference grouped by rule, and the
planted cases of `generate --platform-cases`."""
from __future__ import annotations

import orjson
import pytest
from typer.testing import CliRunner

from detectors.decisions import RULE_ORDER, SEED_RULES
from detectors.engine import Engine
from detectors.policy import PolicyError, policy_from_text
from detectors.rules import REGISTRY
from stream.service import codec
from stream.audit import compare
from stream.cli import build_app
from stream.eventlog import parse_line
from stream.metrics import Metrics
from stream.offline import decode, run_offline
from stream.policies import bundled_text, load_policy
from stream.replay import build_report
from stream.tools.synth import generate, synthesize

SEED, PLATFORM = load_policy("seed-v1"), load_policy("platform-2026-07")
NEW_RULES = ("collect_timeout_24h", "dispatch_timeout_24h", "transit_timeout", "ship_late_48h", "ship_late_96h")
LATENESS = 300_000


@pytest.fixture(scope="module")
def log():
    lines, as_of = generate(1500, 4, 3, platform_cases=True)
    return [parse_line(n, orjson.dumps(line)) for n, line in enumerate(lines, 1)], as_of


@pytest.fixture(scope="module")
def runs(log):
    records, as_of = log
    return {p.version: run_offline(records, p, LATENESS, as_of) for p in (SEED, PLATFORM)}


def test_seed_keeps_exactly_its_eight_rules_in_contract_order():
    assert SEED.rules == SEED_RULES == RULE_ORDER[:8]
    assert tuple(r.name for r in REGISTRY) == RULE_ORDER
    assert set(PLATFORM.rules) == set(SEED_RULES) - {"no_transfer_center_24h", "pickup_timeout"} | set(NEW_RULES)


def test_a_policy_without_rules_decides_the_seed_rules():
    text = bundled_text("seed-v1")
    start = text.index("rules:")
    stripped = text[:start] + text[text.index("windows:"):]
    assert policy_from_text(stripped).rules == SEED_RULES


@pytest.mark.parametrize("change, message", [
    (("rules: [", "rules: [no_such_rule, "), "unknown rules"),
    (("transit:\n", "transit_unused:\n"), "transit_timeout needs"),
    (("        ship_late_48h, ship_late_96h]", "        ship_late_48h]"), "ship_late"),
    (("    rules: [ship_timeout]", "    rules: [pickup_timeout]"), "escalation product_overdue"),
])
def test_inconsistent_policies_are_refused(change, message):
    text = bundled_text("platform-2026-07")
    assert change[0] in text
    with pytest.raises(PolicyError, match=message):
        policy_from_text(text.replace(change[0], change[1], 1))


def test_each_policy_decides_only_its_rules(runs):
    for version, policy in (("seed-v1", SEED), ("platform-2026-07", PLATFORM)):
        decided = {v["rule"] for v in runs[version].violations}
        assert decided <= set(policy.rules)
    assert set(NEW_RULES) <= {v["rule"] for v in runs["platform-2026-07"].violations}
    assert runs["seed-v1"].escalations == []


def test_planted_cases_decide_what_they_mean(runs):
    log = synthesize(1500, 4, 3, platform_cases=True)
    platform = runs["platform-2026-07"]
    transit = [v for v in platform.violations if v["rule"] == "transit_timeout"]
    assert len(transit) == log.expected["transit_timeout"] > 0
    assert {log.cases[v["order_id"]] for v in transit} <= {"transit_stall_region", "transit_stall_across",
                                                             "transit_stall_remote"}
    by_kind = {(e["kind"], e["shop_id"], e["product_id"]): e for e in platform.escalations}
    shops = len(log._b.shop_place)                 # the storms use the last three shops
    storm, calm = f"S{shops - 1:05d}", f"S{shops - 2:05d}"
    assert by_kind[("shop_abnormal_track", storm, None)]["orders"] == 22
    assert by_kind[("shop_abnormal_track", storm, None)]["base"] == 150
    assert ("shop_abnormal_track", calm, None) not in by_kind
    overdue = [(e["shop_id"], e["product_id"], e["orders"], e["base"])
               for e in platform.escalations if e["kind"] == "product_overdue"]
    assert overdue == [(f"S{shops - 3:05d}", f"P{shops - 3:05d}99", 64, 120)]


def test_compare_between_the_policies_groups_differences_by_rule(runs):
    old, new = (build_report(runs[p.version], p, LATENESS, {}, {}) for p in (SEED, PLATFORM))
    diff = compare(old, new)
    assert (diff["old_policy"], diff["new_policy"]) == ("seed-v1", "platform-2026-07")
    groups = diff["by_rule"]
    for rule in ("no_transfer_center_24h", "pickup_timeout"):     # not in the new policy
        assert groups[rule]["removed"] and not groups[rule]["added"] and not groups[rule]["changed"]
        assert len(groups[rule]["removed"]) == sum(v["rule"] == rule for v in old["violations"])
    for rule in NEW_RULES:                                          # only in the new policy
        assert groups[rule]["added"] and not groups[rule]["removed"] and not groups[rule]["changed"]
        assert len(groups[rule]["added"]) == sum(v["rule"] == rule for v in new["violations"])
    # the same decisions, new penalties: 发货超时 per order, fraud capped at 500 yuan
    assert groups["ship_timeout"]["changed"] and not groups["ship_timeout"]["added"]
    for rule in set(SEED_RULES) & set(PLATFORM.rules):
        if rule in groups:
            assert not groups[rule]["added"] and not groups[rule]["removed"]
            assert all(set(e["fields"]) == {"penalty"} for e in groups[rule]["changed"])
    identity = {(v["rule"], v["order_id"], v["carrier"], v["waybill_no"]) for v in new["violations"]}
    for rule, group in groups.items():
        for entry in group["added"]:
            assert (rule, entry["order_id"], entry["carrier"], entry["waybill_no"]) in identity


def test_platform_states_survive_the_codec(log):
    records, as_of = log
    engine = Engine(PLATFORM, LATENESS, as_of)
    for record in records:
        item = decode(record)
        if not hasattr(item, "reason"):
            engine.offer(item)
    engine.finish()
    decoders = {"order": codec.decode_order_state, "parcel": codec.decode_parcel_state,
                "pickup": codec.decode_pickup_state}
    tracked = 0
    for side, table in engine.states.items():
        for state in table.values():
            assert decoders[side](codec.encode_state(state)) == state
            tracked += getattr(state, "transit", None) is not None
    assert tracked > 0


def test_metrics_keep_the_new_rule_labels():
    m = Metrics()
    for rule in NEW_RULES:
        m.violation({"rule": rule, "penalty": {"kind": "deposit_deduction", "amount_fen": 1000, "capped": False}})
    for rule in NEW_RULES:                                 # no carrier given: none
        assert m.registry.get_sample_value("shipguard_violations_total", {"rule": rule, "carrier": "none"}) == 1


def test_run_writes_escalations_in_a_fixed_order(tmp_path, runs):
    lines, _ = generate(1500, 4, 3, platform_cases=True)
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    out, esc = tmp_path / "violations.jsonl", tmp_path / "escalations.jsonl"
    result = CliRunner().invoke(build_app(), ["run", "--input", str(events), "--output", str(out),
                                      "--policy", "platform-2026-07", "--escalations", str(esc)])
    assert result.exit_code == 0, result.output
    written = [orjson.loads(line) for line in esc.read_bytes().splitlines()]
    assert written == runs["platform-2026-07"].escalations
    rank = {k.name: i for i, k in enumerate(PLATFORM.escalations)}
    keys = [(e["window_start"], rank[e["kind"]], e["shop_id"], e["product_id"] or "") for e in written]
    assert keys == sorted(keys) and len({e["escalation_id"] for e in written}) == len(written)
