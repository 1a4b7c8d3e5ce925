"""What the console's pages must show, computed from `shipguard collect`'s output (the reference),
and how the browser tests read a page's rows."""
from __future__ import annotations

from collections import Counter

from stream.human import format_time, yuan
from stream.serving_keys import day_of

FIELD = {"shop": "shop_id", "carrier": "carrier"}


def chosen(violations: list[dict], rule=None, category=None, shop=None, carrier=None, day_from=None, day_to=None,
           sort="time", descending=True) -> list[dict]:
    """collect's violations filtered and sorted as the violations page says it does (ties by id)."""
    picked = [v for v in violations if (rule is None or v["rule"] == rule) and (shop is None or v["shop_id"] == shop)
              and (category is None or v["category"] == category)
              and (carrier is None or v["carrier"] == carrier)
              and (day_from is None or day_of(v["decided_at"]) >= day_from)
              and (day_to is None or day_of(v["decided_at"]) <= day_to)]
    key = (lambda v: (v["penalty"]["amount_fen"], v["violation_id"])) if sort == "penalty" \
        else (lambda v: (v["decided_at"], v["violation_id"]))
    return sorted(picked, key=key, reverse=descending)


def row_cells(v: dict) -> list[str]:
    """A violation as the violations table shows it: id, then the cells' text."""
    p = v["penalty"]
    return [v["violation_id"], format_time(v["decided_at"]), v["rule"], v["order_id"], v["shop_id"],
            v["carrier"] or "-", v["waybill_no"] or "-", yuan(p["amount_fen"]),
            p["kind"] + (" (capped)" if p["capped"] else "")]


def board(violations, escalations, subject: str, day_from: str, day_to: str) -> list[list[str]]:
    """The Shops or Carriers board over [day_from, day_to] as its table shows it, by violations
    (highest first, ties by id, highest first): id, violations, fake shipping, rate, yuan, cap hits
    (and escalations for shops)."""
    inside = [v for v in violations if day_from <= day_of(v["decided_at"]) <= day_to and v[FIELD[subject]]]
    count, fake, fen, capped = Counter(), Counter(), Counter(), Counter()
    for v in inside:
        who = v[FIELD[subject]]
        count[who] += 1
        fake[who] += v["category"] == "fake_shipping"
        fen[who] += v["penalty"]["amount_fen"]
        capped[who] += bool(v["penalty"]["capped"])
    raised = Counter(e["shop_id"] for e in escalations if day_from <= e["day"] <= day_to)
    ids = set(count) | (set(raised) if subject == "shop" else set())
    rows = []
    for who in sorted(ids, key=lambda x: (count[x], x), reverse=True):
        rate = fake[who] / count[who] if count[who] else 0.0
        row = [who, str(count[who]), str(fake[who]), f"{100 * rate:.1f} %", yuan(fen[who]), str(capped[who])]
        rows.append(row + ([str(raised[who])] if subject == "shop" else []))
    return rows


def per_rule(violations, day_from: str, day_to: str, order: tuple[str, ...]) -> list[list[str]]:
    """The overview's per-rule table: rule, violations, yuan, in the detector's rule order."""
    inside = [v for v in violations if day_from <= day_of(v["decided_at"]) <= day_to]
    n, fen = Counter(v["rule"] for v in inside), Counter()
    for v in inside:
        fen[v["rule"]] += v["penalty"]["amount_fen"]
    return [[r, str(n[r]), yuan(fen[r])] for r in order if n[r]]


def bar_titles(violations, day_from: str, day_to: str) -> set[str]:
    """The overview's violations chart: one bar per (day, rule) with violations, titled with its count."""
    n = Counter((day_of(v["decided_at"]), v["rule"]) for v in violations if day_from <= day_of(v["decided_at"]) <= day_to)
    return {f"{day} {rule}: {count}" for (day, rule), count in n.items()}
