"""no_transfer_center_24h -- no hub record of the parcel at or before its first
`collected` scan + 24 h. Decided at that deadline for the orders then bound; an
order bound after the parcel failed is decided at its upload."""
from __future__ import annotations

from ..decisions import FAKE_SHIPPING
from .shapes import no_hub_after_pickup

NAME = "no_transfer_center_24h"

RULE = no_hub_after_pickup(NAME, FAKE_SHIPPING, window=lambda policy: policy.no_transfer_ms)
