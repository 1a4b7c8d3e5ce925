"""Files given to the commands: checked before the work, `-` for stdin and stdout, one line when wrong."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SHIPGUARD_BROKER": "kafka://127.0.0.1:1"}


def shipguard(*args, cwd, stdin=None):
    return subprocess.run([sys.executable, "-m", "stream.cli", *args], env=ENV, capture_output=True, cwd=cwd,
                          input=stdin, timeout=120)


def one_line(done) -> str:
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("shipguard: "), done.stderr
    return lines[0]


@pytest.mark.parametrize("args, says", [
    (["run", "--input", "missing.jsonl", "--output", "v.jsonl"], "missing.jsonl: no such file (--input)"),
    (["run", "--input", "log.jsonl", "--output", "nowhere/v.jsonl"], "no such directory nowhere (--output)"),
    (["run", "--input", "log.jsonl", "--output", "v.jsonl", "--dlq", "."], ".: is a directory (--dlq)"),
    (["generate", "--orders", "5", "--output", "nowhere/log.jsonl"], "(--output)"),
    (["collect", "--output", "nowhere/v.jsonl"], "(--output)"),
    (["replay", "--output", "r.json", "--compare", "missing.json"], "missing.json: no such file (--compare)"),
    (["replay", "--output", "nowhere/r.json"], "(--output)"),
    (["replay", "--output", "r.json", "--from-offsets", "bad.json"], "want {topic: {partition: offset}}"),
    (["produce", "--input", "missing.jsonl"], "missing.jsonl: no such file (--input)"),
])
def test_a_file_that_cannot_work_stops_the_command_before_it_starts(args, says, tmp_path):
    (tmp_path / "log.jsonl").write_text("")
    (tmp_path / "bad.json").write_text(json.dumps({"order-paid": [1, 2]}))
    done = shipguard(*args, cwd=tmp_path)
    assert done.returncode == 2 and says in one_line(done)
    assert not (tmp_path / "v.jsonl").exists() and not (tmp_path / "r.json").exists()


def test_dash_is_stdin_and_stdout(tmp_path):
    generated = shipguard("generate", "--orders", "100", "--output", "-", cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    assert b"as-of" not in generated.stdout and b"as-of" in generated.stderr
    (tmp_path / "log.jsonl").write_bytes(generated.stdout)
    piped = shipguard("run", "--input", "-", "--output", "-", cwd=tmp_path, stdin=generated.stdout)
    filed = shipguard("run", "--input", "log.jsonl", "--output", "v.jsonl", cwd=tmp_path)
    assert piped.returncode == 0 and filed.returncode == 0, piped.stderr
    assert piped.stdout == (tmp_path / "v.jsonl").read_bytes() and piped.stdout.count(b"\n") > 0


def test_run_json_prints_the_summary_the_table_shows(tmp_path):
    generated = shipguard("generate", "--orders", "100", "--output", "log.jsonl", cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    done = shipguard("run", "--input", "log.jsonl", "--output", "v.jsonl", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout)
    written = [json.loads(line) for line in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert facts["violations"] == len(written) > 0 and facts["policy_version"] == "seed-v1"
    assert facts["penalty_fen"] == sum(v["penalty"]["amount_fen"] for v in written)
    assert sum(r["violations"] for r in facts["rules"].values()) == len(written)
    assert b"penalty (yuan)" not in done.stderr          # the table is what --json replaces


def test_json_and_output_dash_cannot_share_stdout(tmp_path):
    (tmp_path / "log.jsonl").write_text("")
    done = shipguard("run", "--input", "log.jsonl", "--output", "-", "--json", cwd=tmp_path)
    assert done.returncode == 2 and "--json and --output -" in one_line(done)
