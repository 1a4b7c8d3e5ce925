"""Every alert links its own section of docs/runbook.md, and the README and docs link only inside the repository
to files and headings that exist (promtool, run by tests/integration/test_ops.py, checks the exact annotations)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROM = ROOT / "deploy" / "prometheus"
RUNBOOK = ROOT / "docs" / "runbook.md"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the file's headings: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"^```.*?^```", "", path.read_text("utf-8"), flags=re.M | re.S)
    titles = re.findall(r"^#{1,6} +(.+?) *$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", t.lower()).replace(" ", "-") for t in titles}


def alerts() -> list[dict]:
    return [rule for group in yaml.safe_load((PROM / "alerts.yml").read_text())["groups"] for rule in group["rules"]]


def test_every_alert_links_its_own_section_of_the_runbook():
    sections = anchors(RUNBOOK)
    for alert in alerts():
        url = alert["annotations"].get("runbook_url")
        assert url == f"docs/runbook.md#{alert['alert'].lower()}", alert["alert"]
        assert url.split("#")[1] in sections, f"{alert['alert']}: no heading for {url} in docs/runbook.md"


def test_the_promtool_tests_expect_each_alert_with_its_runbook_url():
    tests = yaml.safe_load((PROM / "alerts_test.yml").read_text())["tests"]
    expected = {}
    for case in (c for t in tests for c in t.get("alert_rule_test", [])):
        for alert in case.get("exp_alerts", []):
            expected.setdefault(case["alertname"], []).append(alert["exp_annotations"].get("runbook_url"))
    shipped = {a["alert"]: a["annotations"]["runbook_url"] for a in alerts()}
    assert set(expected) == set(shipped)                   # every alert is seen firing
    for name, urls in expected.items():
        assert set(urls) == {shipped[name]}, name


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_stay_in_the_repository_and_resolve(doc):
    for target in LINK.findall(doc.read_text("utf-8")):
        assert "://" not in target and not target.startswith("/"), f"{doc.name} links outside: {target}"
        path, _, anchor = target.partition("#")
        file = (doc.parent / path).resolve() if path else doc
        assert file.is_relative_to(ROOT) and file.exists(), f"{doc.name}: {target}"
        if anchor:
            assert anchor in anchors(file), f"{doc.name}: no heading #{anchor} in {file.name}"
