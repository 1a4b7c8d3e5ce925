"""Usage errors are one line on stderr and exit 2, as every other failure of a command."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("args, says", [
    (["produce"], "Missing option '--input'."),
    (["nope"], "No such command 'nope'."),
    (["worker", "--partitions", "x"], "Invalid value for '--partitions'"),
    (["run", "--input"], "Option '--input' requires an argument."),
    (["ingest", "--format", "cainiao", "feed.json"], "'cainiao' is not one of 'kuaidi100', 'kdniao', 'sf'"),
    (["query", "user", "U1"], "'user' is not one of 'order', 'shop', 'carrier'"),
    (["topics", "--wait", "-1"], "Invalid value for '--wait'"),
])
def test_a_usage_error_is_one_line_and_exit_2(args, says, tmp_path):
    done = subprocess.run([sys.executable, "-m", "stream.cli", *args], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("shipguard: "), done.stderr
    assert says in lines[0]


def test_help_still_shows_and_exits_0(tmp_path):
    done = subprocess.run([sys.executable, "-m", "stream.cli", "run", "--help"], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0 and "--input" in done.stdout
