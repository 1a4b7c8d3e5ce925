"""Resident memory per tracked parcel: N parcel states, encoded as the parcel
table holds them, put into the store a worker would use -- a dict of bytes
(Faust's memory store) or one RocksDB per partition opened with the options
the worker gives Faust's rocksdb store. Each store is measured in a fresh
process, so nothing else in it moves the figure."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zlib

PARTITIONS = 4


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def sample_states(n: int = 2000) -> list[bytes]:
    """Parcel states of a generated log, as the stream's parcel table stores them."""
    from detectors.messages import PARCEL

    from .bench import log_lines, records
    from ..service.codec import encode_state
    from ..offline import decode
    from ..policies import load_policy
    from detectors.engine import Engine
    engine = Engine(load_policy("seed-v1"), 300_000)
    for record in records(log_lines(n)):
        item = decode(record)
        if hasattr(item, "sort_key"):
            engine.offer(item)
    engine.finish()
    return [encode_state(s) for s in engine.states[PARCEL].values()]


def engine_state_figures(messages: int = 200_000) -> dict:
    """Bytes per parcel, order and pickup watch in the offline engine (bench_state.py)."""
    from detectors.engine import Engine

    from .bench import log_lines, records
    from .bench_state import state_figures
    from ..offline import decode
    from ..policies import load_policy
    engine = Engine(load_policy("seed-v1"), 300_000)
    for record in records(log_lines(messages)):
        item = decode(record)
        if hasattr(item, "sort_key"):
            engine.offer(item)
    return state_figures(engine)


def measure(store: str, parcels: int) -> dict:
    samples = sample_states()
    keys = [f"ZTO:{7 * 10 ** 11 + i}".encode() for i in range(parcels)]
    before = rss_bytes()
    if store == "memory":
        held = {}
        for i, key in enumerate(keys):
            value = samples[i % len(samples)]
            held[key] = value[:-1] + b"}"              # a distinct object per parcel, as decoded from Kafka
    else:
        from ..service.rocks import rocksdb_options
        from faust.stores.rocksdb import RocksDBOptions
        folder = tempfile.mkdtemp(prefix="shipguard-bench-rocks-")
        dbs = [RocksDBOptions(**rocksdb_options(), use_rocksdict=True).open(os.path.join(folder, str(p)))
               for p in range(PARTITIONS)]
        for i, key in enumerate(keys):
            dbs[zlib.crc32(key) % PARTITIONS][key] = samples[i % len(samples)]
        for db in dbs:
            db.flush()
    after = rss_bytes()
    return {"parcels": parcels, "rss_before": before, "rss_after": after,
            "bytes_per_parcel": round((after - before) / parcels, 1),
            "value_bytes_mean": round(sum(map(len, samples)) / len(samples), 1)}


def memory_figures(parcels: int, run_orders: int | None = None) -> dict:
    """Per-parcel store figures and, given `run_orders`, `shipguard run`'s peak RSS on such a log."""
    from .bench_run_memory import run_peak_rss

    out = {}
    for store in ("memory", "rocksdb"):
        done = subprocess.run([sys.executable, "-m", "stream.tools.bench_memory", store, str(parcels)],
                              capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"{store} store: {done.stderr.strip().splitlines()[-1:]}")
        out[store] = json.loads(done.stdout)
    out["engine_states"] = engine_state_figures()
    if run_orders:
        out["run"] = run_peak_rss(run_orders)
    return out


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
