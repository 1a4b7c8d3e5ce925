"""`shipguard bench --quick` prints every figure of issue 5 (small sizes), each one measured."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def test_bench_quick_prints_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "-m", "stream.cli", "bench", "--quick", "--output", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    f = json.loads(out.read_text())
    assert f["offline"]["messages"] == 50_000 and f["offline"]["messages_per_s"] > 0
    assert f["offline"]["violations"] > 0
    stream = f["stream"]
    for name in ("null_pipe_per_s", "one_worker_per_s", "two_workers_per_s"):
        assert stream[name] > 0, name
    assert stream["one_worker_vs_null_pipe"] == pytest.approx(stream["one_worker_per_s"] / stream["null_pipe_per_s"],
                                                              rel=0.01)
    assert stream["decisions"] > 0
    assert stream["bare_agent_per_s"] > 0
    assert stream["one_worker_vs_bare_agent"] == pytest.approx(stream["one_worker_per_s"] / stream["bare_agent_per_s"],
                                                               rel=0.01)
    assert stream["cpu_s_per_1000_one"] > 0 and stream["cpu_s_per_1000_two"] > 0
    assert stream["cpu_two_vs_one"] == pytest.approx(stream["cpu_s_per_1000_two"] / stream["cpu_s_per_1000_one"],
                                                     rel=0.01)
    paced = stream["paced"]
    assert paced["rate_per_s"] > 0 and paced["peak_rss_mb"] > 0
    assert 0 <= paced["decision_latency_p50_s"] <= paced["decision_latency_p99_s"]
    assert stream["marks"]["partitions"] == 64
    assert stream["marks"]["loaded_marks_per_s"] > stream["marks"]["idle_marks_per_s"] >= 0
    assert 0 <= stream["decision_latency_p50_s"] <= stream["decision_latency_p99_s"]
    for store in ("memory", "rocksdb"):
        assert f["memory"][store]["parcels"] == 50_000 and f["memory"][store]["bytes_per_parcel"] > 0
    assert f["replay"]["messages"] == 20_000 and f["replay"]["seconds"] > 0 and f["replay"]["violations"] > 0
    assert f["console"]["memory"]["violations"] == 2_000 and f["console"]["worst_p95_ms"] > 0
    assert f["case"]["messages"] == 20_000 and f["case"]["cases"] == 40 and 0 < f["case"]["p50_ms"] <= f["case"]["p95_ms"]
    for figure in ("one_worker_per_s", "two_vs_one", "decision_latency_p99_s", "bytes_per_parcel", "seconds",
                   "one_worker_vs_bare_agent", "cpu_two_vs_one", "idle_marks_per_s"):
        assert figure in done.stdout, f"{figure} not printed"
