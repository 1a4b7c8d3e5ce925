"""Kafka SASL/TLS settings (SHIPGUARD_KAFKA_*) mapped onto each client shipguard makes.

    faust.App(..., broker_credentials=faust_credentials(settings))     # the worker
    KafkaConsumer(..., **kafka_python_config(settings))                # produce, collect, replay, admin

Protocols are Kafka's: PLAINTEXT (the default), SSL, SASL_PLAINTEXT, SASL_SSL.
SASL mechanisms: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512. With SSL or SASL_SSL the
broker's certificate is checked against SHIPGUARD_KAFKA_SSL_CAFILE (else the
system's CAs); a client certificate and key give mutual TLS. Passwords only ever
reach the client objects: never a log line, a repr or an error message.
"""
from __future__ import annotations

import ssl

from .settings import Settings, from_env, secret

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


class SecurityConfigError(ValueError):
    """A SHIPGUARD_KAFKA_* setting that cannot work; the message names the variable, never a secret."""


def check(s: Settings) -> None:
    protocol = s.kafka_security_protocol.upper()
    if protocol not in PROTOCOLS:
        raise SecurityConfigError(f"SHIPGUARD_KAFKA_SECURITY_PROTOCOL must be one of {', '.join(PROTOCOLS)}, "
                                  f"not {s.kafka_security_protocol!r}")
    if protocol.startswith("SASL_"):
        if s.kafka_sasl_mechanism.upper() not in MECHANISMS:
            raise SecurityConfigError(f"SHIPGUARD_KAFKA_SASL_MECHANISM must be one of {', '.join(MECHANISMS)}, "
                                      f"not {s.kafka_sasl_mechanism!r}")
        if not s.kafka_sasl_username or not secret(s.kafka_sasl_password):
            raise SecurityConfigError(f"{protocol} needs SHIPGUARD_KAFKA_SASL_USERNAME and SHIPGUARD_KAFKA_SASL_PASSWORD")
    if bool(s.kafka_ssl_certfile) != bool(s.kafka_ssl_keyfile):
        raise SecurityConfigError("SHIPGUARD_KAFKA_SSL_CERTFILE and SHIPGUARD_KAFKA_SSL_KEYFILE go together")


def uses_tls(s: Settings) -> bool:
    return s.kafka_security_protocol.upper() in ("SSL", "SASL_SSL")


def uses_sasl(s: Settings) -> bool:
    return s.kafka_security_protocol.upper().startswith("SASL_")


def ssl_context(s: Settings) -> ssl.SSLContext | None:
    """The TLS context for aiokafka (Faust); None without TLS. Hostnames are checked."""
    if not uses_tls(s):
        return None
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=s.kafka_ssl_cafile or None)
    if s.kafka_ssl_certfile:
        context.load_cert_chain(s.kafka_ssl_certfile, s.kafka_ssl_keyfile, secret(s.kafka_ssl_key_password) or None)
    return context


def faust_credentials(s: Settings):
    """Faust's `broker_credentials`: None for PLAINTEXT."""
    import faust

    check(s)
    if uses_sasl(s):
        return faust.SASLCredentials(username=s.kafka_sasl_username, password=secret(s.kafka_sasl_password),
                                     mechanism=s.kafka_sasl_mechanism.upper(), ssl_context=ssl_context(s))
    if uses_tls(s):
        return faust.SSLCredentials(ssl_context(s))
    return None


def kafka_python_config(s: Settings | None = None) -> dict:
    """Keyword arguments for kafka-python's consumer, producer and admin client: the given
    settings, else the environment's. Empty for PLAINTEXT, so nothing changes there."""
    s = s if s is not None else from_env()
    config = _base_config(s)
    if not config:
        return {}
    if uses_tls(s):
        config["ssl_check_hostname"] = True
        if s.kafka_ssl_cafile:
            config["ssl_cafile"] = s.kafka_ssl_cafile
        if s.kafka_ssl_certfile:
            config.update(ssl_certfile=s.kafka_ssl_certfile, ssl_keyfile=s.kafka_ssl_keyfile)
        if secret(s.kafka_ssl_key_password):
            config["ssl_password"] = secret(s.kafka_ssl_key_password)
    return config


def aiokafka_config(s: Settings | None = None) -> dict:
    """Keyword arguments for aiokafka's consumer (the audit replay): the given settings, else
    the environment's. Empty for PLAINTEXT, as kafka_python_config."""
    s = s if s is not None else from_env()
    config = _base_config(s)
    if not config:
        return {}
    if uses_tls(s):
        config["ssl_context"] = ssl_context(s)
    return config


def _base_config(s: Settings) -> dict:
    """What both clients take alike: the protocol and SASL; empty for PLAINTEXT."""
    check(s)
    protocol = s.kafka_security_protocol.upper()
    if protocol == "PLAINTEXT":
        return {}
    config: dict = {"security_protocol": protocol}
    if uses_sasl(s):
        config.update(_sasl_args(s))
    return config


def _sasl_args(s: Settings) -> dict:
    """The SASL arguments kafka-python and aiokafka name alike."""
    return {"sasl_mechanism": s.kafka_sasl_mechanism.upper(), "sasl_plain_username": s.kafka_sasl_username,
            "sasl_plain_password": secret(s.kafka_sasl_password)}
