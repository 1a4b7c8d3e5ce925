"""The event ids a key already took: CONTRACT §3, "a redelivered event_id is ignored".

Why every id is kept, not only those newer than the watermark: a redelivery of
the same event has its time, so once taken it would come back late anyway. But
the rule-case corpus also ignores an id that comes back with another, much later
time (recalled_after_deadline.yaml, "a late cancel that repeats an already-seen
event_id"), and no watermark bounds that. So a key keeps its ids for as long as
retention keeps the key.

What changes is how: a set of id strings cost about 1.1 KB a parcel (the set and
some ten strings of ~60 bytes each). Here the ids are one string, each id closed
by a separator, about one byte a character. An id holding the separator or the
escape character is escaped first, so a probe can only match one whole id: the
check is exactly set membership (tests/unit/test_redelivery.py).
"""
from __future__ import annotations

from typing import Iterable

SEP, ESC = "|", "\x01"      # "|ev1|ev2|": readable in the tables, one JSON byte a separator
NONE_TAKEN = SEP          # no id yet; every id then sits between two separators


def _escaped(event_id: str) -> str:
    """An id holding neither SEP nor ESC is itself; else each is written as ESC + a code."""
    if SEP in event_id or ESC in event_id:
        return event_id.replace(ESC, ESC + "\x02").replace(SEP, ESC + "\x03")
    return event_id


def take(taken: str, event_id: str) -> str | None:
    """`taken` with `event_id` added; None when it is already there (a redelivery)."""
    if SEP in event_id or ESC in event_id:      # _escaped's test, inline: one call less a message
        event_id = _escaped(event_id)
    if f"{SEP}{event_id}{SEP}" in taken:
        return None
    return f"{taken}{event_id}{SEP}"


def from_ids(ids: Iterable[str]) -> str:
    """The taken ids of a list of them (states stored before this form held a list)."""
    taken = NONE_TAKEN
    for event_id in ids:
        taken = take(taken, event_id) or taken
    return taken


def ids(taken: str) -> list[str]:
    """The ids, in the order they were taken."""
    return [i.replace(ESC + "\x03", SEP).replace(ESC + "\x02", ESC) for i in taken[1:-1].split(SEP)] \
        if len(taken) > 1 else []
