"""The auditors' HTML report (issue 14): the JSON report's counts, escaped text, nothing external."""
from __future__ import annotations

from collections import Counter

import orjson
import pytest
from kafka import TopicPartition

from detectors.events import TOPICS
from stream.human import yuan
from stream.offline import run_offline
from stream.eventlog import LogRecord
from stream.policies import load_policy
from stream.replay import build_report
from stream.report_html import render
from stream.audit import compare
from stream.tools.synth import generate

from .html_tables import Page

SHOP_PAYLOAD = '<script>window.pwned=1</script>"S1'
CARRIER_PAYLOAD = 'ZTO"><img src=x onerror="window.pwned=1">'


def hostile_log(orders: int = 300, seed: int = 5) -> tuple[list[LogRecord], int]:
    """A generated log whose first shop carries markup in its id, and carrier ZTO in its name."""
    lines, as_of = generate(orders, seed, 3)
    first_shop = next(line["value"]["shop_id"] for line in lines if line["topic"] == "order-paid")
    records = []
    for n, line in enumerate(lines):
        value = line.get("value")
        if isinstance(value, dict):
            value = {**value}
            if value.get("shop_id") == first_shop:
                value["shop_id"] = SHOP_PAYLOAD
            if value.get("carrier") == "ZTO":
                value["carrier"] = CARRIER_PAYLOAD
        raw = orjson.dumps(value) if value is not None else line["value_raw"].encode()
        records.append(LogRecord(n, line["topic"], line.get("key"), raw, partition=n % 2))
    return records, as_of


@pytest.fixture(scope="module")
def reports():
    records, as_of = hostile_log()
    ends = {TopicPartition(t, p): 100 + p for t in TOPICS for p in range(2)}
    starts = {tp: 3 for tp in ends}
    seed = build_report(run_offline(records, load_policy("seed-v1"), 300_000, as_of), load_policy("seed-v1"),
                        300_000, starts, ends)
    platform_policy = load_policy("platform-2026-07")
    platform = build_report(run_offline(records, platform_policy, 300_000, as_of), platform_policy, 300_000,
                            starts, ends)
    platform["comparison"] = compare(seed, platform)
    return seed, platform


def by_name(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in rows}


def expected(violations: list[dict], field: str) -> dict[str, list[str]]:
    count, fen, capped = Counter(), Counter(), Counter()
    for v in violations:
        key = v[field] or "-"
        count[key] += 1
        fen[key] += v["penalty"]["amount_fen"]
        capped[key] += v["penalty"]["capped"]
    return {k: [str(count[k]), yuan(fen[k]), str(capped[k])] for k in count}


def test_the_summaries_equal_the_json_report(reports):
    for report in reports:
        page = Page(render(report))
        assert report["violations"]
        for table, field in (("by-rule", "rule"), ("by-shop", "shop_id"), ("by-carrier", "carrier")):
            assert by_name(page.tables[table]["body"]) == expected(report["violations"], field), table
            total = sum(v["penalty"]["amount_fen"] for v in report["violations"])
            assert page.tables[table]["foot"] == [["total", str(len(report["violations"])), yuan(total),
                                                   str(sum(v["penalty"]["capped"] for v in report["violations"]))]]
        assert {rule: int(row[0]) for rule, row in by_name(page.tables["by-rule"]["body"]).items()} == report["counts"]
        assert page.texts["dead-letters"] == str(len(report["dead_letters"]))
        assert page.texts["policy"] == report["policy_version"]


def test_the_offset_range_is_the_reports(reports):
    seed, _ = reports
    rows = Page(render(seed)).tables["offsets"]["body"]
    want = [[t, p, str(s), str(e), str(e - s)] for t, parts in sorted(seed["range"].items())
            for p, (s, e) in sorted(parts.items(), key=lambda kv: int(kv[0]))]
    assert rows == want and len(rows) == 6


def test_a_comparison_shows_the_differences_by_rule(reports):
    seed, platform = reports
    assert "comparison" not in Page(render(seed)).tables
    rows = by_name(Page(render(platform)).tables["comparison"]["body"])
    diff = platform["comparison"]["by_rule"]
    assert set(rows) == set(diff) and "pickup_timeout" in rows
    for rule, kinds in diff.items():
        assert rows[rule][:3] == [str(len(kinds[k])) for k in ("added", "removed", "changed")]
    assert rows["ship_timeout"][3] == "penalty"


def test_markup_in_shop_ids_and_carriers_is_text_and_nothing_is_loaded(reports):
    seed, _ = reports
    html = render(seed)
    page = Page(html)
    assert SHOP_PAYLOAD in by_name(page.tables["by-shop"]["body"])
    assert CARRIER_PAYLOAD in by_name(page.tables["by-carrier"]["body"])
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert [tag for tag, _ in page.tags if tag in ("script", "img", "link", "iframe", "object")] == []
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]
    assert not [v for _, attrs in page.tags for k, v in attrs.items() if k in ("src", "href")]
    csp = next(attrs["content"] for tag, attrs in page.tags if attrs.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src" not in csp


def test_an_empty_range_renders(reports):
    seed, _ = reports
    empty = {**seed, "violations": [], "dead_letters": [], "counts": {}, "events": {}, "as_of": None}
    page = Page(render(empty))
    assert page.tables["by-rule"]["body"] == [] and page.tables["by-rule"]["foot"] == [["total", "0", "0.00", "0"]]
