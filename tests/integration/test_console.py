"""The analysts' console (stream/console/) through Starlette's TestClient, over a real redis-server."""
from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import uuid
from html.parser import HTMLParser

import pytest
from starlette.testclient import TestClient

from stream.console.app import create_console
from stream.console.security import CSP
from stream.console.settings import ConsoleSettings
from stream.metrics import Metrics
from stream.serving import ServingView, connect
from stream.serving_keys import day_of
from stream.serving_read import ViolationFilter

from .test_serving_read import DAY, T0, corpus, expected, violation

pytestmark = pytest.mark.integration

TOKEN = "t0ken-for-the-console-tests"
HOSTILE = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'


class Rows(HTMLParser):
    """The data-violation-id of each row of a page, in order."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs).get("data-violation-id")
        if tag == "tr" and found:
            self.ids.append(found)


@pytest.fixture
def served(redis_url):
    client = connect(redis_url)
    prefix = f"t{uuid.uuid4().hex[:8]}"
    data = corpus()
    ServingView(client, prefix=prefix).record_all(data)

    def make(**settings) -> TestClient:
        options = {"prefix": prefix, "page_size": 7, **settings}
        return TestClient(create_console(ConsoleSettings(redis_url, **options), client), follow_redirects=False)
    yield make, data, ServingView(client, prefix=prefix)
    client.close()


CASES = [{}, {"rule": "ship_timeout"}, {"category": "fake_shipping", "sort": "penalty"}, {"shop": "S2"},
         {"carrier": "SF", "rule": "duplicate_waybill", "descending": "0"},
         {"day_from": day_of(T0 + DAY), "day_to": day_of(T0 + 2 * DAY), "shop": "S1"}]


@pytest.mark.parametrize("query", CASES, ids=lambda q: ",".join(f"{k}={v}" for k, v in q.items()) or "all")
def test_violations_page_filters_sorts_and_pages(served, query):
    make, data, _ = served
    client = make()
    f = ViolationFilter(**{k: v for k, v in query.items() if k != "descending"},
                        descending=query.get("descending") != "0")
    want = [v["violation_id"] for v in expected(data, f)]
    seen, page = [], 1
    while True:
        r = client.get("/violations", params={**query, "page": page})
        assert r.status_code == 200
        assert f"({len(want)} in all)" in r.text
        ids = Rows(r.text).ids
        assert len(ids) <= 7
        seen += ids
        if 'rel="next"' not in r.text:
            break
        page += 1
    assert seen == want


def test_csv_exports_the_whole_filtered_set(served):
    make, data, _ = served
    r = make().get("/violations.csv", params={"category": "fake_shipping", "sort": "penalty"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    want = expected(data, ViolationFilter(category="fake_shipping", sort="penalty"))
    assert [row["violation_id"] for row in rows] == [v["violation_id"] for v in want]
    assert [int(row["amount_fen"]) for row in rows] == [v["penalty"]["amount_fen"] for v in want]
    assert rows[0]["evidence"] == " ".join(want[0]["evidence"])


def test_a_csv_cell_is_never_a_formula(served):
    make, _, view = served
    view.record(violation(900, 0, "duplicate_waybill", "=HYPERLINK(\"http://x\")", "SF", 100))
    rows = list(csv.DictReader(io.StringIO(make().get("/violations.csv?rule=duplicate_waybill").text)))
    assert "'=HYPERLINK(\"http://x\")" in {row["shop_id"] for row in rows}


@pytest.mark.parametrize("subject,field", [("shops", "shop_id"), ("carriers", "carrier")])
def test_leaderboards_link_each_row_to_its_violations(served, subject, field):
    make, data, _ = served
    client = make()
    r = client.get(f"/{subject}", params={"sort": "penalty_fen", "day_from": day_of(T0), "day_to": day_of(T0 + DAY)})
    assert r.status_code == 200
    links = re.findall(r'href="/violations\?([^"]+)"', r.text)
    assert links
    first = dict(pair.split("=", 1) for pair in links[0].replace("&amp;", "&").split("&"))
    window = [v for v in data if day_of(v["decided_at"]) in (day_of(T0), day_of(T0 + DAY)) and v[field]]
    fen = {}
    for v in window:
        fen[v[field]] = fen.get(v[field], 0) + v["penalty"]["amount_fen"]
    assert first[subject[:-1]] == max(fen, key=fen.get)          # the top row is the highest penalty
    listed = client.get("/violations?" + links[0].replace("&amp;", "&"))
    assert f"({sum(1 for v in window if v[field] == first[subject[:-1]])} in all)" in listed.text


def test_escalations_column_only_when_the_policy_has_them(served):
    make, _, _ = served
    assert "escalations</a>" in make(escalations=True).get("/shops").text
    assert "escalations</a>" not in make().get("/shops").text
    assert "escalations</a>" not in make(escalations=True).get("/carriers").text


def test_case_page_lists_the_orders_decisions_and_evidence(served):
    make, data, _ = served
    client = make()
    r = client.get("/case/O3")
    mine = [v for v in data if v["order_id"] == "O3"]
    assert r.status_code == 200 and mine
    for v in mine:
        assert f'data-violation-id="{v["violation_id"]}"' in r.text
        assert all(f"<code>{e}</code>" in r.text for e in v["evidence"])
    assert client.get("/case/nobody").status_code == 404


def test_hostile_ids_are_shown_as_text(served):
    make, _, view = served
    v = violation(901, 0, "duplicate_waybill", HOSTILE, "SF", 100)
    view.record({**v, "order_id": HOSTILE, "waybill_no": HOSTILE})
    client = make()
    pages = [client.get("/violations", params={"shop": HOSTILE}), client.get("/shops?day_from=" + day_of(T0)),
             client.get("/case/" + "%3Cscript%3Edocument.title%3D%22pwned%22%3C%2Fscript%3E%3Cimg%20src%3Dx%20"
                        "onerror%3Dalert(1)%3E")]
    for r in pages:
        assert r.status_code == 200
        assert "<script" not in r.text and "<img src=x" not in r.text
        assert "&lt;script&gt;" in r.text


def test_no_personal_data_on_any_page(served):
    make, _, view = served
    v = violation(902, 0, "route_address_mismatch", "S-PD", "SF", 100)
    view.record({**v, "order_id": "O-PD", "recipient_id": "RECIPIENT-HASH-1", "detail_hash": "DETAIL-HASH-1",
                 "address": {"detail_hash": "DETAIL-HASH-2"}})
    client = make()
    for path in ("/violations?shop=S-PD", "/violations.csv?shop=S-PD", "/case/O-PD", "/shops", "/"):
        text = client.get(path).text
        assert "HASH" not in text, path


def test_every_response_carries_the_csp_and_only_get_is_served(served):
    make, _, _ = served
    client = make()
    for path in ("/", "/violations", "/violations.csv", "/shops", "/carriers", "/case/O1", "/static/console.css",
                 "/nowhere", "/violations?page=0"):
        r = client.get(path)
        assert r.headers["content-security-policy"] == CSP, path
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "script-src" not in CSP and "unsafe-inline" not in CSP
    assert client.head("/violations").status_code == 200
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        r = client.request(method, "/violations")
        assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD", method
        assert r.headers["content-security-policy"] == CSP


def test_bad_parameters_are_one_line_400s(served):
    make, _, _ = served
    client = make()
    for query, says in (("day_from=yesterday", "day_from: not a day"), ("rule=nope", "rule: must be one of"),
                        ("page=-1", "page: must be"), ("day_from=2026-02-02&day_to=2026-01-01", "is after"),
                        ("sort=color", "sort: must be one of")):
        r = client.get(f"/violations?{query}")
        assert r.status_code == 400 and says in r.text, query
    assert client.get("/shops?sort=escalations").status_code == 400      # no such column for shops without them


def test_the_token_is_checked_on_every_request(served):
    make, _, _ = served
    client = make(token=TOKEN)
    for path in ("/", "/violations.csv", "/static/console.css", "/case/O1"):
        r = client.get(path)
        assert r.status_code == 401 and "O1" not in r.text, path
    assert client.get("/", headers={"Authorization": "Bearer wrong-token-wrong-token"}).status_code == 401
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.get("/?token=wrong").status_code == 401
    r = client.get(f"/violations?shop=S1&token={TOKEN}")
    assert r.status_code == 303 and r.headers["location"] == "/violations?shop=S1"
    assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
    assert client.get("/violations?shop=S1").status_code == 200          # the cookie now carries it
    assert client.post("/violations").status_code == 405
    escaped = make(token=TOKEN).get(f"http://testserver//evil.example/?token={TOKEN}")   # never to //host
    assert escaped.status_code == 303 and escaped.headers["location"] == "/evil.example/"


def test_overview_reads_the_workers_metrics(served):
    make, data, _ = served
    metrics = Metrics()
    metrics.dead_letter("not_json")
    metrics.dead_letter("not_json")
    metrics.dead_letter("bad_time")
    metrics.watermark("penalty", T0 + DAY, T0 + DAY + 5000)
    metrics.consumer_lag("order-paid", 42)
    metrics.serve(0, "127.0.0.1")
    server, _thread = metrics._server
    try:
        text = make(metrics_urls=(f"http://127.0.0.1:{server.server_port}/metrics",)).get("/").text
    finally:
        server.shutdown()
        server.server_close()
    assert re.search(r"<td>not_json</td><td class=\"n\">2</td>", text)
    assert re.search(r"<td>bad_time</td><td class=\"n\">1</td>", text)
    assert "input lag: 42 messages" in text and "5.0 s" in text
    assert "duplicate_waybill" in text and "<svg" in text
    blind = make().get("/").text
    assert "input lag: unknown" in blind and '<td colspan="2">unknown</td>' in blind
    dead = make(metrics_urls=("http://127.0.0.1:1/metrics",)).get("/").text
    assert "unreachable: http://127.0.0.1:1/metrics" in dead


@pytest.mark.parametrize("env,args,says", [
    ({}, ["--host", "0.0.0.0"], "is not loopback: set SHIPGUARD_CONSOLE_TOKEN"),
    ({"SHIPGUARD_CONSOLE_TOKEN": "short"}, [], "must be at least 16 characters"),
    ({}, ["--redis-url", ""], "no serving view to read")])
def test_console_refuses_to_start_in_one_line(env, args, says):
    import os
    done = subprocess.run([sys.executable, "-m", "stream.cli", "console", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=60)
    assert done.returncode == 2
    assert says in done.stderr and done.stderr.count("\n") == 1, done.stderr
