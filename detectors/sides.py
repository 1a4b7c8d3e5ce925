"""The three keyed state machines. Each step takes one input (an event, a
message or a deadline) for one key, updates that key's facts, asks the side's
rules, and returns what follows: decisions, messages to other keys, deadlines.

The same functions run offline (engine.py, one process) and in the stream
(one Faust agent per side); nothing here knows which.
"""
from __future__ import annotations

from sys import intern

from .decisions import Decision, Timer
from .events import CANCEL, SCAN_STATUSES, Address, CarrierScan, OrderPaid, TrackingUploaded
from .hubs import is_hub_record
from .messages import ORDER, PARCEL, PICKUP, Bind, Message, OrderFacts, OrderOpened, PickupFact, Unbind
from .places import normalize_place
from .redelivery import take
from .policy import Policy
from .retention import EXPIRE, on_expiry, touch
from .rules import BY_NAME, triggered
from .state import Binding, OrderState, ParcelState, PickupState, drop, find, put
from .transit import track as track_transit

HOUR_MS = 3_600_000


class Step:
    """What one input or deadline of one key caused. A plain class: a dataclass with list
    factories took twice as long to make, and every input makes one."""

    __slots__ = ("decisions", "messages", "timers", "forget")

    def __init__(self, decisions: list[Decision] | None = None, messages: list[Message] | None = None,
                 timers: list[Timer] | None = None, forget: bool = False):
        self.decisions = [] if decisions is None else decisions
        self.messages = [] if messages is None else messages
        self.timers = [] if timers is None else timers
        self.forget = forget          # the key's retention ran out: drop its state


def order_input(state: OrderState, event: OrderPaid | TrackingUploaded, policy: Policy) -> Step:
    seen = take(state.seen, event.event_id)
    if seen is None:                           # a redelivery
        return Step()
    state.seen = seen
    effect = _order_effect(state, event, policy)
    step = _ask_rules(ORDER, state, effect, policy, [effect]) if effect else Step()
    return _kept(ORDER, event.order_id, state, event.time, step, policy)


def _order_effect(state: OrderState, event, policy: Policy) -> Message | None:
    if isinstance(event, OrderPaid):
        if state.order is not None:             # a second payment changes nothing
            return None
        state.order = OrderFacts(
            event.order_id, intern(event.shop_id), event.paid_at, event.paid_amount_fen, event.recipient_id,
            _shared_places(event.address), event.paid_at + event.ship_within_hours * HOUR_MS, event.event_id,
            intern(event.product_id))
        return OrderOpened(event.sort_key, state.order)
    order = state.order
    if order is None or order.paid_at > event.uploaded_at:   # nothing ships before it is paid
        return None
    parcel = event.parcel
    if event.action == CANCEL:
        bound = find(state.bindings, parcel)
        if bound is None:
            return None
        state.bindings = drop(state.bindings, parcel)
        return Unbind(event.sort_key, order, event.carrier, event.waybill_no, bound[1], bound[2],
                      event.uploaded_at, event.event_id)
    if find(state.bindings, parcel) is not None:
        return None
    state.bindings += ((parcel, event.uploaded_at, event.event_id),)
    return Bind(event.sort_key, order, event.carrier, event.waybill_no, event.uploaded_at, event.event_id)


def _shared_places(a: Address) -> Address:
    """Every order keeps its facts for the retention: the strings many orders repeat (places, and
    shop and product above) are kept once (sys.intern), not once an order (~350 bytes an order)."""
    return Address(intern(a.province), intern(a.city), intern(a.district), a.detail_hash)


def parcel_input(state: ParcelState, item: CarrierScan | Bind | Unbind, policy: Policy) -> Step:
    if type(item) is CarrierScan:
        return scan_input(state, item, policy) or Step()
    if isinstance(item, Bind):
        binding = Binding(item.order, item.uploaded_at, item.event_id)
        state.bound = put(state.bound, item.order.order_id, binding)
        since = item.uploaded_at - policy.duplicate_window_ms
        state.uploads = [u for u in state.uploads if u.uploaded_at >= since]
        state.uploads.append(binding)
        messages = [_pickup_fact(state, item.sort_key, item.order.order_id, True)]
    else:
        state.bound = drop(state.bound, item.order.order_id)
        messages = [_pickup_fact(state, item.sort_key, item.order.order_id, False)]
    return _kept(PARCEL, None, state, item.sort_key[0], _ask_rules(PARCEL, state, item, policy, messages), policy)


class ScanPlan:
    """What a policy makes of every scan, looked up once, not on each of them: scans are most
    inputs, and asking the rule index and the transit switch were two of a scan's calls
    (issue 13). The offline engine makes one a run; the stream one a policy (`scan_plan`)."""

    __slots__ = ("rules", "transit")

    def __init__(self, policy: Policy):
        index = triggered(policy.enabled)
        self.rules = {status: index.get((PARCEL, CarrierScan, status)) for status in SCAN_STATUSES}
        self.transit = policy.transit if policy.transit is not None and "transit_timeout" in policy.enabled \
            else None


_PLANS: dict[int, tuple[Policy, ScanPlan]] = {}


def scan_plan(policy: Policy) -> ScanPlan:
    known = _PLANS.get(id(policy))
    if known is None or known[0] is not policy:
        if len(_PLANS) >= 64:                # a process holds a policy or two; tests make many
            _PLANS.clear()
        known = _PLANS[id(policy)] = (policy, ScanPlan(policy))
    return known[1]


def scan_input(state: ParcelState, scan: CarrierScan, policy: Policy, plan: ScanPlan | None = None) -> Step | None:
    """Most inputs are scans: their own short path (the engine calls it directly). None: the
    scan changed the parcel's facts only, or was a redelivery -- nothing follows from it."""
    seen = take(state.seen, scan.event_id)
    if seen is None:                        # a redelivery
        return None
    state.seen = seen
    if plan is None:
        plan = scan_plan(policy)
    messages = _take_scan(state, scan, policy, plan.transit)
    rules = plan.rules[scan.status]
    if not (messages or rules or state.expiry_due is None):
        # touch() for a key whose expiry deadline stands, inline: its call cost 3 % of an offline run
        keep = scan.scanned_at + policy.retention_ms
        if state.keep_until is None or keep > state.keep_until:
            state.keep_until = keep
        return None
    step = Step(None, messages or [])
    if rules:
        _ask(rules, state, scan, policy, step)
    touch(state, PARCEL, None, scan.scanned_at, step.timers, policy.retention_ms)
    return step


def _take_scan(state: ParcelState, scan: CarrierScan, policy: Policy, transit) -> list[Message] | tuple:
    """The scan's facts into the parcel; the pickup facts that follow (most scans: none, `()`)."""
    if state.first_hub is None and is_hub_record(
            scan.description, policy.hub_suffixes_for(scan.carrier), policy.destination_words):
        state.first_hub, state.first_hub_id = scan.scanned_at, scan.event_id
    if transit is not None:
        track_transit(state, scan, transit)   # before first_collected moves: it reads it
    status = scan.status
    if status == "in_transit":                       # the most common scan changes nothing here
        return ()
    if status == "signed" and state.first_signed is None:
        state.first_signed = scan.scanned_at
    if status in ("delivering", "signed") and scan.city:
        city = normalize_place(scan.city)
        if find(state.deliveries, city) is None:
            state.deliveries += ((city, scan.event_id),)
    if status == "collected" and state.first_collected is None:
        state.first_collected, state.first_collected_id = scan.scanned_at, scan.event_id
        return [_pickup_fact(state, scan.sort_key, b.order.order_id, True) for b in state.bound]
    return ()


def _pickup_fact(state: ParcelState, sort_key, order_id: str, bound: bool) -> PickupFact:
    return PickupFact(sort_key, order_id, state.key, bound, state.first_collected, state.first_collected_id)


def pickup_input(state: PickupState, item: OrderOpened | PickupFact, policy: Policy) -> Step:
    if isinstance(item, OrderOpened):
        state.order = item.order
    elif item.bound:
        state.parcels = put(state.parcels, item.parcel, (item.parcel, item.collected_at))
    else:
        state.parcels = drop(state.parcels, item.parcel)
    return _kept(PICKUP, item.key, state, item.sort_key[0], _ask_rules(PICKUP, state, item, policy, []), policy)


def deadline(state, timer: Timer, policy: Policy) -> Step:
    """A deadline passed for this key: the rule that set it decides."""
    if timer.rule == EXPIRE:
        forget, again = on_expiry(state, timer)
        return Step(None, None, [again] if again else None, forget)
    step = Step()
    _keep_fresh(state, BY_NAME[timer.rule].on_deadline(state, timer, policy), step)
    return _kept(timer.side, timer.key, state, timer.due, step, policy)


def _kept(side: str, key: str | None, state, at: int, step: Step, policy: Policy) -> Step:
    touch(state, side, key, at, step.timers, policy.retention_ms)
    return step


def _ask_rules(side: str, state, item, policy: Policy, messages: list[Message]) -> Step:
    """Only the rules that read this kind of input (rules.triggered): the others would say nothing."""
    step = Step(None, messages)
    rules = triggered(policy.enabled).get((side, type(item), item.status if type(item) is CarrierScan else None))
    if rules:
        for rule in rules:                   # _ask, inline: two of these per order
            outputs = rule.on_input(state, item, policy)
            if outputs:
                _keep_fresh(state, outputs, step)
    return step


def _ask(rules, state, item, policy: Policy, step: Step) -> None:
    for rule in rules:
        outputs = rule.on_input(state, item, policy)
        if outputs:
            _keep_fresh(state, outputs, step)


def _keep_fresh(state, outputs, step: Step) -> None:
    """Each rule fires at most once per (rule, order, parcel)."""
    for out in outputs:
        if isinstance(out, Timer):
            step.timers.append(out)
        elif out.identity not in state.fired:
            if not state.fired:
                state.fired = set()          # its own set from the first decision (state.NOTHING_FIRED)
            state.fired.add(out.identity)
            step.decisions.append(out)


INPUT = {ORDER: order_input, PARCEL: parcel_input, PICKUP: pickup_input}
