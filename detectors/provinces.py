"""Which province a scan happened in, from the policy's place table
(transit: provinces, city or province name -> province).

A scan names its place in its `city` field or in the 【城市】 that opens its
description (`【杭州市】快件已揽收`, `【浙江省杭州市西湖公司】已揽收`). A name
matches after place-name normalisation (CONTRACT §2), or when it starts with a
known name that is not the start of a district (`朝阳区` is not 朝阳).
"""
from __future__ import annotations

from .places import normalize_place

DISTRICT_ENDS = frozenset("区县旗镇乡")
LONGEST_NAME = 5        # 克孜勒苏, 西双版纳, ... are 4 characters


def province_of(name: str | None, places: dict[str, str]) -> str | None:
    if not name:
        return None
    bare = normalize_place(name)
    if bare in places:
        return places[bare]
    for size in range(min(len(name), LONGEST_NAME), 1, -1):     # the longest known name first
        head, rest = name[:size], name[size:]
        if head in places and rest[:1] not in DISTRICT_ENDS:
            return places[head]
    return None


def scan_province(scan, places: dict[str, str]) -> str | None:
    """The scan's province: its city field, else the 【...】 opening its description."""
    found = province_of(scan.city, places)
    if found is None and scan.description.startswith("【"):
        end = scan.description.find("】")
        if end > 1:
            found = province_of(scan.description[1:end].strip(), places)
    return found

