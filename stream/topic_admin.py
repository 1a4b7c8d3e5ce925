"""Create topics on a broker, the embedded one or a configured one (`shipguard topics`)."""
from __future__ import annotations

from contextlib import closing
from typing import Iterable


def create_specs(bootstrap: str, specs, replication: int = 1, security: dict | None = None) -> list[str]:
    """Create the topics of topology.topic_specs, each with its own partition count."""
    for partitions in sorted({s.partitions for s in specs}):
        same = [s for s in specs if s.partitions == partitions]
        create_topics(bootstrap, [s.name for s in same if not s.compacted], partitions,
                      compacted=[s.name for s in same if s.compacted], replication=replication, security=security)
    return [s.name for s in specs]


def create_topics(bootstrap: str, names: Iterable[str], partitions: int, compacted: Iterable[str] = (),
                  replication: int = 1, security: dict | None = None) -> None:
    """Create topics, ignoring those that already exist (whatever their partition count).
    security: kafka-python SASL/TLS arguments for a configured broker (`shipguard topics`)."""
    from kafka import KafkaAdminClient
    from kafka.errors import for_code
    compacted = set(compacted)
    wanted = list(dict.fromkeys([*names, *compacted]))
    spec = {n: {"num_partitions": partitions, "replication_factor": replication,
                **({"configs": {"cleanup.policy": "compact"}} if n in compacted else {})} for n in wanted}
    client = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="shipguard-admin", **(security or {}))
    with closing(client) as admin:
        for topic in admin.create_topics(spec, raise_errors=False).get("topics", []):
            if topic["error_code"] not in (0, 36):  # 36: TOPIC_ALREADY_EXISTS
                raise for_code(topic["error_code"])(f"create topic {topic['name']}: {topic.get('error_message')}")
        if hasattr(admin, "wait_for_topics"):
            admin.wait_for_topics(wanted)
