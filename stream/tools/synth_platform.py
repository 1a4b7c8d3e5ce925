"""Planted cases for policy platform-2026-07, only when asked for
(`shipguard generate --platform-cases`): without the flag the generator's
logs stay exactly as they were.

  transit_stall_region / _across / _remote  transit_timeout: a silence past the
      limit (48 h within a province or region, 72 h across, 120 h remote) between
      the origin hub's departure and the destination hub's arrival
  transit_slow_across / _remote, transit_edge_region   look-alikes: a silence
      under the limit, or exactly at it
  abnormal_track_storm   22 orders of one shop whose parcels are collected
      26-40 h after upload (collect_timeout_24h, decided on the next day), and
      150 honest orders of that shop paid on that next day: 14.7 % > 10 %
  abnormal_track_calm    the same with 260 honest orders: 8.5 %, no escalation
  product_overdue_storm  120 orders of one product due on one day, 64 never shipped
  product_overdue_calm   the same with 59 never shipped (49.2 %, no escalation)
"""
from __future__ import annotations

from .synth_texts import COLLECTED, DAY, DELIVERING, HOUR, IN_TRANSIT, PLACES, SIGNED, hub, outlet, short, text

# kind -> (share of orders, orders per case); storms: (0, orders) and one each
RATES = {
    "transit_stall_region": (0.002, 1), "transit_stall_across": (0.002, 1), "transit_stall_remote": (0.001, 1),
    "transit_slow_across": (0.002, 1), "transit_slow_remote": (0.001, 1), "transit_edge_region": (0.001, 1),
}
STORMS = {"abnormal_track_storm": 172, "abnormal_track_calm": 282,
          "product_overdue_storm": 120, "product_overdue_calm": 120}
KINDS = set(RATES) | set(STORMS)
REGIONS = ({"江苏", "浙江", "上海", "安徽"}, {"北京", "天津", "河北"})
REMOTE = {"新疆", "西藏", "内蒙古", "青海", "宁夏", "云南", "甘肃", "海南"}
SILENCE = {"transit_stall_region": (49, 60), "transit_stall_across": (73, 100), "transit_stall_remote": (121, 150),
           "transit_slow_across": (49, 70), "transit_slow_remote": (73, 118), "transit_edge_region": (48, 48)}


def relation(a: int, b: int) -> str:
    pa, pb = short(PLACES[a][0]), short(PLACES[b][0])
    if pa in REMOTE or pb in REMOTE:
        return "remote"
    if pa == pb or any(pa in g and pb in g for g in REGIONS):
        return "region"
    return "across"


def plant(g, kind: str, paid: int) -> None:
    storm, last_shop = kind.endswith("storm"), len(g.shop_place) - 1     # storms use the last three shops
    if kind.startswith("transit_"):
        _transit(g, kind, paid)
    elif kind.startswith("abnormal_track_"):
        _abnormal(g, 150 if storm else 260, shop=last_shop if storm else last_shop - 1)
    else:
        _overdue(g, 64 if storm else 59, shop=last_shop - 2, product="99" if storm else "98")


def _transit(g, kind: str, paid: int) -> None:
    rng, hrs = g.rng, g.hrs
    want = kind.rsplit("_", 1)[1]
    shop = rng.randrange(len(g.shop_place))
    origin = g.shop_place[shop]
    dest = rng.choice([x for x in range(len(PLACES)) if relation(origin, x) == want])
    o = g.new_order(paid, shop=shop, place=dest)
    p = g.new_parcel(o)
    u = g.in_time(o)
    g.upload(o, p, u)
    lo, hi = SILENCE[kind]
    silence = lo * HOUR if lo == hi else hrs(lo + 0.01, hi)
    _stalled(g, p, origin, dest, u + hrs(0.2, 10), silence)
    if "stall" in kind:
        g.expected["transit_timeout"] += 1


def _stalled(g, p: int, origin: int, dest: int, c: int, silence: int) -> None:
    """Collected, the origin hub, `silence`, the destination hub, delivered, signed; every scan with its city."""
    rng, hrs, disp = g.rng, g.hrs, g.disp
    carrier = g.parcels[p][0]
    o_out, d_out = outlet(carrier, origin, rng.randrange(4)), outlet(carrier, dest, rng.randrange(4))
    h0, h1 = hub(carrier, origin), hub(carrier, dest)
    g.scan(p, c, COLLECTED, text(carrier, "collected", c=disp(origin), o=o_out), origin, True)
    t = c + hrs(1, 10)
    g.scan(p, t, IN_TRANSIT, text(carrier, "arrive", c=disp(origin), h=h0), origin, True)
    t += hrs(0.2, 2)
    g.scan(p, t, IN_TRANSIT, text(carrier, "depart", c=disp(origin), h=h0, n=h1), origin, True)
    t += silence
    g.scan(p, t, IN_TRANSIT, text(carrier, "arrive", c=disp(dest), h=h1), dest, True)
    t += hrs(0.2, 2)
    g.scan(p, t, IN_TRANSIT, text(carrier, "depart", c=disp(dest), h=h1, n=d_out), dest, True)
    t += hrs(1, 5)
    g.scan(p, t, IN_TRANSIT, text(carrier, "reach", c=disp(dest), o=d_out), dest, True)
    t += hrs(0.5, 8)
    g.scan(p, t, DELIVERING, text(carrier, "deliver", c=disp(dest)), dest, True)
    g.scan(p, t + hrs(0.2, 6), SIGNED, text(carrier, "sign", c=disp(dest)), dest, True)


def _first_day(g) -> int:
    """The start of the log's first calendar day (+08:00)."""
    return (g.start + 8 * HOUR) // DAY * DAY - 8 * HOUR


def _abnormal(g, honest: int, shop: int) -> None:
    day, hrs = _first_day(g), g.hrs
    for _ in range(22):            # uploaded on day 0 before 05:00; collect_timeout_24h decided on day 1
        o = g.new_order(day + hrs(0.5, 4), shop=shop, swh=None)
        u = o.paid_at + hrs(0.2, 1)
        g.ship(o, u, c=u + hrs(26, 40))
        g.expected["collect_timeout_24h"] += 1
    for _ in range(honest):        # the shop's orders paid on day 1: the rate's base
        o = g.new_order(day + DAY + hrs(0.5, 23), shop=shop, swh=None)
        g.ship(o, o.paid_at + hrs(0.2, 10), c=o.paid_at + hrs(10.5, 20))


def _overdue(g, late: int, shop: int, product: str) -> None:
    day, hrs = _first_day(g), g.hrs
    for k in range(120):           # paid on day 0 with the default 48 h promise: all due on day 2
        o = g.new_order(day + hrs(0.5, 23), shop=shop, swh=None, product=f"P{shop:05d}{product}")
        if k < late:
            g.expected["ship_timeout"] += 1
        else:
            g.ship(o, g.in_time(o))
