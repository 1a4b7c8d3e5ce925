"""Settings of the streaming service: each from the environment, each also a CLI flag."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace

from detectors.timeparse import parse_duration

ENV = {
    "broker": "SHIPGUARD_BROKER", "redis_url": "SHIPGUARD_REDIS_URL", "partitions": "SHIPGUARD_PARTITIONS",
    "lateness": "SHIPGUARD_LATENESS", "policy": "SHIPGUARD_POLICY", "metrics_port": "SHIPGUARD_METRICS_PORT",
    "store": "SHIPGUARD_STORE", "app_id": "SHIPGUARD_APP_ID", "idle_seconds": "SHIPGUARD_IDLE_SECONDS",
    "session_timeout": "SHIPGUARD_SESSION_TIMEOUT", "fetch_max_wait_ms": "SHIPGUARD_FETCH_MAX_WAIT_MS",
    "fetch_partition_bytes": "SHIPGUARD_FETCH_PARTITION_BYTES",
    "metrics_host": "SHIPGUARD_METRICS_HOST", "data_dir": "SHIPGUARD_DATA_DIR",
    "feed_topics": "SHIPGUARD_FEED_TOPICS",
    "replication_factor": "SHIPGUARD_REPLICATION_FACTOR", "standby_replicas": "SHIPGUARD_STANDBY_REPLICAS",
    # Kafka security (stream/kafka_security.py): environment only, never a flag (ps shows flags)
    "kafka_security_protocol": "SHIPGUARD_KAFKA_SECURITY_PROTOCOL",
    "kafka_sasl_mechanism": "SHIPGUARD_KAFKA_SASL_MECHANISM",
    "kafka_sasl_username": "SHIPGUARD_KAFKA_SASL_USERNAME", "kafka_sasl_password": "SHIPGUARD_KAFKA_SASL_PASSWORD",
    "kafka_ssl_cafile": "SHIPGUARD_KAFKA_SSL_CAFILE", "kafka_ssl_certfile": "SHIPGUARD_KAFKA_SSL_CERTFILE",
    "kafka_ssl_keyfile": "SHIPGUARD_KAFKA_SSL_KEYFILE", "kafka_ssl_key_password": "SHIPGUARD_KAFKA_SSL_KEY_PASSWORD",
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
    # How long the broker may hold a fetch that finds nothing. Faust fixes it at 1 500 ms, and Tansu
    # holds a fetch about a third of that even when records arrive meanwhile: ~0.5 s per stage hop.
    fetch_max_wait_ms: int = 100
    # How much the consumer prefetches per partition, and so how far a stage's marks can queue behind
    # platform records already fetched (seen at Faust's 1 MiB: marks 5 s late in a backlog, and the
    # quiet-partition watchdog seeking partitions whose records sat in the fetch buffer).
    fetch_partition_bytes: int = 131_072
    data_dir: str = ""
    feed_topics: str = ""                         # "kuaidi100:TOPIC,sf:TOPIC": raw feeds to convert (feed_agent.py)
    replication_factor: int = 1                   # of the topics Faust and `shipguard topics` create
    # Warm copies of other workers' tables, for a faster hand-over. Faust's default, 1, had each worker
    # read every other worker's changelogs: two workers spent 1.5x one's CPU per message (BENCHMARKS.md).
    standby_replicas: int = 0
    kafka_security_protocol: str = "PLAINTEXT"    # PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
    kafka_sasl_mechanism: str = "PLAIN"           # PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
    kafka_sasl_username: str = ""
    kafka_sasl_password: str = field(default="", repr=False)     # secrets stay out of any repr or log line
    kafka_ssl_cafile: str = ""
    kafka_ssl_certfile: str = ""                  # client certificate (mutual TLS), with its key file
    kafka_ssl_keyfile: str = ""
    kafka_ssl_key_password: str = field(default="", repr=False)

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
