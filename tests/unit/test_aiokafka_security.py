"""The audit replay reads with aiokafka: SHIPGUARD_KAFKA_* reach its consumer too, secrets unprinted."""
from __future__ import annotations

import ssl

from stream.kafka_security import aiokafka_config
from stream.settings import from_env

PASSWORD = "s3cret-PASSWORD-value"


def env(**values) -> dict:
    return {f"SHIPGUARD_KAFKA_{k.upper()}": v for k, v in values.items()}


def test_plaintext_gives_aiokafka_nothing():
    assert aiokafka_config(from_env({})) == {}


def test_sasl_plaintext_maps_to_aiokafka_without_tls():
    config = aiokafka_config(from_env(env(security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-256",
                                          sasl_username="sg", sasl_password=PASSWORD)))
    assert config == {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-256",
                      "sasl_plain_username": "sg", "sasl_plain_password": PASSWORD}


def test_sasl_ssl_gives_aiokafka_a_checking_context():
    config = aiokafka_config(from_env(env(security_protocol="sasl_ssl", sasl_username="sg", sasl_password=PASSWORD)))
    assert config["security_protocol"] == "SASL_SSL" and config["sasl_mechanism"] == "PLAIN"
    context = config["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_the_replay_consumer_takes_the_environment(monkeypatch):
    from stream import aio_read

    for key, value in env(security_protocol="SASL_PLAINTEXT", sasl_username="sg", sasl_password=PASSWORD).items():
        monkeypatch.setenv(key, value)
    seen = []
    monkeypatch.setattr(aio_read, "AIOKafkaConsumer", lambda **kwargs: seen.append(kwargs))
    aio_read.consumer("127.0.0.1:1")
    assert seen[0]["group_id"] is None and seen[0]["enable_auto_commit"] is False
    assert (seen[0]["sasl_plain_username"], seen[0]["sasl_plain_password"]) == ("sg", PASSWORD)
