"""The console in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; no browser
download): each page opens with no CSP violation, a filter applied in the form lists the right rows, a
shop row leads to its violations and on to a case page with the decision's evidence, and markup in ids
stays text (a flag the payload would set stays unset)."""
from __future__ import annotations

import os
import threading
import time
import uuid

import pytest

from stream.console.app import create_console
from stream.console.settings import ConsoleSettings
from stream.serving import ServingView, connect
from stream.serving_keys import day_of
from stream.serving_read import ViolationFilter
from stream.tools.embedded import free_port

from .test_serving_read import T0, corpus, expected, violation

pytestmark = pytest.mark.integration
CHROMIUM = "/usr/bin/chromium"
PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'


@pytest.fixture
def console_url(redis_url):
    import uvicorn
    client = connect(redis_url)
    prefix = f"t{uuid.uuid4().hex[:8]}"
    view = ServingView(client, prefix=prefix)
    view.record_all(corpus())
    hostile = violation(950, 0, "duplicate_waybill", "S-" + PAYLOAD, "SF", 4321)
    view.record({**hostile, "order_id": "O-" + PAYLOAD, "waybill_no": PAYLOAD})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_console(ConsoleSettings(redis_url, prefix=prefix, page_size=10)),
                                           host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    client.close()


@pytest.fixture
def page():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium (the browser tests use Debian's)", pytrace=False)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        tab = browser.new_page()
        tab.problems = []
        tab.on("console", lambda m: tab.problems.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: tab.problems.append(str(e)))
        yield tab
        browser.close()


def row_ids(tab) -> list[str]:
    return tab.eval_on_selector_all("#violations tbody tr[data-violation-id]",
                                    "rows => rows.map(r => r.dataset.violationId)")


def test_each_page_opens_with_no_csp_violation(console_url, page):
    for path, heading in (("/", "Overview"), ("/violations", "Violations"), ("/shops", "Shops"),
                          ("/carriers", "Carriers"), ("/case/O1", "Case: order O1")):
        response = page.goto(console_url + path)
        assert response.status == 200, path
        assert page.inner_text("h1") == heading, path
    page.goto(console_url + "/")
    assert page.locator("svg.chart rect").count() > 0
    assert page.evaluate("getComputedStyle(document.querySelector('nav')).backgroundColor") == "rgb(36, 50, 63)"
    assert page.problems == []


def test_a_filter_applied_in_the_form_lists_the_right_rows(console_url, page):
    page.goto(console_url + "/violations")
    page.select_option("select[name=rule]", "duplicate_waybill")
    page.select_option("select[name=sort]", "penalty")
    page.click("button[type=submit]")
    page.wait_for_url("**/violations?rule=duplicate_waybill*")
    data = corpus() + [violation(950, 0, "duplicate_waybill", "S-" + PAYLOAD, "SF", 4321)]
    want = [v["violation_id"] for v in expected(data, ViolationFilter(rule="duplicate_waybill", sort="penalty"))]
    assert row_ids(page) == want[:10]
    page.click("a[rel=next]")
    assert row_ids(page) == want[10:20]


def test_shop_row_to_violations_to_case_page(console_url, page):
    page.goto(console_url + "/shops")
    page.click("#board tbody tr:first-child td:nth-child(2) a")
    page.wait_for_url("**/violations?*shop=*")
    shop = page.input_value("input[name=shop]")
    first = page.locator("#violations tbody tr[data-violation-id]").first
    violation_id = first.get_attribute("data-violation-id")
    first.locator("td:nth-child(3) a").click()
    page.wait_for_url("**/case/*")
    mine = next(v for v in corpus() if v["violation_id"] == violation_id)
    assert mine["shop_id"] == shop
    decision = page.locator(f'section.decision[data-violation-id="{violation_id}"]')
    assert decision.locator("ul.evidence code").all_inner_texts() == mine["evidence"]
    assert page.problems == []


def test_markup_in_ids_stays_text(console_url, page):
    page.goto(console_url + "/violations?rule=duplicate_waybill&day_to=" + day_of(T0))
    assert PAYLOAD in page.inner_text("#violations")
    page.click("#violations tbody tr[data-violation-id='vid-950'] td:nth-child(3) a")
    page.wait_for_url("**/case/*")
    assert page.inner_text("#order-id") == "O-" + PAYLOAD
    page.goto(console_url + "/shops")
    assert ("S-" + PAYLOAD) in page.inner_text("#board")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src=x]").count() == 0
