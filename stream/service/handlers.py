"""What a stage does with one input or one deadline: load the key's state from
its table, run the rule book's side, store the state, send what follows."""
from __future__ import annotations

import time
from collections import OrderedDict

import orjson

from detectors.decisions import Decision, Timer
from detectors.events import CarrierScan, OrderPaid, TrackingUploaded
from detectors.messages import PARCEL, OrderOpened
from detectors.penalties import PenaltyBook, violation
from detectors.retention import EXPIRE
from detectors.sides import INPUT, deadline
from detectors.state import OrderState, ParcelState, PickupState

from ..kept_bytes import dumps_kept
from . import codec
from .shop_escalations import wants_opened

DECODE = {"order": codec.decode_order_state, "parcel": codec.decode_parcel_state, "pickup": codec.decode_pickup_state}


def key_of(item) -> str:
    if isinstance(item, CarrierScan):
        return item.parcel
    if isinstance(item, (OrderPaid, TrackingUploaded)):
        return item.order_id
    return item.key


FORGOTTEN = None


class SideHandler:
    """The order, parcel or pickup side of the rule book over a Faust table. The states a batch
    changes stay decoded in `changed` until `flush` writes each of them once."""

    def __init__(self, side: str, table, policy, send):
        self.side, self.table, self.policy, self.send = side, table, policy, send
        self.opened_to_penalty = wants_opened(policy)     # escalation denominators (shop_escalations.py)
        self.changed: dict = {}                           # key -> state, or FORGOTTEN

    def _load(self, key: str):
        if key in self.changed:
            state = self.changed[key]
            if state is not FORGOTTEN:
                return state
            raw = None
        else:
            raw = self.table.get(key)
        if raw is not None:
            return DECODE[self.side](raw)
        if self.side == PARCEL:
            return ParcelState(key)
        return OrderState() if self.side == "order" else PickupState()

    async def input(self, item, raw: bytes, p: int = 0) -> list[Timer]:
        key = key_of(item)
        state = self._load(key)
        step = INPUT[self.side](state, item, self.policy)
        return await self._finish(key, state, step)

    async def deadline(self, timer: Timer) -> list[Timer]:
        if timer.rule == EXPIRE and not self._exists(timer.key):
            return []                                    # already forgotten
        state = self._load(timer.key)
        return await self._finish(timer.key, state, deadline(state, timer, self.policy))

    def _exists(self, key: str) -> bool:
        if key in self.changed:
            return self.changed[key] is not FORGOTTEN
        return self.table.get(key) is not None

    def flush(self) -> None:
        for key, state in self.changed.items():
            if state is FORGOTTEN:
                self.table.pop(key, None)
            else:
                self.table[key] = codec.encode_state(state)
        self.changed.clear()

    async def _finish(self, key, state, step) -> list[Timer]:
        self.changed[key] = FORGOTTEN if step.forget else state
        for message in step.messages:
            raw = codec.encode(message)
            await self.send(message.side, message.key, raw)
            if self.opened_to_penalty and isinstance(message, OrderOpened):
                await self.send("penalty", message.order.shop_id, raw)
        for decision in step.decisions:
            doc = {"k": "decision", "v": decision, "wall": time.time()}
            await self.send("penalty", decision.order.shop_id, codec.dumps(doc))
        return step.timers

    async def taken_through(self, p: int, through: int) -> None:
        """Nothing to close on this side when the watermark moves."""

    def restored(self, p: int) -> None:
        """Nothing kept per partition outside the tables."""


class PenaltyHandler:
    """Penalties per shop in decision order; each violation published once."""

    def __init__(self, table, policy, publish, serving=None, metrics=None, already=set, escalations=None):
        self.table, self.policy, self.publish = table, policy, publish
        self.serving, self.metrics = serving, metrics
        self.already = already          # () -> ids on the topic at start (published.py)
        self.escalations = escalations  # ShopEscalations when the policy defines escalations

    async def input(self, decision: Decision | OrderOpened, message: bytes, p: int = 0) -> list[Timer]:
        if isinstance(decision, OrderOpened):          # an escalation base (left over after a policy change: none)
            if self.escalations is not None:
                self.escalations.opened(p, decision.order)
            return []
        if self.escalations is not None:
            # Before the "done" check: escalation windows are sets, and their own record may
            # have been lost in a crash that kept the penalty book's.
            self.escalations.decided(p, decision)
        shop = decision.order.shop_id
        raw = self.table.get(shop)
        state = codec.as_doc(raw) if raw else {"compensated": [], "deducted": [], "done": []}
        identity = "|".join(decision.identity)
        if any(done == identity for done, _ in state["done"]):
            return []                                  # published before a restart
        book = PenaltyBook(self.policy)
        book.compensated = OrderedDict((order, at) for order, at in state["compensated"])
        book.deducted = OrderedDict(((shop, day), fen) for day, fen in state["deducted"])
        v = violation(decision, book.charge(decision), self.policy.version)
        oldest = decision.decided_at - self.policy.retention_ms   # as the book forgets, so do we
        state = {"compensated": list(book.compensated.items()),
                 "deducted": [[day, fen] for (_, day), fen in book.deducted.items()],
                 "done": [[done, at] for done, at in state["done"] if at >= oldest] + [[identity, decision.decided_at]]}
        self.table[shop] = dumps_kept(state)
        if v["violation_id"] in self.already():
            return []                                  # published before a crash lost its record
        await self.publish(v)
        if self.serving is not None:
            self.serving.record(v)
        if self.metrics is not None:
            self.metrics.violation(v)
            wall = orjson.loads(message).get("wall") or time.time()
            self.metrics.decision_latency(max(0.0, time.time() - wall))
        return []

    async def deadline(self, timer: Timer) -> list[Timer]:
        return []

    def flush(self) -> None:
        """Each decision's writes are made as it is charged."""

    async def taken_through(self, p: int, through: int) -> None:
        """The stage took everything through its watermark: escalation days that ended are final."""
        if self.escalations is not None:
            await self.escalations.close(p, through)

    def restored(self, p: int) -> None:
        if self.escalations is not None:
            self.escalations.forget(p)
