"""Options several commands share, declared once, and the closed choices as enums."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

WAIT_HELP = "seconds to wait for the broker to answer"

Broker = Annotated[Optional[str], typer.Option("--broker", help="kafka://host:port [SHIPGUARD_BROKER]")]
AppId = Annotated[Optional[str], typer.Option("--app-id", help="the worker group's app id [SHIPGUARD_APP_ID]")]
Partitions = Annotated[Optional[int], typer.Option("--partitions", min=1,
                                                   help="partitions of every topic [SHIPGUARD_PARTITIONS]")]
Lateness = Annotated[Optional[str], typer.Option("--lateness", help="allowed lateness, e.g. 5m [SHIPGUARD_LATENESS]")]
Policy = Annotated[Optional[str], typer.Option("--policy", help="policy name or YAML file [SHIPGUARD_POLICY]")]
RedisUrl = Annotated[Optional[str], typer.Option("--redis-url", help="redis://... or '' for none [SHIPGUARD_REDIS_URL]")]
Wait = Annotated[float, typer.Option("--wait", min=0, help=WAIT_HELP)]
AsOf = Annotated[Optional[str], typer.Option("--as-of", help="decide as of T: RFC 3339, epoch ms, or China time without offset")]
AsJson = Annotated[bool, typer.Option("--json", help="print the summary as one JSON object on stdout")]
Dlq = Annotated[Optional[Path], typer.Option("--dlq", help="write dead letters here")]
OfflineLateness = Annotated[str, typer.Option("--lateness", help="allowed lateness, e.g. 5m")]
OfflinePolicy = Annotated[Optional[str], typer.Option("--policy", help="policy name or YAML file")]

# The range of the topics an audit reads (replay, explain).
RANGE_HELP = "record timestamp (RFC 3339, epoch ms, or China time without offset)"
FromTimestamp = Annotated[Optional[str], typer.Option("--from-timestamp", help=f"start at this {RANGE_HELP}")]
FromOffsets = Annotated[Optional[Path], typer.Option(
    "--from-offsets", help="start offsets: {topic: {partition: offset}} or a report")]
ToTimestamp = Annotated[Optional[str], typer.Option("--to-timestamp", help=f"end at this {RANGE_HELP} (inclusive)")]
ToOffsets = Annotated[Optional[Path], typer.Option("--to-offsets", help="end offsets (exclusive), or a report")]


class Kind(str, Enum):
    """What `query` looks up in the serving view."""
    order = "order"
    shop = "shop"
    carrier = "carrier"


def _feed_formats():
    from detectors.feeds import FORMATS
    return {name: name for name in FORMATS}


FeedFormat = Enum("FeedFormat", _feed_formats(), type=str)     # the carrier feeds `ingest` reads
