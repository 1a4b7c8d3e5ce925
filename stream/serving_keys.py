"""Where the Redis serving view keeps what, and the Lua scripts that write it.

Layout (prefix "shipguard" unless told):
  {p}:v:{violation_id}                 the violation JSON (its SET NX makes every write idempotent)
  {p}:{kind}:{id}                      sorted set of violation ids, score decided_at (kind: order, shop, carrier)
  {p}:totals:{kind}:{id}               hash: violations, penalty_fen, rule:<rule>
  {p}:ix:all, {p}:ix:rule:{rule}, {p}:ix:category:{category}
                                       sorted sets of violation ids, score decided_at (the list pages' filters;
                                       shop and carrier filter with {p}:shop:{id} and {p}:carrier:{id})
  {p}:ix:penalty                       every violation id, score its amount_fen (sort by penalty)
  {p}:day:{YYYY-MM-DD}                 hash: violations, penalty_fen, capped, rule:<rule>, fen:<rule>
  {p}:days                             sorted set of the days that have violations, score the day's start
  {p}:lb:{subject}:{metric}:{day}      leaderboard of one day: member shop or carrier, score the metric
  {p}:e:{escalation_id}                an escalation's JSON
  {p}:esc:{shop}                       sorted set of a shop's escalation ids, score window_start
Days are calendar days of decided_at in China time (the escalation's own `day` for escalations).
"""
from __future__ import annotations

from detectors.escalation import calendar_day, day_bounds

ZONE = "Asia/Shanghai"
KINDS = ("order", "shop", "carrier")                        # owners with totals (`shipguard query`)
FILTERS = ("rule", "category", "shop", "carrier")           # what the violations page filters by
SUBJECTS = ("shop", "carrier")                              # what has a leaderboard
METRICS = ("violations", "penalty_fen", "capped", "fake_shipping", "escalations")
FAKE = "fake_shipping"

# KEYS: [violation, n owner sets, n owner totals, m time indexes, penalty index, day hash, days,
#        leaderboard sets...]
# ARGV: json, decided_at, violation_id, penalty_fen, rule, n, m, day, day_start, capped (0/1),
#       then one (increment, member) pair per leaderboard set
RECORD = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
local n, m = tonumber(ARGV[6]), tonumber(ARGV[7])
for i = 2, n + 1 do
  redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3])
  local t = KEYS[i + n]
  redis.call('HINCRBY', t, 'violations', 1)
  redis.call('HINCRBY', t, 'penalty_fen', ARGV[4])
  redis.call('HINCRBY', t, 'rule:' .. ARGV[5], 1)
end
local k = 2 * n + 2
for i = k, k + m - 1 do redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3]) end
k = k + m
redis.call('ZADD', KEYS[k], ARGV[4], ARGV[3])
local d = KEYS[k + 1]
redis.call('HINCRBY', d, 'violations', 1)
redis.call('HINCRBY', d, 'penalty_fen', ARGV[4])
redis.call('HINCRBY', d, 'capped', ARGV[10])
redis.call('HINCRBY', d, 'rule:' .. ARGV[5], 1)
redis.call('HINCRBY', d, 'fen:' .. ARGV[5], ARGV[4])
redis.call('ZADD', KEYS[k + 2], ARGV[9], ARGV[8])
local a = 11
for i = k + 3, #KEYS do
  if tonumber(ARGV[a]) ~= 0 then redis.call('ZINCRBY', KEYS[i], ARGV[a], ARGV[a + 1]) end
  a = a + 2
end
return 1
"""

# KEYS: escalation, the shop's escalations, the day's escalations leaderboard, days
# ARGV: json, window_start, escalation_id, shop_id, day, day_start
ESCALATE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZINCRBY', KEYS[3], 1, ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[5])
return 1
"""


def day_of(at_ms: int) -> str:
    return calendar_day(at_ms, ZONE)


def day_start(day: str) -> int:
    return day_bounds(day, ZONE)[0]


def day_end(day: str) -> int:
    """The day's last millisecond (inclusive)."""
    return day_bounds(day, ZONE)[1] - 1


class Keys:
    def __init__(self, prefix: str):
        self.p = prefix
        self.all, self.by_penalty, self.days = f"{prefix}:ix:all", f"{prefix}:ix:penalty", f"{prefix}:days"

    def violation(self, vid: str) -> str:
        return f"{self.p}:v:{vid}"

    def owner(self, kind: str, ident: str) -> str:
        return f"{self.p}:{kind}:{ident}"

    def totals(self, kind: str, ident: str) -> str:
        return f"{self.p}:totals:{kind}:{ident}"

    def index(self, field: str, value: str) -> str:
        """The time-scored set of one filter value."""
        return self.owner(field, value) if field in KINDS else f"{self.p}:ix:{field}:{value}"

    def day(self, day: str) -> str:
        return f"{self.p}:day:{day}"

    def board(self, subject: str, metric: str, day: str) -> str:
        return f"{self.p}:lb:{subject}:{metric}:{day}"

    def escalation(self, eid: str) -> str:
        return f"{self.p}:e:{eid}"

    def shop_escalations(self, shop: str) -> str:
        return f"{self.p}:esc:{shop}"

    def temp(self, token: str) -> str:
        return f"{self.p}:tmp:{token}"


def record_call(keys: Keys, v: dict, json: bytes) -> tuple[list[str], list]:
    """KEYS and ARGV of RECORD for one violation."""
    owners = [("order", v["order_id"]), ("shop", v["shop_id"])]
    if v.get("carrier") is not None:
        owners.append(("carrier", v["carrier"]))
    indexes = [keys.all, keys.index("rule", v["rule"]), keys.index("category", v["category"])]
    at, fen = int(v["decided_at"]), int(v["penalty"]["amount_fen"])
    capped, fake = int(bool(v["penalty"].get("capped"))), int(v["category"] == FAKE)
    day = day_of(at)
    boards = []
    for subject, member in owners[1:]:
        for metric, increment in (("violations", 1), ("penalty_fen", fen), ("capped", capped), (FAKE, fake)):
            boards.append((keys.board(subject, metric, day), increment, member))
    key_list = ([keys.violation(v["violation_id"])] + [keys.owner(k, i) for k, i in owners]
                + [keys.totals(k, i) for k, i in owners] + indexes
                + [keys.by_penalty, keys.day(day), keys.days] + [b for b, _, _ in boards])
    args = [json, at, v["violation_id"], fen, v["rule"], len(owners), len(indexes), day, day_start(day), capped]
    for _, increment, member in boards:
        args += [increment, member]
    return key_list, args


def escalate_call(keys: Keys, e: dict, json: bytes) -> tuple[list[str], list]:
    """KEYS and ARGV of ESCALATE for one escalation."""
    day = e["day"]
    key_list = [keys.escalation(e["escalation_id"]), keys.shop_escalations(e["shop_id"]),
                keys.board("shop", "escalations", day), keys.days]
    return key_list, [json, int(e["window_start"]), e["escalation_id"], e["shop_id"], day, day_start(day)]
