"""The bench's `shipguard run` memory row: measured on a child running the real command."""
from __future__ import annotations

import pytest

from stream.tools.bench_run_memory import run_peak_rss
from stream.tools.synth import iter_generate


def test_the_run_row_is_the_childs_own_peak():
    figure = run_peak_rss(150)
    lines, _ = iter_generate(150, 1, 3)
    assert figure["messages"] == sum(1 for _ in lines) and figure["orders"] == 150
    assert 20 < figure["peak_rss_mb"] < 1000          # an interpreter with the engine loaded, not this process's
    assert figure["seconds"] > 0


def test_a_failing_run_is_one_line_naming_why():
    with pytest.raises(RuntimeError, match="shipguard run exited 2") as raised:
        run_peak_rss(20, policy="no-such-policy")
    assert "no-such-policy" in str(raised.value) and "\n" not in str(raised.value)


def test_the_benchs_own_memory_does_not_count():
    """A vforked child used to inherit the bench's high-water mark through exec (5.6 GB read for
    a run of ~340 MB after the offline part): here the bench holds 600 MB, the run far less."""
    held = b"\x01" * (600 << 20)
    figure = run_peak_rss(150)
    assert held[-1] == 1
    assert 20 < figure["peak_rss_mb"] < 400
