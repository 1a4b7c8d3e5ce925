"""Rules indexed by what can trigger them (rules.triggered, issue 13): a side asks a rule only of
the inputs its `reads`/`scans` name. Asking every rule of the side of every input, as before the
index, must decide exactly the same, so no rule's metadata leaves out an input it acts on."""
from __future__ import annotations

import orjson
import pytest

from detectors import sides
from detectors.events import SCAN_STATUSES, CarrierScan
from detectors.messages import Bind, OrderOpened, PickupFact, Unbind
from detectors.rules import REGISTRY, triggered
from stream.eventlog import parse_line
from stream.offline import run_offline
from stream.policies import load_policy
from stream.tools.synth import generate

KINDS = (OrderOpened, Bind, Unbind, PickupFact)


def every_rule(enabled):
    """The index as if no rule declared what it reads: every enabled rule of a side, every input."""
    index = {}
    for rule in REGISTRY:
        if rule.on_input is None or (enabled is not None and rule.name not in enabled):
            continue
        kinds = [(CarrierScan, s) for s in SCAN_STATUSES] + [(k, None) for k in KINDS]
        for cls, status in kinds:
            index.setdefault((rule.side, cls, status), []).append(rule)
    return index


@pytest.fixture(scope="module")
def log():
    lines, as_of = generate(1500, 8, 3, platform_cases=True)
    return [parse_line(n, orjson.dumps(line)) for n, line in enumerate(lines, 1)], as_of


@pytest.mark.parametrize("policy", ["seed-v1", "platform-2026-07"])
def test_the_index_decides_what_asking_every_rule_decides(log, policy, monkeypatch):
    records, as_of = log
    indexed = run_offline(records, load_policy(policy), 300_000, as_of)
    monkeypatch.setattr(sides, "triggered", every_rule)
    asked_all = run_offline(records, load_policy(policy), 300_000, as_of)
    assert indexed.violations and indexed.violations == asked_all.violations
    assert indexed.escalations == asked_all.escalations and indexed.counts == asked_all.counts


def test_a_scan_reaches_only_the_rules_that_read_its_status():
    index = triggered(frozenset(r.name for r in REGISTRY))
    assert [r.name for r in index[("parcel", CarrierScan, "in_transit")]] == ["transit_timeout"]
    assert [r.name for r in index[("parcel", CarrierScan, "collected")]] == [
        "pickup_before_payment", "no_transfer_center_24h", "dispatch_timeout_24h", "transit_timeout"]
    assert ("pickup", PickupFact, None) not in index


@pytest.mark.parametrize("policy", ["seed-v1", "platform-2026-07"])
def test_a_scan_plan_holds_the_index_of_each_status(policy):
    loaded = load_policy(policy)
    plan = sides.scan_plan(loaded)
    index = triggered(loaded.enabled)
    assert plan.rules == {s: index.get(("parcel", CarrierScan, s)) for s in SCAN_STATUSES}
    assert (plan.transit is not None) == (loaded.transit is not None and "transit_timeout" in loaded.enabled)
    assert sides.scan_plan(loaded) is plan            # one a policy, not one a scan
