"""A worker with the production defaults, against Tansu, with its topics made by `shipguard topics`,
decides what the offline run decides: no SHIPGUARD_PRODUCER_BATCH, no short session timeout."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .deployment import Deployment
from .observe import offline

pytestmark = pytest.mark.integration


def test_production_defaults_collect_the_offline_bytes(log, tmp_path, redis_url):
    path, as_of = log
    d = Deployment(tmp_path, redis_url, create_topics=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIPGUARD_")}
    env.update(SHIPGUARD_BROKER=d.broker.url, SHIPGUARD_APP_ID=d.app_id, SHIPGUARD_REDIS_URL=redis_url,
               SHIPGUARD_METRICS_PORT="0")     # every other setting at its default
    try:
        made = subprocess.run([sys.executable, "-m", "stream.cli", "topics"], env=env, capture_output=True,
                              text=True, timeout=120)
        assert made.returncode == 0, made.stderr
        d.produce(path)
        with open(tmp_path / "worker-0.log", "ab") as out:
            d.workers.append(subprocess.Popen([sys.executable, "-m", "stream.cli", "worker", "--loglevel", "INFO"],
                                              env=env, stdout=out, stderr=subprocess.STDOUT,
                                              stdin=subprocess.DEVNULL))
        collected = tmp_path / "collected.jsonl"
        info = d.collect(collected, as_of)
        expected, _ = offline(path, int(as_of))
        assert expected.count(b"\n") >= 10
        assert collected.read_bytes() == expected, info
        assert "0 duplicate ids" in info
    finally:
        d.close()
