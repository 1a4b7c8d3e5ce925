"""ship_late_96h (发货超时 more than 96 h late, policy platform-2026-07) -- as
ship_late_48h, one step further: no bound waybill at the deadline + 96 h."""
from __future__ import annotations

from .ship_late_48h import step_rule

NAME = "ship_late_96h"
RULE = step_rule(NAME)
