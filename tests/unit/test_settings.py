"""Settings: typed and checked (pydantic-settings), a bad one is a single line naming its variable."""
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stream.settings import Settings, SettingsError, from_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("variable, value, says", [
    ("SHIPGUARD_PARTITIONS", "four", "integer"),
    ("SHIPGUARD_PARTITIONS", "0", "greater than or equal to 1"),
    ("SHIPGUARD_METRICS_PORT", "x", "integer"),
    ("SHIPGUARD_METRICS_PORT", "70000", "less than or equal to 65535"),
    ("SHIPGUARD_LATENESS", "5 minutes", "duration"),
    ("SHIPGUARD_STORE", "redis://", "memory:// or rocksdb://"),
    ("SHIPGUARD_IDLE_SECONDS", "-1", "greater than 0"),
])
def test_a_bad_value_is_one_line_naming_its_variable(variable, value, says):
    with pytest.raises(SettingsError) as caught:
        from_env({variable: value})
    message = str(caught.value)
    assert variable in message and says in message and "\n" not in message


def test_a_password_is_never_shown():
    s = from_env({"SHIPGUARD_KAFKA_SASL_PASSWORD": "hunter2", "SHIPGUARD_KAFKA_SASL_USERNAME": "sg"})
    assert "hunter2" not in repr(s) and "hunter2" not in str(s)
    with pytest.raises(SettingsError) as caught:
        from_env({}, kafka_sasl_password=["hunter2"])
    assert "hunter2" not in str(caught.value) and "SHIPGUARD_KAFKA_SASL_PASSWORD" in str(caught.value)


def test_an_empty_redis_url_turns_the_serving_view_off():
    assert from_env({"SHIPGUARD_REDIS_URL": ""}).redis_url == ""
    assert from_env({}).redis_url.startswith("redis://")


def test_the_environment_then_a_dot_env_file_then_the_defaults(tmp_path, monkeypatch):
    for name in Settings.model_fields:
        monkeypatch.delenv(f"SHIPGUARD_{name.upper()}", raising=False)
    (tmp_path / ".env").write_text("SHIPGUARD_PARTITIONS=8\nSHIPGUARD_APP_ID=from-file\nOTHER=1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHIPGUARD_APP_ID", "from-env")
    s = from_env()
    assert (s.partitions, s.app_id, s.lateness) == (8, "from-env", "5m")
    assert from_env(app_id="flag").app_id == "flag" and from_env(app_id=None).app_id == "from-env"


def test_overrides_are_checked_too():
    with pytest.raises(SettingsError, match="SHIPGUARD_PARTITIONS"):
        from_env({}).with_overrides(partitions=0)


@pytest.mark.parametrize("command, variable, value", [
    (["topics"], "SHIPGUARD_PARTITIONS", "four"),
    (["worker"], "SHIPGUARD_METRICS_PORT", "x"),
    (["collect", "--timeout", "1", "--output", "v.jsonl"], "SHIPGUARD_LATENESS", "soon"),
    (["produce", "--input", "v.jsonl"], "SHIPGUARD_KAFKA_SECURITY_PROTOCOL", "TLS"),
])
def test_the_cli_says_it_in_one_line_and_exits_2_before_connecting(command, variable, value, tmp_path):
    (tmp_path / "v.jsonl").write_text("")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), variable: value, "SHIPGUARD_BROKER": "kafka://127.0.0.1:1"}
    done = subprocess.run([sys.executable, "-m", "stream.cli", *command], env=env, capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("shipguard: ") and variable in lines[0], done.stderr


def test_the_worker_checks_its_policy_before_it_waits_for_the_broker(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SHIPGUARD_BROKER": "kafka://127.0.0.1:1",
           "SHIPGUARD_METRICS_PORT": "0"}
    done = subprocess.run([sys.executable, "-m", "stream.cli", "worker", "--policy", "nope"], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "nope" in lines[0], done.stderr


def test_version():
    done = subprocess.run([sys.executable, "-m", "stream.cli", "--version"], capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0 and done.stdout.startswith("shipguard "), done.stderr


@pytest.mark.parametrize("command", [
    ["topics", "--wait", "2"],
    ["produce", "--input", "log.jsonl", "--wait", "2"],
    ["collect", "--timeout", "2", "--output", "v.jsonl"],
    ["replay", "--output", "r.json", "--wait", "2"],
    ["explain", "O1", "--wait", "2"],
    ["worker", "--wait", "2", "--metrics-port", "0"],
])
def test_an_unreachable_broker_is_one_line_and_exit_1_within_the_deadline(command, tmp_path):
    (tmp_path / "log.jsonl").write_text("{}\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SHIPGUARD_BROKER": "kafka://127.0.0.1:1"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "stream.cli", *command], env=env, capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and "cannot reach the broker at 127.0.0.1:1" in lines[0], done.stderr
    assert "SHIPGUARD_BROKER" in lines[0] and time.monotonic() - started < 20


def test_query_with_the_serving_view_off_says_so(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SHIPGUARD_REDIS_URL": ""}
    done = subprocess.run([sys.executable, "-m", "stream.cli", "query", "shop", "S1"], env=env, capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "SHIPGUARD_REDIS_URL is empty" in lines[0], done.stderr
