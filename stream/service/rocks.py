"""Options for Faust's RocksDB store (rocksdict), one database per table partition.

Faust's defaults (64 MB write buffers x 3 and a 2 GB block cache per database)
are sized for a few big tables; a worker here opens sixteen tables per
partition, most of them small, so each database gets small buffers and cache.
The parcel index lives on disk and its resident share stays small
(BENCHMARKS.md measures it)."""
from __future__ import annotations

MB = 1024 * 1024


def rocksdb_options() -> dict:
    """A fresh dict each time: Faust's store pops keys out of the one it is given."""
    return {"write_buffer_size": 4 * MB, "max_write_buffer_number": 2, "block_cache_size": 8 * MB,
            "target_file_size_base": 16 * MB, "max_open_files": 256}


def table_options(store: str) -> dict | None:
    return rocksdb_options() if store.startswith("rocksdb") else None
