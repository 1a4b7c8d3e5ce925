"""`shipguard topics`: create the topics a worker group needs on a configured broker
(docker-compose's and Kubernetes' one-shot job). Existing topics are left alone."""
from __future__ import annotations

from .settings import Settings
from .service.topics import INPUT_TOPICS, OUTPUT_TOPICS, UPSTREAM, progress_topic, stage_topic


def wanted(settings: Settings) -> tuple[list[str], str]:
    """The topics of `settings.partitions` partitions, and the one-partition progress topic."""
    return ([*INPUT_TOPICS, *OUTPUT_TOPICS, *(stage_topic(settings.app_id, s) for s in UPSTREAM)],
            progress_topic(settings.app_id))


def create_all(settings: Settings) -> list[str]:
    from .broker_wait import wait_for_broker
    from .embedded import create_topics
    from .kafka_security import kafka_python_config

    security = kafka_python_config(settings)
    wait_for_broker(settings.bootstrap, security=security)
    names, progress = wanted(settings)
    options = dict(replication=settings.replication_factor, security=security)
    create_topics(settings.bootstrap, names, settings.partitions, **options)
    create_topics(settings.bootstrap, [progress], 1, **options)   # one partition, as the app declares it
    return [*names, progress]
