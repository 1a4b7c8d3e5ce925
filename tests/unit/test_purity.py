"""detectors/ is the rule book: no Faust, no Kafka, no Redis, no I/O."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

DETECTORS = Path(__file__).resolve().parents[2] / "detectors"
FORBIDDEN = {"faust", "mode", "aiokafka", "kafka", "redis", "prometheus_client", "socket", "asyncio",
             "requests", "urllib", "http", "subprocess", "sqlite3", "shutil", "pathlib"}
SOURCES = sorted(DETECTORS.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(DETECTORS)))
def test_no_framework_or_io_imports(path):
    tree = ast.parse(path.read_text("utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
            pytest.fail(f"{path.name} calls open()")
    assert not imported & FORBIDDEN, f"{path.name} imports {sorted(imported & FORBIDDEN)}"


def test_importing_the_rule_book_loads_no_framework():
    code = ("import sys, detectors.engine, detectors.parse, detectors.rules, detectors.feeds;"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('faust', 'aiokafka', 'kafka', 'redis')];"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
