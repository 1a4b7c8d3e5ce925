"""Settings of the streaming service: each from the environment, each also a CLI flag."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

from detectors.timeparse import parse_duration

ENV = {
    "broker": "SHIPGUARD_BROKER", "redis_url": "SHIPGUARD_REDIS_URL", "partitions": "SHIPGUARD_PARTITIONS",
    "lateness": "SHIPGUARD_LATENESS", "policy": "SHIPGUARD_POLICY", "metrics_port": "SHIPGUARD_METRICS_PORT",
    "store": "SHIPGUARD_STORE", "app_id": "SHIPGUARD_APP_ID", "idle_seconds": "SHIPGUARD_IDLE_SECONDS",
    "session_timeout": "SHIPGUARD_SESSION_TIMEOUT", "producer_batch": "SHIPGUARD_PRODUCER_BATCH",
    "metrics_host": "SHIPGUARD_METRICS_HOST", "data_dir": "SHIPGUARD_DATA_DIR",
}


CONVERT = {"int": int, "float": float}


@dataclass(frozen=True)
class Settings:
    broker: str = "kafka://127.0.0.1:9092"
    redis_url: str = "redis://127.0.0.1:6379/0"   # "" turns the serving view off
    partitions: int = 4
    lateness: str = "5m"
    policy: str = "seed-v1"
    metrics_port: int = 9464                      # 0 turns the metrics endpoint off
    metrics_host: str = "127.0.0.1"               # loopback unless told otherwise
    store: str = "memory://"
    app_id: str = "shipguard"
    idle_seconds: float = 5.0                     # wall seconds of quiet before the lateness window closes
    session_timeout: float = 10.0
    producer_batch: int = 0                       # 1 on Tansu: its ListOffsets bug loses batched changelog tails
    data_dir: str = ""

    @property
    def lateness_ms(self) -> int:
        return parse_duration(self.lateness)

    @property
    def bootstrap(self) -> str:
        return self.broker.split("://", 1)[-1]

    def with_overrides(self, **values) -> "Settings":
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def from_env(environ=os.environ, **overrides) -> Settings:
    values = {}
    for f in fields(Settings):
        raw = environ.get(ENV[f.name])
        if raw is not None and raw != "":
            values[f.name] = CONVERT.get(f.type, str)(raw)
    return Settings(**values).with_overrides(**overrides)
