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


@lru_cache(maxsize=64)
def _any_word(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """One search for any of `words` (None: no words, so no clause is only a destination)."""
    return re.compile("|".join(re.escape(w) for w in words)) if words else None


@lru_cache(maxsize=64)
def _answers(suffixes: tuple[str, ...], destination_words: tuple[str, ...]) -> dict[str, bool]:
    """Answers given so far for one wording: carriers' scan texts repeat (about 7 500 texts in
    125 000 generated scans), and a dict probe costs a tenth of the searches."""
    return {}


ANSWERS_KEPT = 16384    # hostile input cannot grow it without bound


def is_hub_record(description: str, suffixes: tuple[str, ...], destination_words: tuple[str, ...]) -> bool:
    answers = _answers(suffixes, destination_words)
    answer = answers.get(description)
    if answer is None:
        answer = _search(description, suffixes, destination_words)
        if len(answers) >= ANSWERS_KEPT:
            answers.clear()
        answers[description] = answer
    return answer


def _search(description: str, suffixes: tuple[str, ...], destination_words: tuple[str, ...]) -> bool:
    destination = _any_word(destination_words)
    for match in _matcher(suffixes).finditer(description):
        before = description[: match.start()]
        clause = before[max(map(before.rfind, CLAUSE_BREAKS)) + 1:]
        if destination is None or destination.search(clause) is None:
            return True
    return False
