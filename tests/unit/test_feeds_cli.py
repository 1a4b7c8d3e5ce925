"""`shipguard ingest`: a feed log in, event-log lines that `shipguard run` takes out, dead letters aside."""
from __future__ import annotations

import base64
import io
from pathlib import Path

import orjson
from typer.testing import CliRunner

from stream.cli import build_app
from stream.eventlog import read_log
from stream.offline import run_offline
from stream.policies import load_policy

FIXTURES = Path(__file__).parent / "feeds"
runner = CliRunner()


def ingest(*args: str):
    return runner.invoke(build_app(), ["ingest", *args])


def test_a_push_log_becomes_event_log_lines_once_each_and_bad_lines_dead_letters(tmp_path):
    out, dlq = tmp_path / "scans.jsonl", tmp_path / "dlq.jsonl"
    done = ingest("--format", "kuaidi100", str(FIXTURES / "kuaidi100_sto_pushes.jsonl"), "--output", str(out),
                  "--dlq", str(dlq))
    assert done.exit_code == 0, done.output
    assert "4 payloads" in done.output and "repeated 2" in done.output
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [(x["topic"], x["key"], x["value"]["status"]) for x in lines] == [
        ("carrier-scan", "STO:773100000001", "collected"), ("carrier-scan", "STO:773100000001", "in_transit"),
        ("carrier-scan", "STO:773100000001", "in_transit"), ("carrier-scan", "STO:773100000001", "delivering")]
    dead = [orjson.loads(line) for line in dlq.read_bytes().splitlines()]
    assert [(d["topic"], d["offset"], d["reason"]) for d in dead] == [("kuaidi100", 3, "bad_time"),
                                                                      ("kuaidi100", 4, "not_json")]
    source = (FIXTURES / "kuaidi100_sto_pushes.jsonl").read_bytes().splitlines()
    assert base64.b64decode(dead[1]["raw_b64"]) == source[3]

    result = run_offline(read_log(io.BytesIO(out.read_bytes())), load_policy("seed-v1"), 300_000)
    assert result.dead_letters == [] and result.counts["in:carrier-scan"] == 4


def test_a_single_pretty_printed_document_and_stdout(tmp_path):
    done = ingest("--format", "kdniao", str(FIXTURES / "kdniao_jd_query.json"))
    assert done.exit_code == 0, done.output
    lines = [orjson.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 8 and {x["key"] for x in lines} == {"JD:JDVB01234567890"}


def test_an_empty_file_is_fine(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"\n")
    done = ingest("--format", "sf", str(tmp_path / "empty.jsonl"), "--output", str(tmp_path / "out.jsonl"))
    assert done.exit_code == 0 and "0 payloads" in done.output
    assert (tmp_path / "out.jsonl").read_bytes() == b""


def test_unusable_input_fails_in_one_line(tmp_path):
    (tmp_path / "orders.csv").write_text("order_id,city\n1,Jilin\n")
    for args, says in ((["--format", "sf", str(tmp_path / "missing.jsonl")], "No such file"),
                       (["--format", "sf", str(tmp_path)], "directory"),
                       (["--format", "sf", str(tmp_path / "orders.csv")], "no line is a JSON document")):
        done = ingest(*args)
        message = " ".join(done.output.split())        # rich wraps the one line at the console width
        assert done.exit_code == 2 and message.startswith("shipguard: ") and says in message, done.output
        assert "Traceback" not in done.output
    # an unknown --format is a usage error of the enum: tests/unit/test_cli_usage.py
