"""The event-time engine, all sides in one process (offline runs, audits, tests).

Events are offered in arrival order. The watermark is the largest event time
seen minus the allowed lateness; an event at or after the watermark may still
arrive, so only what lies strictly before it is final. Final inputs and
deadlines are taken in one total order (§3): time, then order-paid <
tracking-uploaded < carrier-scan < deadlines, then event_id (deadlines: rule
order, order_id, parcel). Messages between sides carry their cause's sort key
and are delivered at once, which is the order each side would see them in.
An event behind what is already final is late: counted, and it changes nothing.
"""
from __future__ import annotations

from collections import Counter

from .agenda import Agenda
from .decisions import Decision, Timer
from .escalation import Escalations
from .events import CarrierScan, Event
from .messages import ORDER, PARCEL, PICKUP, Bind, Message, OrderOpened, PickupFact, Unbind
from .penalties import PenaltyBook, violation
from .policy import Policy
from .retention import EXPIRE, Expiries, ran_out
from .sides import INPUT, ScanPlan, Step, deadline, order_input, parcel_input, pickup_input, scan_input
from .state import OrderState, ParcelState, PickupState

NEVER = float("-inf")


class Engine:
    def __init__(self, policy: Policy, lateness_ms: int = 300_000, as_of: int | None = None):
        self.policy, self.lateness_ms, self.as_of = policy, lateness_ms, as_of
        self.states: dict[str, dict] = {ORDER: {}, PARCEL: {}, PICKUP: {}}
        self._orders, self._parcels, self._pickups = self.states[ORDER], self.states[PARCEL], self.states[PICKUP]
        self._agenda = Agenda()                # events and deadlines not yet final
        self._add_input, self._add_deadline = self._agenda.add_input, self._agenda.add_deadline
        self._expiries = Expiries(self.states)  # keys' retention deadlines: not in the agenda (retention.py)
        self._max_seen: int | None = None
        self.final_through: float = NEVER      # every input at or before this time is taken
        self._undecided: list[Decision] = []   # decided, penalty not yet assigned
        self.book = PenaltyBook(policy)
        self.violations: list[dict] = []
        self.counts: Counter = Counter()
        self._accepted = 0                     # counts["accepted"], added in at finish: a Counter's += per event cost 1 %
        self._scan_plan = ScanPlan(policy)
        # Shop/product escalations (policy `escalations:`): opened orders and final decisions, closed by day.
        self.escalations = Escalations(policy) if policy.escalations else None

    # -- arrivals ---------------------------------------------------------
    def offer(self, event: Event) -> None:
        key = event.sort_key
        t = key[0]
        if self.as_of is not None and t > self.as_of:
            self.counts["after_as_of"] += 1
            return
        if t <= self.final_through:
            self.counts["late"] += 1
            return
        self._accepted += 1
        self._add_input(event, key)
        max_seen = self._max_seen
        if max_seen is None or t > max_seen:
            self._max_seen = t
            self.advance(t - self.lateness_ms - 1)

    def watermark(self) -> int | None:
        return None if self._max_seen is None else self._max_seen - self.lateness_ms

    def finish(self) -> list[dict]:
        """Take everything up to T (as-of, or the watermark) and return the violations."""
        end = self.as_of if self.as_of is not None else self.watermark()
        if end is not None:
            self.advance(end)
        if self._accepted:
            self.counts["accepted"] += self._accepted
            self._accepted = 0
        if self.final_through != NEVER:
            self._expiries.sweep(self.final_through, whole=True)   # the keys an expiry deadline would have dropped
        return self.violations

    # -- processing -------------------------------------------------------
    def advance(self, through: float) -> None:
        """Take every input and deadline at or before `through`, in order."""
        if self.as_of is not None:
            through = min(through, self.as_of)
        if through <= self.final_through:
            return
        self.final_through = through
        policy, orders, parcels, absorb, plan = self.policy, self._orders, self._parcels, self._absorb, self._scan_plan
        for item in self._agenda.due(through):
            cls = type(item)
            if cls is CarrierScan:                   # most inputs: looked up here, not in _state
                key = f"{item.carrier}:{item.waybill_no}"
                state = parcels.get(key)
                if state is None or state.keep_until < item.scanned_at:   # kept states are touched: never None
                    state = parcels[key] = ParcelState(key)                # (new, or its retention ran out)
                step = scan_input(state, item, policy, plan)
                if step is not None:                                   # most scans cause nothing
                    absorb(step)
            elif cls is Timer:
                self._deadline(item)
            else:
                state = orders.get(item.order_id)
                if state is None or ran_out(state, item.time):
                    state = orders[item.order_id] = OrderState()
                absorb(order_input(state, item, policy))
        if self._undecided:
            self._charge(through)
        if self.escalations is not None:
            self.escalations.close(through)     # days that ended at or before `through` are final
        self._expiries.sweep(through)

    def _deadline(self, timer: Timer) -> None:
        table = self.states[timer.side]
        state = table.get(timer.key)
        if state is None or ran_out(state, timer.due):
            if timer.rule == EXPIRE:
                return                               # already forgotten
            state = self._state(timer.side, timer.key, timer.due)
        step = deadline(state, timer, self.policy)
        if step.forget:
            del table[timer.key]
        if step.timers or step.messages or step.decisions:
            self._absorb(step)

    def _absorb(self, step: Step) -> None:
        if step.decisions:
            self._undecided.extend(step.decisions)
        if step.timers:
            add = self._add_deadline
            for timer in step.timers:
                if timer.rule == EXPIRE:
                    self._expiries.add(timer.side, timer.key, timer.due)
                else:
                    add(timer)
        if step.messages:
            for message in step.messages:
                self._deliver(message)

    def _deliver(self, message: Message) -> None:
        """By the message's class, not through INPUT and _state: two of these per order."""
        cls = type(message)
        at = message.sort_key[0]
        if cls is PickupFact or cls is OrderOpened:
            if cls is OrderOpened:
                key = message.order.order_id
                if self.escalations is not None:
                    self.escalations.opened(message.order)
            else:
                key = message.order_id
            state = self._pickups.get(key)
            if state is None or ran_out(state, at):
                state = self._pickups[key] = PickupState()
            step = pickup_input(state, message, self.policy)
        elif cls is Bind or cls is Unbind:
            key = f"{message.carrier}:{message.waybill_no}"
            state = self._parcels.get(key)
            if state is None or ran_out(state, at):
                state = self._parcels[key] = ParcelState(key)
            step = parcel_input(state, message, self.policy)
        else:
            step = INPUT[message.side](self._state(message.side, message.key, at), message, self.policy)
        if step.decisions or step.timers or step.messages:
            self._absorb(step)

    def _state(self, side: str, key: str, at: int | None = None):
        """The key's state for an input or deadline at `at`: a new one if it has none, or if its
        retention ran out before `at` (retention.Expiries)."""
        table = self.states[side]
        state = table.get(key)
        if state is None or (at is not None and ran_out(state, at)):
            state = table[key] = ParcelState(key) if side == PARCEL else \
                (OrderState() if side == ORDER else PickupState())
        return state

    def _charge(self, through: float) -> None:
        """Decisions at or before `through` are final: penalties go in decision order."""
        ready = [d for d in self._undecided if d.decided_at <= through]
        if not ready:
            return
        self._undecided = [d for d in self._undecided if d.decided_at > through]
        for decision in sorted(ready, key=lambda d: d.order_key):
            self.violations.append(violation(decision, self.book.charge(decision), self.policy.version))
            self.counts[f"rule:{decision.rule}"] += 1
            if self.escalations is not None:
                self.escalations.decided(decision)
