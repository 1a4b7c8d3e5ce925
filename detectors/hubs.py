"""Hub records (CONTRACT §2): does a scan put the parcel at, in or leaving a hub?

A hub is named by a word ending in one of the policy's suffixes
(`转运中心`, `中转场`, ...). The clause naming it -- the text since the last
`，` `,` `。` `;` `；` `】` -- must not make it only the destination
(`发往`, `下一站`, ...): `已发往【杭州转运中心】` is not a hub record.
"""
from __future__ import annotations

import re
from functools import lru_cache

CLAUSE_BREAKS = "，,。;；】"


@lru_cache(maxsize=64)
def _matcher(suffixes: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(s) for s in sorted(suffixes, key=len, reverse=True)))


def is_hub_record(description: str, suffixes: tuple[str, ...], destination_words: tuple[str, ...]) -> bool:
    for match in _matcher(suffixes).finditer(description):
        before = description[: match.start()]
        cut = max(map(before.rfind, CLAUSE_BREAKS))
        clause = before[cut + 1:]
        if not any(word in clause for word in destination_words):
            return True
    return False
