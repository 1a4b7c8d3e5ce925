"""Issue 14's browser acceptance: the console in a real headless Chromium (Debian's /usr/bin/chromium
driven by Playwright, no browser download) over what one real worker decided on a generated log
with every platform-2026-07 rule and escalation planted (console_live.py). Every page is checked
against `shipguard collect`'s output, not against the serving view it reads."""
from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlencode

import orjson
import pytest

from detectors.decisions import RULE_ORDER
from stream.console.security import CSP
from stream.policies import load_policy
from stream.serving_keys import day_of

from . import hostile
from .console_expect import bar_titles, board, chosen, per_rule, row_cells
from .console_tab import (chromium, every_page, new_tab, open_page, shows_the_case, submit, table, violation_rows,
                          window_of)
from .console_live import POLICY, live_console

pytestmark = pytest.mark.integration
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "console-case.png"


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def live(browser, tmp_path_factory, redis_server):
    """One worker run shared by the module's tests (after the browser, so a skip starts nothing)."""
    with live_console(tmp_path_factory.mktemp("console-live"), redis_server) as running:
        yield running


@pytest.fixture
def tab(browser):
    page = new_tab(browser)
    yield page
    page.context.close()


def test_every_page_shows_what_the_worker_decided(live, tab):
    v, esc = live.violations, live.escalations
    assert {x["rule"] for x in v} == set(load_policy(POLICY).rules)       # every rule was planted
    open_page(tab, live.url + "/", "Overview")
    day_from, day_to = window_of(tab)
    assert (day_from, day_to) == (min(day_of(x["decided_at"]) for x in v), max(day_of(x["decided_at"]) for x in v))
    assert table(tab, "#per-rule") == per_rule(v, day_from, day_to, RULE_ORDER)
    titles = tab.eval_on_selector_all("svg.chart", "cs => [...cs[0].querySelectorAll('rect > title')].map(t => t.textContent)")
    assert set(titles) == bar_titles(v, day_from, day_to)
    stages = table(tab, "#watermarks")
    assert stages and all(len(row) == 3 and re.match(r"\d{4}-\d\d-\d\d", row[1]) for row in stages), stages
    assert re.fullmatch(r"input lag: \d+ messages", tab.inner_text("#input-lag"))
    assert table(tab, "#dead-letters") == [[k, str(n)] for k, n in sorted(live.dead_letters.items())]
    assert live.dead_letters                                          # the generator plants some

    open_page(tab, live.url + "/violations", "Violations")
    assert f"({len(v)} in all)" in tab.inner_text("p.pager")
    assert violation_rows(tab) == [row_cells(x) for x in chosen(v)[:50]]

    for subject in ("shop", "carrier"):
        open_page(tab, f"{live.url}/{subject}s", subject.capitalize() + "s")
        day_from, day_to = window_of(tab)
        want = board(v, esc, subject, day_from, day_to)
        assert [row[1:] for row in table(tab, "#board")] == want[:50], subject
        if subject == "shop":
            assert any(row[-1] != "0" for row in want), "no escalation in the shops' window"

    for rule in sorted({x["rule"] for x in v}):                      # one case per rule
        mine = next(x for x in v if x["rule"] == rule)
        open_page(tab, live.url + "/case/" + quote(mine["order_id"], safe=""), f"Case: order {mine['order_id']}")
        shows_the_case(tab, live, mine["order_id"])
    assert tab.problems == []


def test_filters_applied_in_the_form_list_collects_rows(live, tab):
    v = live.violations
    rule = max({x["rule"] for x in v}, key=lambda r: (sum(x["rule"] == r for x in v), r))
    shop = max({x["shop_id"] for x in v if x["rule"] == rule},
               key=lambda s: (sum(x["rule"] == rule and x["shop_id"] == s for x in v), s))
    fake_days = sorted({day_of(x["decided_at"]) for x in v if x["category"] == "fake_shipping"})
    filters = [dict(rule=rule, shop=shop, sort="penalty"),              # a rule and a shop, by penalty
               dict(category="fake_shipping", day_from=fake_days[1], day_to=fake_days[-2])]   # a day range
    open_page(tab, live.url + "/violations", "Violations")
    for f in filters:
        submit(tab, **f)
        assert all(f"{k}={quote(value)}" in tab.url for k, value in f.items()), tab.url
        want = chosen(v, **f)
        assert 0 < len(want) < len(chosen(v, rule=f.get("rule"), category=f.get("category"))), f   # it narrowed
        assert f"({len(want)} in all)" in tab.inner_text("p.pager")
        first = tab.url
        assert every_page(tab, violation_rows) == [row_cells(x) for x in want], f
        exported = tab.context.request.get(live.url + tab.get_attribute("#csv", "href"))
        assert exported.status == 200 and exported.headers["content-security-policy"] == CSP
        assert [r["violation_id"] for r in csv.DictReader(io.StringIO(exported.text()))] == \
            [x["violation_id"] for x in want]
        tab.goto(first)
    assert tab.problems == []


def test_a_shop_row_leads_to_its_violations_and_a_case_with_all_its_evidence(live, tab):
    v = live.violations
    open_page(tab, live.url + "/shops", "Shops")
    with tab.expect_navigation():
        tab.click("#board thead a:text-is('fake shipping')")          # rank by fake shipping
    day_from, day_to = window_of(tab)
    shop = tab.inner_text("#board tbody tr:first-child td:nth-child(2)")
    with tab.expect_navigation():
        tab.click("#board tbody tr:first-child td:nth-child(2) a")
    assert tab.input_value("input[name=shop]") == shop
    listed = tab.url
    want = chosen(v, shop=shop, day_from=day_from, day_to=day_to)
    assert any(x["category"] == "fake_shipping" for x in want)
    assert every_page(tab, violation_rows) == [row_cells(x) for x in want]
    picked = next(x for x in want[:50] if x["category"] == "fake_shipping")
    tab.goto(listed)                                                  # page 1 again, where the row is
    with tab.expect_navigation():
        tab.click(f'#violations tr[data-violation-id="{picked["violation_id"]}"] td:nth-child(3) a')
    shows_the_case(tab, live, picked["order_id"])
    SCREENSHOT.parent.mkdir(exist_ok=True)
    tab.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
    assert tab.problems == []


@pytest.mark.parametrize("csp", ["enforced", "bypassed"])
def test_markup_from_outside_the_platform_stays_text(live, browser, csp):
    """hostile.py's shop id, carrier, waybill number and scan descriptions, as the worker decided on
    them, on every page that shows them. With the CSP bypassed in the browser, only escaping stands
    between a payload and the page: a lapse would add an element, and a script or handler would set
    window.__pwned. With it enforced, a lapse would also log a CSP violation."""
    mine = [x for x in live.violations if x["order_id"] == hostile.ORDER]
    assert {x["rule"] for x in mine} == {"pickup_before_payment", "route_address_mismatch"}   # not dead letters
    days = sorted(day_of(x["decided_at"]) for x in mine)
    window = urlencode({"day_from": days[0], "day_to": days[-1]})
    every = (hostile.SHOP, hostile.CARRIER, hostile.WAYBILL)
    pages = [("/violations?" + urlencode({"shop": hostile.SHOP}), "Violations", every),
             ("/violations?" + urlencode({"carrier": hostile.CARRIER}), "Violations", every),
             ("/shops?" + window, "Shops", (hostile.SHOP,)), ("/carriers?" + window, "Carriers", (hostile.CARRIER,)),
             ("/case/" + quote(hostile.ORDER, safe=""), f"Case: order {hostile.ORDER}", every + hostile.TEXTS)]
    tab = new_tab(browser, bypass_csp=csp == "bypassed")
    try:
        for path, heading, shown in pages:
            open_page(tab, live.url + path, heading)
            assert tab.evaluate("typeof window.__pwned") == "undefined", path
            assert tab.evaluate("document.querySelectorAll('script, img, [onerror], [onload]').length") == 0, path
            text = tab.inner_text("main")
            assert all(payload in text for payload in shown), path
            if path.startswith("/case/"):                                 # all its events, as text
                shown_ids = tab.eval_on_selector_all("#timeline tr.event", "rs => rs.map(r => r.dataset.eventId)")
                assert sorted(shown_ids) == sorted(hostile.EVENT_IDS)
                shows_the_case(tab, live, hostile.ORDER)
        tab.goto(live.url + "/shops?" + window)
        with tab.expect_navigation():
            tab.click("#board tbody a")                                   # the hostile shop's own link
        assert violation_rows(tab) == [row_cells(x) for x in chosen(mine, day_from=days[0], day_to=days[-1])]
        assert tab.problems == []
    finally:
        tab.context.close()


def test_the_replay_html_report_opens_offline_with_the_json_reports_counts(live, browser, tmp_path):
    """`shipguard replay --html` over the same topics: the file opens in a browser that is offline,
    fetches nothing but itself, and its tables count what the JSON report and collect count;
    the hostile shop id is text there too."""
    out, page_file = tmp_path / "report.json", tmp_path / "report.html"
    done = subprocess.run([sys.executable, "-m", "stream.cli", "replay", "--policy", POLICY, "--as-of", str(live.as_of),
                           "--output", str(out), "--html", str(page_file)],
                          env=live.deployment.env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = orjson.loads(out.read_bytes())
    tab = new_tab(browser, offline=True)
    fetched = []
    tab.on("request", lambda r: fetched.append(r.url))
    try:
        tab.goto(page_file.as_uri())
        assert fetched == [page_file.as_uri()]
        by_rule = {row[0]: int(row[1]) for row in table(tab, "#by-rule")}
        assert by_rule == report["counts"] == Counter(v["rule"] for v in live.violations)
        by_shop = {row[0]: int(row[1]) for row in table(tab, "#by-shop")}
        assert by_shop == Counter(v["shop_id"] for v in report["violations"]) and hostile.SHOP in by_shop
        assert tab.evaluate("typeof window.__pwned") == "undefined"
        assert tab.evaluate("document.querySelectorAll('script, img, [onerror], [onload]').length") == 0
        assert tab.evaluate("getComputedStyle(document.querySelector('td.n')).textAlign") == "right"   # its style ran
        assert tab.problems == []
    finally:
        tab.context.close()
