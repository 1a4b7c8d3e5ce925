"""collect_timeout_24h (揽收超时, policy platform-2026-07) -- a bound parcel has
no `collected` scan at or before its upload + 24 h (a collected scan before the
upload counts). Decided at that deadline, for a binding still in force then
(a cancel, or a cancel and a fresh upload, replaces the deadline)."""
from __future__ import annotations

from ..decisions import TIMEOUT
from .shapes import no_scan_after_upload

NAME = "collect_timeout_24h"

RULE = no_scan_after_upload(NAME, TIMEOUT, window=lambda policy: policy.collect_ms,
                            first_at=lambda state: state.first_collected)
