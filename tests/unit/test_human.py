"""People read yuan and +08:00 times; the commands print them so, exactly."""
import subprocess
import sys
from pathlib import Path

import pytest

from stream.human import yuan
from stream.tools.synth import generate

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("fen, text", [(0, "0.00"), (5, "0.05"), (1000, "10.00"), (123_456, "1234.56"),
                                       (-250, "-2.50"), (123_456_789_012_345_678, "1234567890123456.78")])
def test_yuan_is_exact(fen, text):
    assert yuan(fen) == text


def test_run_reads_an_as_of_without_offset_as_china_time(tmp_path):
    import orjson
    lines, as_of = generate(40, 3, 3)
    log = tmp_path / "events.jsonl"
    log.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    outputs = []
    for given in ("2026-12-05T00:59:21+08:00", "2026-12-05 00:59:21"):
        out = tmp_path / f"v{len(outputs)}.jsonl"
        done = subprocess.run([sys.executable, "-m", "stream.cli", "run", "--input", str(log), "--output", str(out),
                               "--as-of", given, "--json"], capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        assert orjson.loads(done.stdout)["as_of_time"] == "2026-12-05T00:59:21+08:00"
        outputs.append(out.read_bytes())
    assert outputs[0] and outputs[0] == outputs[1]


def test_replay_says_its_as_of_in_rfc_3339(tmp_path, capsys):
    from stream.cli.replay_run import write_report
    report = {"range": {"order-paid": {"0": [0, 5]}}, "events": {"order-paid": 5}, "policy_version": "seed-v1",
              "as_of": 1794362400000, "violations": [], "dead_letters": [], "counts": {}}
    write_report(report, tmp_path / "r.json")
    out = " ".join(capsys.readouterr().err.split())           # the summary goes to stderr
    assert "as of 2026-11-11T10:00:00+08:00: 0 violations" in out and "1794362400000" not in out
