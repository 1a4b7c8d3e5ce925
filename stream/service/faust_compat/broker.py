"""How the worker's clients meet the broker: the app's fetch wait, spaced reconnects, and
recovery read to the true end of each changelog."""
from __future__ import annotations

from aiokafka.client import AIOKafkaClient, ConnectionGroup
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread, credentials_to_aiokafka_auth, server_list

from .. import reconnect
from ..true_end import true_ends


def _fetch_wait_from_app() -> None:
    """Faust hard-codes fetch_max_wait_ms=1500 for the worker's consumer; an app that sets
    `fetch_max_wait_ms` (create_app, from the settings) gets its own."""
    create = AIOKafkaConsumerThread._create_worker_consumer

    def create_worker_consumer(self, transport):
        consumer = create(self, transport)
        wait = getattr(self.app, "fetch_max_wait_ms", None)
        if wait is not None:
            consumer._fetch_max_wait_ms = wait     # read by aiokafka when start() builds its Fetcher
        return consumer
    AIOKafkaConsumerThread._create_worker_consumer = create_worker_consumer


def _reconnect_backoff() -> None:
    """aiokafka's client connects again at every request while a broker is down: ~110 error
    lines/s and 9 % of a core with the broker killed (issue 12). Each new connection goes through
    reconnect.py, which spaces the tries 1 s to 30 s apart; a connection already up is untouched."""
    get_conn = AIOKafkaClient._get_conn

    async def spaced_get_conn(self, node_id, *, group=ConnectionGroup.DEFAULT, no_hint=False):
        def now():
            return get_conn(self, node_id, group=group, no_hint=no_hint)
        conn = self._conns.get((node_id, group))
        broker = None if conn is not None and conn.connected() else self.cluster.broker_metadata(node_id)
        if broker is None:                         # up, or unknown to the metadata: aiokafka's answer
            return await now()
        return await reconnect.connect(reconnect.BROKERS, f"{broker.host}:{broker.port}", now)
    AIOKafkaClient._get_conn = spaced_get_conn
    reconnect.quiet_aiokafka()


async def _build_highwaters(self, consumer, tps, destination, title) -> None:
    """Faust's `Recovery._build_highwaters`, reading to the true end of each changelog.

    Faust trusts ListOffsets(LATEST); Tansu answers the base offset of the newest batch + 1,
    so recovery stopped early and lost the last updates of batched changelogs (998 of 1 000
    seen). The fetch response's high watermark is right on Tansu and on Kafka alike."""
    answers = await consumer.highwaters(*tps)
    app, conf = self.app, self.app.conf
    ends = await true_ends(answers, server_list(app.transport.url, app.transport.default_port),
                           credentials_to_aiokafka_auth(conf.broker_credentials, conf.ssl_context),
                           timeout=conf.broker_request_timeout)
    highwaters = {tp: value - 1 if value is not None else -1 for tp, value in ends.items()}
    self.log.info("Highwater for %s changelog partitions: %s", title,
                  ", ".join(f"{tp.topic}/{tp.partition}={v}" for tp, v in sorted(highwaters.items())))
    destination.clear()
    destination.update(highwaters)
