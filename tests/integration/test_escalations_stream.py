"""Escalations from the stream equal the offline run's (issue 7: shop and product
escalation, windowed on event time, published to `shop-escalations`).

A generated log with the platform cases (an abnormal-track storm, a product
overdue storm, and enough orders for a shop's fraud day) goes through a real
worker running policy platform-2026-07; `shipguard collect --escalations` must
write the bytes of `shipguard run --policy platform-2026-07 --escalations`,
and the violations must be the offline run's too.
"""
from __future__ import annotations

from collections import Counter

import orjson
import pytest

from stream.eventlog import read_log
from stream.offline import run_offline
from stream.policies import load_policy
from stream.tools.synth import generate

from .deployment import Deployment, metrics_port
from .observe import LATENESS, metric, scrape, topic_records

pytestmark = pytest.mark.integration

POLICY = "platform-2026-07"


def lines(objects) -> bytes:
    return b"".join(orjson.dumps(o) + b"\n" for o in objects)


def test_stream_escalations_equal_the_offline_run(tmp_path):
    log, as_of = generate(1200, 1, 3, platform_cases=True)       # 3 minutes of disorder
    path = tmp_path / "events.jsonl"
    path.write_bytes(lines(log))
    with open(path, "rb") as stream:
        expected = run_offline(read_log(stream), load_policy(POLICY), LATENESS, as_of)
    policy_kinds = [k.name for k in load_policy(POLICY).escalations]
    assert sorted({e["kind"] for e in expected.escalations}) == sorted(policy_kinds)   # each kind is planted

    d = Deployment(tmp_path)
    try:
        d.produce(path)
        port = metrics_port()
        d.start_worker(port, extra_env={"SHIPGUARD_POLICY": POLICY})
        out, escalations = tmp_path / "violations.jsonl", tmp_path / "escalations.jsonl"
        info = d.collect(out, str(as_of), escalations=escalations, policy=POLICY)
        assert out.read_bytes() == lines(expected.violations), info
        assert escalations.read_bytes() == lines(expected.escalations), info
        assert " ".join(info.split()).count(" 0 duplicate ids") == 2, info     # violations, escalations
        on_topic = Counter(orjson.loads(r.value)["kind"] for r in topic_records(d.broker.bootstrap, "shop-escalations"))
        text = scrape(port)
        for kind in policy_kinds:
            assert metric(text, "shipguard_escalations_total", kind=kind) == on_topic[kind] >= 1
    finally:
        d.close()
