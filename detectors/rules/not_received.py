"""not_received -- a bound parcel has no `signed` scan at or before its upload
+ 15 days. Decided at that deadline, for a binding still in force then
(a cancel, or a cancel and a fresh upload, replaces the deadline)."""
from __future__ import annotations

from ..decisions import FAKE_SHIPPING
from .shapes import no_scan_after_upload

NAME = "not_received"

RULE = no_scan_after_upload(NAME, FAKE_SHIPPING, window=lambda policy: policy.not_received_ms,
                            first_at=lambda state: state.first_signed)
