"""The stream bench's yardstick: a bare Faust agent on the same broker that only takes the
input in batches (`take_events`) and decodes it. Run as a subprocess:
    python -m stream.tools.bench_bare BROKER_URL APP_ID N OUT.json
It writes {"per_s": …} to OUT once it has taken N messages (from its first one), then waits
to be stopped."""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time

import faust
import orjson

from ..service.topology import INPUT_TOPICS


def main(broker: str, app_id: str, n: int, out: str) -> None:
    app = faust.App(app_id, broker=broker, topic_partitions=4, web_enabled=False, web_bind="127.0.0.1",
                    web_host="127.0.0.1", autodiscover=False, broker_session_timeout=2.0,
                    broker_heartbeat_interval=0.5, consumer_auto_offset_reset="earliest",
                    datadir=tempfile.mkdtemp(prefix="bench-bare-"))
    topic = app.topic(*INPUT_TOPICS, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
    seen = {"n": 0, "first": None, "reported": False}

    @app.agent(topic)
    async def bare(stream):
        async for events in stream.take_events(1000, within=0.2):
            seen["first"] = seen["first"] or time.monotonic()
            for event in events:
                try:
                    orjson.loads(event.value)
                except orjson.JSONDecodeError:       # the generator's hostile lines
                    pass
            seen["n"] += len(events)
            if seen["n"] >= n and not seen["reported"]:
                seen["reported"] = True
                rate = seen["n"] / max(1e-3, time.monotonic() - seen["first"])
                with open(out + ".part", "w") as f:
                    json.dump({"per_s": rate, "messages": seen["n"]}, f)
                os.replace(out + ".part", out)

    faust.Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
