"""The generator's cases, one branch per kind: honest journeys, the legitimate
look-alikes (split, merged, reuse after 30 days, cancel and re-upload, events
exactly at a deadline) and a planted case of every rule. `g` is the builder in
stream/tools/synth.py; each branch adds one order's (or a few orders') events and
what they are meant to fire to g.expected."""
from __future__ import annotations

from .synth_texts import CARRIERS, DAY, HOUR, ORIGIN_PLACES, PLACES, RETURNED, RETURNED_TEXT, SIGNED, short, text

STORM = 60   # orders of one shop on one day in the cap storm: past the 500-yuan daily cap


def plant(g, kind: str, paid: int) -> None:
    rng, hrs, exp = g.rng, g.hrs, g.expected
    if kind == "honest":
        o = g.new_order(paid)
        g.ship(o, g.in_time(o))
        return
    if kind == "split":
        o = g.new_order(paid)
        g.ship(o, g.in_time(o))
        g.ship(o, g.in_time(o), carrier=rng.choice(CARRIERS))
    elif kind == "merged":
        a = g.new_order(paid, swh=None)
        b = g.new_order(paid + hrs(0, 3), like=a, place=a.place, swh=None)
        p = g.new_parcel(a)
        u = b.paid_at + hrs(0.2, 20)
        g.upload(a, p, u)
        g.upload(b, p, u + hrs(0, 0.2))
        g.journey(p, g.shop_place[a.shop], a.place, u + hrs(0.5, 12))
    elif kind.startswith("duplicate_waybill"):
        a = g.new_order(paid, swh=None)
        other = kind.endswith("other_city")
        place = rng.choice([x for x in ORIGIN_PLACES if x != a.place]) if other else a.place
        same_recipient = not other and rng.random() < 0.25  # same person, another address
        b = g.new_order(paid + hrs(0, 2), shop=rng.choice((a.shop, None)), place=place,
                           recipient=a.recipient if same_recipient else None, swh=None)
        u = b.paid_at + hrs(0.1, 10)
        p = g.ship(a, u, c=u + hrs(0.2, 10), force_city=other)
        g.upload(b, p, u + hrs(0.1, 12))
        exp["duplicate_waybill"] += 1
        if other:
            exp["route_address_mismatch"] += 1
    elif kind in ("dup_reuse_after_30d", "lookalike_dup_after_30d"):
        b_paid = paid
        old = g.new_order(b_paid - 31 * DAY - hrs(2, 24 * 9), swh=None)
        b = g.new_order(b_paid, shop=old.shop, place=old.place, swh=None)
        u_old = old.paid_at + hrs(0.2, 10)
        if kind == "dup_reuse_after_30d":  # the old parcel really went; its number comes back
            p = g.ship(old, u_old, c=u_old + hrs(0.2, 10))
            g.upload(b, p, b_paid + hrs(0.2, 20))
            exp["pickup_before_payment"] += 1
        else:  # the old order withdrew the number unused; a month later it ships another order
            p = g.new_parcel(old)
            g.upload(old, p, u_old)
            g.upload(old, p, u_old + hrs(0.2, 3), cancel=True)
            g.ship(old, u_old + hrs(3.5, 8))
            u = b_paid + hrs(0.2, 20)
            g.upload(b, p, u)
            g.journey(p, g.shop_place[b.shop], b.place, u + hrs(0.2, 10))
    elif kind == "pickup_before_payment":
        o = g.new_order(paid)
        g.ship(o, paid + hrs(0.1, 6), c=paid - hrs(0.5, 20))
        exp[kind] += 1
    elif kind == "route_address_mismatch":
        o = g.new_order(paid)
        dest = rng.choice([x for x in range(len(PLACES)) if short(PLACES[x][1]) != short(PLACES[o.place][1])])
        g.ship(o, g.in_time(o), dest=dest, force_city=True)
        exp[kind] += 1
    elif kind in ("recalled_after_deadline", "lookalike_cancel_reupload"):
        o = g.new_order(paid)
        d, h = o.deadline, (o.swh or 48)
        p = g.new_parcel(o)
        u = paid + hrs(0.2, 0.5 * h)
        g.upload(o, p, u)
        x = d + hrs(0.5, 12) if kind == "recalled_after_deadline" else u + hrs(0.1, 0.2 * h)
        g.upload(o, p, x, cancel=True)
        u2 = x + hrs(1 / 60, 1)
        g.ship(o, u2, c=u2 + hrs(0.2, 4))
        if kind == "recalled_after_deadline":
            exp[kind] += 1
    elif kind.startswith("no_transfer"):
        local = kind.endswith("local_only")
        o = g.new_order(paid, shop=0 if local else None, place=g.shop_place[0] if local else None)
        u = g.in_time(o)
        c = u + hrs(0.2, 10)
        g.ship(o, u, c=c, hubs=not local, first_hub=None if local else c + hrs(30, 40))
        exp["no_transfer_center_24h"] += 1
    elif kind == "not_received":
        o = g.new_order(paid)
        u = g.in_time(o)
        p = g.ship(o, u, finish="never")
        late = u + 15 * DAY + hrs(1, 72)
        x = rng.random() if g.tail_parcels else 1.0
        if x < 0.4:
            g.scan(p, late, SIGNED, text(g.parcels[p][0], "sign", c=g.disp(o.place)), o.place)
        elif x < 0.7:
            g.scan(p, late, RETURNED, RETURNED_TEXT, o.place)
        else:
            g.tail_parcels.append((p, o.place))
        exp[kind] += 1
    elif kind == "ship_timeout_no_upload":
        g.new_order(paid)
        exp["ship_timeout"] += 1
        exp["pickup_timeout"] += 1
    elif kind == "ship_timeout_late_upload":
        o = g.new_order(paid)
        u = o.deadline + hrs(0.5, 20)
        g.ship(o, u, c=u + hrs(0.1, 3.5))
        exp["ship_timeout"] += 1
    elif kind == "pickup_timeout":
        o = g.new_order(paid, swh=None)
        g.ship(o, g.in_time(o), c=o.deadline + DAY + hrs(0.5, 30))
        exp[kind] += 1
    elif kind == "edge_at_deadline":
        o = g.new_order(paid, swh=rng.choice((None, None, 48, 72)))
        d, v = o.deadline, rng.randrange(5)
        if v == 0:  # uploaded exactly at the deadline: in time
            g.ship(o, d, c=d + hrs(0.2, 10))
        elif v == 1:  # collected exactly at deadline + 24 h: in time
            g.ship(o, g.in_time(o), c=d + DAY)
        elif v == 2:  # first hub record exactly at collected + 24 h: in time
            u = g.in_time(o)
            c = u + hrs(0.2, 10)
            g.ship(o, u, c=c, first_hub=c + DAY)
        elif v == 3:  # signed exactly at upload + 15 days: in time
            u = g.in_time(o)
            g.ship(o, u, sign_at=u + 15 * DAY)
        else:  # cancelled and replaced exactly at the deadline: neither late nor a recall
            p = g.new_parcel(o)
            g.upload(o, p, g.in_time(o, 0.8))
            g.upload(o, p, d, cancel=True)
            g.ship(o, d, c=d + hrs(0.5, 10))
    elif kind == "ship_timeout_cap_storm":
        day0 = (g.start + 8 * HOUR) // DAY * DAY - 8 * HOUR
        day = day0 + rng.randrange(max(1, g.span_s // 86400)) * DAY
        shop = rng.randrange(len(g.shop_place))
        for _ in range(STORM):
            g.new_order(day + hrs(1, 11), shop=shop, swh=None)
        exp["ship_timeout"] += STORM
        exp["pickup_timeout"] += STORM
    else:
        raise ValueError(kind)
