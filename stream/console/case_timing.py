"""A case as the console asks for it (decisions from the serving view), and its timing for the bench.

    seconds = time_cases(bootstrap, view, ["O00000123", ...])   # {"cases", "p50_s", "p95_s", "max_s", ...}
"""
from __future__ import annotations

import asyncio
import time

from ..serving import ServingView
from .case import read_case


def order_decisions(view: ServingView, order_id: str) -> list[dict]:
    """The order's violations in the serving view, oldest first. Raises redis.RedisError."""
    return view.query("order", order_id)["violations"]


def case_of(bootstrap: str, view: ServingView, order_id: str, **options) -> dict:
    """The case page's data for one order (options: see read_case)."""
    return asyncio.run(read_case(bootstrap, order_id, order_decisions(view, order_id), **options))


def time_cases(bootstrap: str, view: ServingView, order_ids: list[str], **options) -> dict:
    """Wall seconds per case, serving-view query included, one case after another."""
    if not order_ids:
        raise ValueError("time_cases needs at least one order id")
    took, records, missing = [], 0, 0
    for order_id in order_ids:
        start = time.perf_counter()
        case = case_of(bootstrap, view, order_id, **options)
        took.append(time.perf_counter() - start)
        records += sum(r["to"] - r["from"] for r in case["read"])
        missing += len(case["missing_evidence"])
    took.sort()

    def pick(q: float) -> float:
        return took[min(len(took) - 1, int(q * len(took)))]
    return {"cases": len(took), "p50_s": round(pick(0.5), 3), "p95_s": round(pick(0.95), 3),
            "max_s": round(took[-1], 3), "records_read_per_case": records // len(took), "missing_evidence": missing}
