"""Settings of the streaming service, typed and checked by pydantic-settings: each field is the
SHIPGUARD_<FIELD> variable of the environment or of a `.env` file in the working directory,
most also a CLI flag. A bad value is one line naming the variable (SettingsError), before
anything connects anywhere; passwords are SecretStr, so no repr or log line shows them."""
from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from detectors.timeparse import parse_duration

PREFIX = "SHIPGUARD_"
ENV_FILE = ".env"


def _env_names() -> dict[str, str]:
    return {name: f"{PREFIX}{name.upper()}" for name in Settings.model_fields}


class SettingsError(ValueError):
    """A setting's value is unusable: the message names its variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, env_file=ENV_FILE, extra="ignore", frozen=True,
                                      validate_default=True)

    broker: str = "kafka://127.0.0.1:9092"
    redis_url: str = "redis://127.0.0.1:6379/0"   # "" turns the serving view off
    partitions: int = Field(4, ge=1)
    lateness: str = "5m"
    policy: str = "seed-v1"
    metrics_port: int = Field(9464, ge=0, le=65535)   # 0 turns the metrics endpoint off
    metrics_host: str = "127.0.0.1"               # loopback unless told otherwise
    store: str = "memory://"
    app_id: str = Field("shipguard", min_length=1)
    idle_seconds: float = Field(5.0, gt=0)        # wall seconds of quiet before the lateness window closes
    session_timeout: float = Field(10.0, gt=0)
    # How long the broker may hold a fetch that finds nothing. Faust fixes it at 1 500 ms, and Tansu
    # holds a fetch about a third of that even when records arrive meanwhile: ~0.5 s per stage hop.
    fetch_max_wait_ms: int = Field(100, ge=0)
    # How much the consumer prefetches per partition, and so how far a stage's marks can queue behind
    # platform records already fetched (seen at Faust's 1 MiB: marks 5 s late in a backlog, and the
    # quiet-partition watchdog seeking partitions whose records sat in the fetch buffer).
    fetch_partition_bytes: int = Field(131_072, ge=1024)
    data_dir: str = ""
    feed_topics: str = ""                         # "kuaidi100:TOPIC,sf:TOPIC": raw feeds to convert (feed_agent.py)
    replication_factor: int = Field(1, ge=1)      # of the topics Faust and `shipguard topics` create
    # Warm copies of other workers' tables, for a faster hand-over. Faust's default, 1, had each worker
    # read every other worker's changelogs: two workers spent 1.5x one's CPU per message (BENCHMARKS.md).
    standby_replicas: int = Field(0, ge=0)
    # Kafka security (stream/kafka_security.py checks how they combine): environment only, never a flag
    kafka_security_protocol: str = "PLAINTEXT"    # PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
    kafka_sasl_mechanism: str = "PLAIN"           # PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")
    kafka_ssl_cafile: str = ""
    kafka_ssl_certfile: str = ""                  # client certificate (mutual TLS), with its key file
    kafka_ssl_keyfile: str = ""
    kafka_ssl_key_password: SecretStr = SecretStr("")

    @field_validator("lateness")
    @classmethod
    def _a_duration(cls, value: str) -> str:
        parse_duration(value)                     # ValueError: "5 minutes" is not a duration
        return value

    @field_validator("store")
    @classmethod
    def _a_store(cls, value: str) -> str:
        if not value.startswith(("memory://", "rocksdb://")):
            raise ValueError("a table store is memory:// or rocksdb://")
        return value

    @property
    def lateness_ms(self) -> int:
        return parse_duration(self.lateness)

    @property
    def bootstrap(self) -> str:
        return self.broker.split("://", 1)[-1]

    def with_overrides(self, **values) -> "Settings":
        return checked(lambda: Settings.model_validate({**self.model_dump(), **_given(values)}))


def from_env(environ: Mapping[str, str] | None = None, **overrides) -> Settings:
    """The environment's settings (and the .env file's), then the given overrides (None: not given).
    `environ`: read this mapping instead of the process's environment and .env file."""
    given = _given(overrides)
    if environ is None:
        return checked(lambda: Settings(**given))
    names = {env: name for name, env in ENV.items()}
    values = {names[k]: v for k, v in environ.items() if k in names}
    return checked(lambda: Settings.model_validate({**values, **given}))


def checked(build) -> Settings:
    try:
        return build()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "?"
        hidden = "password" in name or "input" not in error
        shown = "" if hidden else f" (got {error['input']!r})"
        raise SettingsError(f"{error['msg'].removeprefix('Value error, ')}{shown} ({PREFIX}{name.upper()})") from None


def _given(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def secret(value: SecretStr | str) -> str:
    """A password's text, for the one client call that needs it."""
    return value.get_secret_value() if isinstance(value, SecretStr) else value




ENV = _env_names()           # field -> its variable, for the docs and deploy files' checks
