"""Topic names: the platform's (CONTRACT §1, §5) and shipguard's own internal ones."""
from __future__ import annotations

from detectors.events import TOPICS as INPUT_TOPICS  # order-paid, tracking-uploaded, carrier-scan

VIOLATIONS = "violations"
DLQ = "shipguard-dlq"
ESCALATIONS = "shop-escalations"          # policy `escalations:` (detectors/escalation.py), key shop_id
OUTPUT_TOPICS = (VIOLATIONS, DLQ, ESCALATIONS)

# Stages, in dataflow order, with the stages that feed each one.
ORDER, PARCEL, PICKUP, PENALTY = "order", "parcel", "pickup", "penalty"
UPSTREAM = {ORDER: (), PARCEL: (ORDER,), PICKUP: (ORDER, PARCEL), PENALTY: (ORDER, PARCEL, PICKUP)}
FED_BY_INGEST = (ORDER, PARCEL, PICKUP)


def stage_topic(app_id: str, stage: str) -> str:
    """The topic a stage reads: its inputs and its sources' marks."""
    return f"{app_id}-{stage}-in"


def progress_topic(app_id: str) -> str:
    """The penalty stage's marks: how far the published violations are final."""
    return f"{app_id}-progress"


def internal_topics(app_id: str) -> list[str]:
    return [stage_topic(app_id, s) for s in UPSTREAM] + [progress_topic(app_id)]
