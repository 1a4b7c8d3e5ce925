"""A Faust app with one table, for the changelog recovery test.

`fill N`: sends N source messages; for source k its agent writes keys "k-0".."k-9" = k * 7
in one burst, so Faust's default producer sends multi-record changelog batches, the last
one included. Once all are written and flushed it prints "filled" and waits to be killed. `count`: recovers the table, prints
"count <keys> <sum of values>" and exits; its agent writes nothing."""
from __future__ import annotations

import asyncio
import sys
import tempfile

import faust

from stream.service import faust_compat

BURST = 10


def main(broker: str, app_id: str, mode: str, n: int = 0) -> None:
    faust_compat.install()
    app = faust.App(app_id, broker=broker, store="memory://", topic_partitions=4, web_enabled=False,
                    web_bind="127.0.0.1", web_host="127.0.0.1", autodiscover=False, broker_session_timeout=2.0,
                    broker_heartbeat_interval=0.5, datadir=tempfile.mkdtemp(prefix="filler-"))
    source = app.topic(f"{app_id}-source", partitions=4, key_type=str, value_type=int)
    table = app.Table("filled", default=int, partitions=4)
    written = asyncio.Event()

    @app.agent(source)
    async def fill(stream):
        async for key, value in stream.items():
            if mode == "fill":
                for i in range(BURST):
                    table[f"{key}-{i}"] = value
                if len(table) == n * BURST:
                    written.set()

    @app.task
    async def run():
        await faust_compat.recovered(app).wait()
        if mode == "fill":
            for k in range(n):
                await source.send(key=str(k), value=k * 7)
            await written.wait()
            await app.producer.flush()
            print("filled", flush=True)
        else:
            print(f"count {len(table)} {sum(table.values())}", flush=True)
            await app.stop()

    faust.Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], *(int(a) for a in sys.argv[4:]))
