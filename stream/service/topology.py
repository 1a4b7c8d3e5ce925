"""The one topology: every topic the service reads or writes, keyed how, with how many
partitions and whether it is compacted, and the stages that read them.

`create_app`, `shipguard topics`, `shipguard up`, the bench and the tests all read it
(the progress topic had 1 partition in some of them and 4 in others)."""
from __future__ import annotations

from dataclasses import dataclass

from detectors.events import CARRIER_SCAN, ORDER_PAID, TRACKING_UPLOADED
from detectors.events import TOPICS as INPUT_TOPICS  # order-paid, tracking-uploaded, carrier-scan

VIOLATIONS = "violations"
DLQ = "shipguard-dlq"
ESCALATIONS = "shop-escalations"          # policy `escalations:` (detectors/escalation.py), key shop_id
OUTPUT_TOPICS = (VIOLATIONS, DLQ, ESCALATIONS)

# Stages, in dataflow order, with the stages that feed each one, and what each keys by.
ORDER, PARCEL, PICKUP, PENALTY = "order", "parcel", "pickup", "penalty"
UPSTREAM = {ORDER: (), PARCEL: (ORDER,), PICKUP: (ORDER, PARCEL), PENALTY: (ORDER, PARCEL, PICKUP)}
FED_BY_INGEST = (ORDER, PARCEL, PICKUP)    # stages that hear the platform partitions' marks
# The platform topics a stage reads itself: keyed as the stage keys its state, so partition p of
# each is co-partitioned with the stage's topic and tables (Faust's assignor gives topics of equal
# partition count subscribed by the same workers the same owner). No ingest hop in between.
DIRECT = {ORDER: (ORDER_PAID, TRACKING_UPLOADED), PARCEL: (CARRIER_SCAN,)}
READER = {topic: stage for stage, topics in DIRECT.items() for topic in topics}
STAGE_KEYS = {ORDER: "order_id", PARCEL: "carrier:waybill_no", PICKUP: "order_id", PENALTY: "shop_id"}
INPUT_KEYS = {"order-paid": "order_id", "tracking-uploaded": "order_id", "carrier-scan": "carrier:waybill_no"}
OUTPUT_KEYS = {VIOLATIONS: "order_id", DLQ: "none", ESCALATIONS: "shop_id"}


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    key: str                   # what its messages are keyed by
    compacted: bool = False


def stage_topic(app_id: str, stage: str) -> str:
    """The topic a stage reads: its inputs and its sources' marks."""
    return f"{app_id}-{stage}-in"


def read_topics(app_id: str, stage: str) -> tuple[str, ...]:
    """What a stage's agent reads: its own topic (inputs keyed elsewhere, marks) and its platform topics."""
    return (stage_topic(app_id, stage), *DIRECT.get(stage, ()))


def progress_topic(app_id: str) -> str:
    """The penalty stage's marks: how far the published violations are final."""
    return f"{app_id}-progress"


def changelog_topic(app_id: str, table: str) -> str:
    return f"{app_id}-{table}-changelog"      # Faust's own naming


def internal_topics(app_id: str) -> list[str]:
    return [stage_topic(app_id, s) for s in UPSTREAM] + [progress_topic(app_id)]


def topic_specs(app_id: str, partitions: int, tables: tuple[str, ...] = ()) -> list[TopicSpec]:
    """Every topic of a worker group. `tables`: the table names (wiring.table_names), whose
    changelogs Faust also creates itself, compacted, with the stage partitions."""
    specs = [TopicSpec(t, partitions, INPUT_KEYS[t]) for t in INPUT_TOPICS]
    specs += [TopicSpec(t, partitions, OUTPUT_KEYS[t]) for t in OUTPUT_TOPICS]
    specs += [TopicSpec(stage_topic(app_id, s), partitions, STAGE_KEYS[s]) for s in UPSTREAM]
    specs.append(TopicSpec(progress_topic(app_id), 1, "none"))     # one reader (collect) wants one order
    specs += [TopicSpec(changelog_topic(app_id, t), partitions, "table key", compacted=True) for t in tables]
    return specs


def spec_of(specs: list[TopicSpec], name: str) -> TopicSpec:
    return next(s for s in specs if s.name == name)
