"""`shipguard topics`: create the topics a worker group needs on a configured broker
(docker-compose's and Kubernetes' one-shot job). Existing topics are left alone."""
from __future__ import annotations

from ..settings import Settings
from ..service.topology import topic_specs


def wanted(settings: Settings):
    """Every topic of the worker group, table changelogs included (compacted), from the topology."""
    from ..policies import load_policy
    from ..service.wiring import table_names
    return topic_specs(settings.app_id, settings.partitions, tuple(table_names(load_policy(settings.policy))))


def create_all(settings: Settings) -> list[str]:
    """On a broker already reached (the CLI waits for it within `--wait`)."""
    from ..topic_admin import create_specs
    from ..kafka_security import kafka_python_config

    security = kafka_python_config(settings)
    return create_specs(settings.bootstrap, wanted(settings), replication=settings.replication_factor,
                        security=security)
