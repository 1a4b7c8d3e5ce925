"""Reading and driving the console in the browser for test_console_live.py: a tab that records
console errors, a page's tables as text, the filter form, the pager, and what a case page must show."""
from __future__ import annotations

import os
from contextlib import contextmanager

import pytest

from stream.console.security import CSP

CHROMIUM = "/usr/bin/chromium"


@contextmanager
def chromium():
    """Debian's headless chromium through Playwright (no browser download); a skip when it is absent."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is absent: `apt-get install chromium` (Debian's; .ci/run installs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def new_tab(browser, **options):
    """A fresh page that records console errors and uncaught script errors (a CSP violation is one)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, **options)
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda m: tab.problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.problems.append(str(e)))
    return tab


def open_page(tab, url: str, heading: str):
    response = tab.goto(url)
    assert response.status == 200, url
    assert response.headers["content-security-policy"] == CSP, url
    assert tab.inner_text("h1") == heading, url
    return response


def window_of(tab) -> tuple[str, str]:
    return tab.input_value("input[name=day_from]"), tab.input_value("input[name=day_to]")


def table(tab, selector: str) -> list[list[str]]:
    return tab.eval_on_selector_all(f"{selector} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")


def violation_rows(tab) -> list[list[str]]:
    """The violations table's rows: id, then the cells' text."""
    return tab.eval_on_selector_all(
        "#violations tbody tr[data-violation-id]",
        "rows => rows.map(r => [r.dataset.violationId, ...[...r.cells].map(c => c.innerText)])")


def every_page(tab, read) -> list:
    """read(tab) on this page and each next one, following the pager's rel=next link."""
    seen = read(tab)
    while tab.locator("a[rel=next]").count():
        with tab.expect_navigation():
            tab.locator("a[rel=next]").first.click()
        seen += read(tab)
    return seen


def submit(tab, rule="", category="", shop="", day_from="", day_to="", sort="time"):
    """Fill the violations page's filter form and submit it."""
    for name, value in (("rule", rule), ("category", category), ("sort", sort)):
        tab.select_option(f"select[name={name}]", value)
    for name, value in (("shop", shop), ("day_from", day_from), ("day_to", day_to)):
        tab.fill(f"input[name={name}]", value)
    with tab.expect_navigation():
        tab.click("button[type=submit]")


def shows_the_case(tab, live, order_id: str) -> None:
    """The case page now open shows each of the order's decisions (collect's) on its timeline, and
    every evidence event id as a highlighted event row at the topic, partition and offset it has on
    the topics, pointing back to the decision."""
    decided = [x for x in live.violations if x["order_id"] == order_id]
    assert decided and tab.inner_text("#order-id") == order_id
    assert tab.locator("#missing-evidence").count() == 0
    times = tab.eval_on_selector_all("#timeline tbody tr", "rows => rows.map(r => r.cells[0].innerText)")
    assert times == sorted(times)
    for x in decided:
        vid = x["violation_id"]
        section = tab.locator(f'section.decision[data-violation-id="{vid}"]')
        assert section.locator("ul.evidence code").all_inner_texts() == x["evidence"], vid
        assert tab.locator(f'#timeline tr[data-decision="{vid}"]').count() == 1, vid
        for e in x["evidence"]:
            row = tab.locator(f'#timeline tr.event.evidence[data-event-id="{e}"]')
            assert row.count() == 1, (x["rule"], e)
            spot = [row.get_attribute(f"data-{a}") for a in ("topic", "partition", "offset")]
            assert spot == [str(n) for n in live.where[e]], (x["rule"], e)
            assert vid in row.locator("td:last-child").inner_text().split(), (x["rule"], e)
