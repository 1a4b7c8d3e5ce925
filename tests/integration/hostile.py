"""One order whose outside-the-platform texts carry markup (issue 14's XSS test), planted into a
generated log: a shop id, a carrier, a waybill number and scan descriptions with `<script>` and
`onerror=`/`onload=` payloads that would set window.__pwned. Every event is valid per CONTRACT §1
(free strings, non-empty; no ':' in the carrier, which ends at the key's first ':'), so the worker
decides on it rather than dead-lettering it: its collected scan precedes the payment
(pickup_before_payment) and it is delivered and signed in another city (route_address_mismatch)."""
from __future__ import annotations

from detectors.timeparse import parse_time

ORDER = "O-XSS-0001"
IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=1</script>"
SHOP = "S-" + IMG + SCRIPT
CARRIER = 'JT<svg onload="window.__pwned=1">'
WAYBILL = "7700" + SCRIPT + IMG
DESCRIPTION = "【杭州市】快件已揽收" + IMG + SCRIPT
TEXTS = (DESCRIPTION, "快件已到达【杭州转运中心】" + SCRIPT, "【上海市】派件中" + IMG, "【上海市】已签收" + SCRIPT)
EVENT_IDS = ("ev-xss-paid", "ev-xss-upload", *(f"ev-xss-scan-{n}" for n in range(1, 5)))
HOUR = 3_600_000
TIME_FIELD = {"order-paid": "paid_at", "tracking-uploaded": "uploaded_at", "carrier-scan": "scanned_at"}


def _events(paid: int) -> list[tuple[int, dict]]:
    key = f"{CARRIER}:{WAYBILL}"

    def scan(n: int, at: int, status: str, description: str, city: str) -> tuple[int, dict]:
        return at, {"topic": "carrier-scan", "key": key, "value": {
            "event_id": f"ev-xss-scan-{n}", "carrier": CARRIER, "waybill_no": WAYBILL, "scanned_at": at,
            "status": status, "description": description, "city": city}}
    return [
        scan(1, paid - 2 * HOUR, "collected", DESCRIPTION, "杭州"),
        (paid, {"topic": "order-paid", "key": ORDER, "value": {
            "event_id": "ev-xss-paid", "order_id": ORDER, "shop_id": SHOP, "product_id": "P-XSS",
            "paid_at": paid, "paid_amount_fen": 12_345, "recipient_id": "r_0000000000000xss",
            "address": {"province": "北京", "city": "北京", "district": "朝阳区", "detail_hash": "0000000000000xss"}}}),
        (paid + HOUR, {"topic": "tracking-uploaded", "key": ORDER, "value": {
            "event_id": "ev-xss-upload", "order_id": ORDER, "shop_id": SHOP, "carrier": CARRIER,
            "waybill_no": WAYBILL, "uploaded_at": paid + HOUR}}),
        scan(2, paid + 3 * HOUR, "in_transit", TEXTS[1], "杭州"),
        scan(3, paid + 20 * HOUR, "delivering", TEXTS[2], "上海"),
        scan(4, paid + 22 * HOUR, "signed", TEXTS[3], "上海"),
    ]


def plant(lines: list[dict]) -> list[dict]:
    """The log with the hostile order's events, each placed just before the first line of a later
    event time (so within the log's disorder), paid a quarter into the log's time span."""
    times, last = [], 0
    for line in lines:              # a dead letter's line (value_raw, no usable time) keeps the last time
        try:
            last = parse_time(line["value"][TIME_FIELD[line["topic"]]])
        except (KeyError, TypeError, ValueError):
            pass
        times.append(last)
    paid = min(times) + (max(times) - min(times)) // 4
    out, events = list(lines), sorted(_events(paid), key=lambda pair: pair[0])
    for at, line in reversed(events):             # from the latest, so earlier indexes stay put
        spot = next(i for i, t in enumerate(times) if t > at)
        out.insert(spot, line)
        times.insert(spot, at)
    return out
