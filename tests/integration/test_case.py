"""The case page (issue 14) from the timelines a worker wrote to the serving view as it read the
platform topics: every decision on its order's timeline with all its evidence, every event with
the topic, partition and offset a full replay finds it at."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import quote

import orjson
import pytest
from starlette.testclient import TestClient

from stream.audit import explain
from stream.console.app import create_console
from stream.console.case import read_case
from stream.console.settings import ConsoleSettings
from stream.policies import load_policy
from stream.replay import replay
from stream.serving import connect
from stream.tools.synth import generate

from .deployment import Deployment

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def worked(tmp_path_factory, redis_server):
    """A worker has taken a generated log with every seed-v1 rule planted; its serving view is db 9."""
    folder = tmp_path_factory.mktemp("case")
    lines, as_of = generate(400, 21, 3)
    log = folder / "events.jsonl"
    log.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    url = f"redis://127.0.0.1:{redis_server.port}/9"
    client = connect(url)
    client.flushdb()
    d = Deployment(folder, redis_url=url)
    try:
        d.produce(log)
        d.start_worker()
        published = folder / "published.jsonl"
        d.collect(published, str(as_of))
        violations = [orjson.loads(line) for line in published.read_bytes().splitlines()]
        yield d, client, url, violations, as_of
    finally:
        d.close()
        client.close()


def one_order_per_rule(violations: list[dict]) -> dict[str, str]:
    picked: dict[str, str] = {}
    for v in violations:
        picked.setdefault(v["rule"], v["order_id"])
    return picked


class CasePage(HTMLParser):
    """The events of a case page's timeline (topic, partition, offset by event id), and each
    decision section's evidence ids."""

    def __init__(self, html: str):
        super().__init__()
        self.events: set[tuple] = set()
        self.evidence: dict[str, list[str]] = {}
        self._decision = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-event-id" in a:
            self.events.add((a["data-event-id"], a["data-topic"], int(a["data-partition"]), int(a["data-offset"])))
        elif tag == "section" and "data-violation-id" in a:
            self._decision = self.evidence.setdefault(a["data-violation-id"], [])
        elif tag == "li" and "data-evidence-id" in a and self._decision is not None:
            self._decision.append(a["data-evidence-id"])


def test_every_decision_sits_on_its_timeline_with_all_its_evidence(worked):
    d, client, _, violations, _ = worked
    picked = one_order_per_rule(violations)
    assert len(picked) == 8, sorted(picked)                      # every seed-v1 rule was planted
    for rule, order_id in sorted(picked.items()):
        case = read_case(client, order_id)
        decided = [v for v in violations if v["order_id"] == order_id]
        placed = {x["violation_id"]: x for x in case["timeline"] if x["kind"] == "decision"}
        assert set(placed) == {v["violation_id"] for v in decided}, rule
        events = {x["event_id"]: x for x in case["timeline"] if x["kind"] == "event"}
        for v in decided:
            assert set(v["evidence"]) <= set(events), (rule, v["evidence"], sorted(events))
            assert all(v["violation_id"] in events[e]["evidence_of"] for e in v["evidence"])
            assert placed[v["violation_id"]]["policy_version"] == v["policy_version"] == "seed-v1"
            assert placed[v["violation_id"]]["penalty"] == v["penalty"]
        assert case["missing_evidence"] == []
        times = [x["time"] for x in case["timeline"]]
        assert times == sorted(times)


def test_the_page_shows_every_event_a_full_replay_finds_at_its_topic_partition_and_offset(worked):
    """Against `explain` over the whole range: the order's own events and its parcels' scans, all
    of them, at the same coordinates; and each decision's evidence ids, in the page's HTML."""
    d, client, url, violations, as_of = worked
    report, records = replay(d.broker.bootstrap, load_policy("seed-v1"), 300_000, as_of, keep_events=True)
    page = TestClient(create_console(ConsoleSettings(url), client))
    for rule, order_id in sorted(one_order_per_rule(violations).items()):
        full = explain(order_id, records, report)
        want = {(e["event_id"], e["topic"], e["partition"], e["offset"]) for e in full["timeline"]}
        case = read_case(client, order_id)
        mine = {(x["event_id"], x["topic"], x["partition"], x["offset"]) for x in case["timeline"]
                if x["kind"] == "event" and not x["other_order"]}
        assert want and want == mine, (rule, sorted(want ^ mine))
        r = page.get("/case/" + quote(order_id, safe=""))
        assert r.status_code == 200, rule
        shown = CasePage(r.text)
        assert want <= shown.events, (rule, sorted(want - shown.events))
        for v in (v for v in violations if v["order_id"] == order_id):
            assert shown.evidence[v["violation_id"]] == v["evidence"], rule
            assert set(v["evidence"]) <= {e for e, *_ in shown.events}, rule


def test_the_timelines_expire_with_the_policys_retention(worked):
    _, client, _, violations, _ = worked
    order_id = violations[0]["order_id"]
    retention_s = load_policy("seed-v1").retention_ms / 1000
    ttl = client.ttl(f"shipguard:tl:o:{order_id}")
    assert retention_s - 600 < ttl <= retention_s
