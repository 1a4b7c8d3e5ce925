"""`shipguard replay --html` (issue 14): the page written beside the JSON report holds its counts."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter

import orjson
import pytest

from stream.tools.synth import generate
from tests.unit.html_tables import Page

from .deployment import Deployment

pytestmark = pytest.mark.integration


def test_the_html_report_counts_what_the_json_report_counts(tmp_path):
    lines, as_of = generate(300, 4, 3)
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    d = Deployment(tmp_path)                         # the broker only: a replay needs no worker

    def run(*args):
        return subprocess.run([sys.executable, "-m", "stream.cli", "replay", "--as-of", str(as_of),
                               "--broker", d.broker.url, *args], capture_output=True, text=True, timeout=300)
    try:
        d.produce(log)
        seed = run("--output", str(tmp_path / "seed.json"), "--html", str(tmp_path / "seed.html"))
        assert seed.returncode == 0, seed.stderr
        platform = run("--policy", "platform-2026-07", "--compare", str(tmp_path / "seed.json"),
                       "--output", str(tmp_path / "p.json"), "--html", str(tmp_path / "p.html"))
        assert platform.returncode == 0, platform.stderr
    finally:
        d.close()
    for name in ("seed", "p"):
        report = orjson.loads((tmp_path / f"{name}.json").read_bytes())
        page = Page((tmp_path / f"{name}.html").read_text("utf-8"))
        shown = {row[0]: int(row[1]) for row in page.tables["by-rule"]["body"]}
        assert shown == report["counts"] and sum(shown.values()) == len(report["violations"]) > 0
        by_shop = Counter(v["shop_id"] for v in report["violations"])
        assert {row[0]: int(row[1]) for row in page.tables["by-shop"]["body"]} == by_shop
        ranges = {(row[0], row[1]): [int(row[2]), int(row[3])] for row in page.tables["offsets"]["body"]}
        assert ranges == {(t, p): span for t, parts in report["range"].items() for p, span in parts.items()}
    diff = orjson.loads((tmp_path / "p.json").read_bytes())["comparison"]["by_rule"]
    rows = {row[0]: [int(n) for n in row[1:4]] for row in Page((tmp_path / "p.html").read_text()).tables["comparison"]["body"]}
    assert rows == {rule: [len(k["added"]), len(k["removed"]), len(k["changed"])] for rule, k in diff.items()}


def test_html_to_stdout_beside_json_on_stdout_is_one_line_and_exit_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "stream.cli", "replay", "--output", str(tmp_path / "r.json"),
                           "--html", "-", "--json", "--broker", "kafka://127.0.0.1:1"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0 and "--html" in done.stderr
