"""SHIPGUARD_KAFKA_* settings reach every Kafka client with the right arguments; no secret leaks.
No SASL broker is needed: the clients are built (or faked) and their arguments read back."""
from __future__ import annotations

import shutil
import ssl
import subprocess

import pytest

from stream import kafka_security
from stream.kafka_security import SecurityConfigError, faust_credentials, kafka_python_config
from stream.settings import from_env

PASSWORD = "s3cret-PASSWORD-value"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """A self-signed CA certificate and key, made with the openssl command line."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the openssl command is needed to make a test certificate (apt-get install openssl)", pytrace=False)
    d = tmp_path_factory.mktemp("certs")
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")], check=True, capture_output=True)
    return d


def env(**values) -> dict:
    return {f"SHIPGUARD_KAFKA_{k.upper()}": v for k, v in values.items()}


SASL_SSL = dict(security_protocol="sasl_ssl", sasl_mechanism="SCRAM-SHA-512", sasl_username="sg", sasl_password=PASSWORD)


def test_plaintext_by_default_changes_nothing():
    s = from_env({})
    assert kafka_python_config(s) == {}
    assert faust_credentials(s) is None


def test_sasl_ssl_maps_to_kafka_python(certs):
    s = from_env(env(**SASL_SSL, ssl_cafile=str(certs / "cert.pem")))
    assert kafka_python_config(s) == {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "sg",
        "sasl_plain_password": PASSWORD, "ssl_check_hostname": True, "ssl_cafile": str(certs / "cert.pem")}


def test_sasl_ssl_maps_to_faust_and_aiokafka(certs):
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    from stream.service.app import make_faust

    s = from_env(env(**SASL_SSL, ssl_cafile=str(certs / "cert.pem")))
    app = make_faust(s)
    auth = credentials_to_aiokafka_auth(app.conf.broker_credentials)   # what Faust hands aiokafka
    assert auth["security_protocol"] == "SASL_SSL"
    assert auth["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (auth["sasl_plain_username"], auth["sasl_plain_password"]) == ("sg", PASSWORD)
    context = auth["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert PASSWORD not in repr(app.conf.broker_credentials)


def test_sasl_plaintext_has_no_tls():
    s = from_env(env(security_protocol="SASL_PLAINTEXT", sasl_username="sg", sasl_password=PASSWORD))
    creds = faust_credentials(s)
    assert creds.protocol.value == "SASL_PLAINTEXT" and creds.mechanism.value == "PLAIN"
    assert creds.ssl_context is None
    assert "ssl_cafile" not in kafka_python_config(s)


def test_mutual_tls(certs):
    s = from_env(env(security_protocol="SSL", ssl_cafile=str(certs / "cert.pem"),
                     ssl_certfile=str(certs / "cert.pem"), ssl_keyfile=str(certs / "key.pem")))
    config = kafka_python_config(s)
    assert config["security_protocol"] == "SSL" and "sasl_mechanism" not in config
    assert (config["ssl_certfile"], config["ssl_keyfile"]) == (str(certs / "cert.pem"), str(certs / "key.pem"))
    creds = faust_credentials(s)
    assert creds.protocol.value == "SSL" and isinstance(creds.context, ssl.SSLContext)


@pytest.mark.parametrize("values, says", [
    (dict(security_protocol="SASL_TLS"), "SHIPGUARD_KAFKA_SECURITY_PROTOCOL"),
    (dict(security_protocol="SASL_SSL", sasl_mechanism="GSSAPI", sasl_username="u", sasl_password=PASSWORD),
     "SHIPGUARD_KAFKA_SASL_MECHANISM"),
    (dict(security_protocol="SASL_SSL", sasl_username="u"), "SHIPGUARD_KAFKA_SASL_PASSWORD"),
    (dict(security_protocol="SSL", ssl_certfile="/c.pem"), "SHIPGUARD_KAFKA_SSL_KEYFILE"),
])
def test_unusable_settings_fail_by_name_never_showing_the_password(values, says):
    with pytest.raises(SecurityConfigError, match=says) as raised:
        kafka_python_config(from_env(env(**values)))
    assert PASSWORD not in str(raised.value)


def test_secrets_stay_out_of_the_settings_repr():
    s = from_env(env(**SASL_SSL, ssl_key_password="key-" + PASSWORD))
    assert PASSWORD not in repr(s) and "sg" in repr(s)


def test_every_kafka_python_client_takes_the_environment(monkeypatch):
    """kafka_read (collect, replay, the published tail), produce and the broker probe."""
    from stream import broker_wait, kafka_read, produce

    for key, value in env(security_protocol="SASL_PLAINTEXT", sasl_username="sg", sasl_password=PASSWORD).items():
        monkeypatch.setenv(key, value)
    seen = []

    class Fake:
        def __init__(self, *args, **kwargs):
            seen.append(kwargs)

        def list_topics(self):
            return []

        def close(self):
            pass

    monkeypatch.setattr(kafka_read, "KafkaConsumer", Fake)
    monkeypatch.setattr("kafka.KafkaProducer", Fake)
    monkeypatch.setattr("kafka.KafkaAdminClient", Fake)
    monkeypatch.setattr(broker_wait, "_listening", lambda bootstrap: True)
    kafka_read.consumer("127.0.0.1:1")
    produce.make_producer("127.0.0.1:1")
    broker_wait.wait_for_broker("127.0.0.1:1")
    assert len(seen) == 3
    for kwargs in seen:
        assert kwargs["security_protocol"] == "SASL_PLAINTEXT"
        assert (kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == ("sg", PASSWORD)


def test_worker_refuses_bad_security_settings_in_one_line(monkeypatch):
    from typer.testing import CliRunner

    from stream.cli import build_app

    monkeypatch.setenv("SHIPGUARD_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("SHIPGUARD_KAFKA_SASL_USERNAME", "sg")
    result = CliRunner().invoke(build_app(), ["worker"])
    assert result.exit_code == 2
    assert "SHIPGUARD_KAFKA_SASL_PASSWORD" in result.output


def test_redis_password_and_tls_ride_in_the_url():
    """stream/serving.py's connect: rediss:// turns TLS on; user, password and CA file come from the URL."""
    import redis

    from stream.serving import connect

    client = connect(f"rediss://shipguard:{PASSWORD}@redis.example:6380/2?ssl_ca_certs=/etc/ca.pem")
    pool = client.connection_pool
    assert issubclass(pool.connection_class, redis.SSLConnection)
    kwargs = pool.connection_kwargs
    assert (kwargs["username"], kwargs["password"], kwargs["db"]) == ("shipguard", PASSWORD, 2)
    assert kwargs["ssl_ca_certs"] == "/etc/ca.pem"
    assert PASSWORD not in repr(client)


def test_protocol_names_are_kafkas():
    assert kafka_security.PROTOCOLS == ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
