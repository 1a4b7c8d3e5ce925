"""dispatch_timeout_24h (发运超时, policy platform-2026-07) -- no hub record of
the parcel at or before its first `collected` scan + 24 h. The same test as
no_transfer_center_24h, but the platform counts it as a timeout (an abnormal
track), not as fake shipping, and its window is its own. Decided at that
deadline for the orders then bound; an order bound later is decided at its upload."""
from __future__ import annotations

from ..decisions import TIMEOUT
from .shapes import no_hub_after_pickup

NAME = "dispatch_timeout_24h"

RULE = no_hub_after_pickup(NAME, TIMEOUT, window=lambda policy: policy.dispatch_ms)
