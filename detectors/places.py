"""Place names (CONTRACT §2): compare after dropping an administrative suffix.

`杭州` = `杭州市`, `新疆` = `新疆维吾尔自治区`, `香港` = `香港特别行政区`.
"""
from __future__ import annotations

from functools import lru_cache

# Longest first, so `维吾尔自治区` wins over `自治区`.
_SUFFIXES = (
    "维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市",
)


@lru_cache(maxsize=4096)
def normalize_place(name: str | None) -> str:
    """The comparable form of a place name; never strips a name to nothing."""
    if not name:
        return ""
    name = name.strip()
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
