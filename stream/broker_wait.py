"""A worker started before its broker waits for it, saying so, instead of exiting; a command
waits as long as its deadline, then says in one line which broker it could not reach."""
from __future__ import annotations

import logging
import socket
import time
from contextlib import closing

log = logging.getLogger("shipguard")


class BrokerUnreachable(RuntimeError):
    """No metadata round trip with the broker within the deadline."""


def _listening(bootstrap: str) -> bool:
    for address in bootstrap.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=2):
                return True
        except (OSError, ValueError):
            continue
    return False


def wait_for_broker(bootstrap: str, interval: float = 2.0, sleep=time.sleep, security: dict | None = None,
                    deadline: float | None = None, clock=time.monotonic) -> int:
    """Until a metadata round trip succeeds; returns how many attempts failed. A TCP
    connect comes first: kafka-python's client alone would back off for minutes.
    security: kafka-python SASL/TLS arguments (stream/kafka_security.py), the environment's by default.
    deadline: seconds to keep trying before BrokerUnreachable (None: for ever)."""
    from kafka import KafkaAdminClient

    from .kafka_security import kafka_python_config
    security = security if security is not None else kafka_python_config()
    failed = 0
    give_up = None if deadline is None else clock() + deadline
    while True:
        try:
            if not _listening(bootstrap):
                raise ConnectionRefusedError("nothing listens there")
            with closing(KafkaAdminClient(bootstrap_servers=bootstrap, client_id="shipguard-probe",
                                          request_timeout_ms=3000, **security)) as admin:
                admin.list_topics()
            if failed:
                log.warning("broker %s reachable after %d failed attempts; starting", bootstrap, failed)
            return failed
        except Exception as exc:          # any failure to reach it: wait and ask again
            failed += 1
            if give_up is not None and clock() + interval > give_up:
                raise BrokerUnreachable(f"cannot reach the broker at {bootstrap} within {deadline:g} s "
                                        f"({type(exc).__name__})") from None
            if give_up is None and (failed == 1 or failed % 15 == 0):   # a command's failure is its one line
                log.warning("broker %s unreachable (%s); retrying every %.0f s", bootstrap,
                            type(exc).__name__, interval)
            sleep(interval)


def wait_for_topics(bootstrap: str, names: tuple[str, ...], security: dict, interval: float = 2.0,
                    most: float = 60.0, sleep=time.sleep) -> int:
    """Until every topic in `names` exists; returns how many checks found some missing. A worker
    whose input topics are missing waits rather than exits: in Kubernetes the topics job may still
    be running, and an exit would only restart it. It says which are missing, once and then at most
    every minute, waiting twice as long each time up to `most` seconds."""
    from kafka import KafkaAdminClient

    missing_checks, wait, waited = 0, interval, 0.0
    said: float | None = None             # when (in seconds waited) the missing topics were last named
    while True:
        with closing(KafkaAdminClient(bootstrap_servers=bootstrap, client_id="shipguard-probe",
                                      request_timeout_ms=3000, **security)) as admin:
            missing = sorted(set(names) - set(admin.list_topics()))
        if not missing:
            if missing_checks:
                log.warning("topics %s exist now; starting", ", ".join(names))
            return missing_checks
        missing_checks += 1
        if said is None or waited - said >= 60.0:
            log.warning("waiting for topics %s on %s: create them with `shipguard topics` (checking again in %.0f s)",
                        ", ".join(missing), bootstrap, wait)
            said = waited
        sleep(wait)
        waited += wait
        wait = min(most, wait * 2)
