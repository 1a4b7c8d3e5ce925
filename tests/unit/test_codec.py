"""What the stream stores and sends comes back equal: states after a real run,
and every message kind the sides exchange."""
from __future__ import annotations

from detectors.engine import Engine
from detectors.sides import INPUT
from stream.service import codec
from stream.eventlog import parse_line
from stream.offline import decode
from stream.policies import load_policy
from stream.tools.synth import generate

DECODERS = {"order": codec.decode_order_state, "parcel": codec.decode_parcel_state,
            "pickup": codec.decode_pickup_state}


def run_engine(orders=300):
    lines, as_of = generate(orders, 7, 3)
    engine = Engine(load_policy("seed-v1"), 300_000, as_of)
    sent = []
    for n, line in enumerate(lines, 1):
        item = decode(parse_line(n, codec.orjson.dumps(line)))
        if not hasattr(item, "reason"):
            sent.append(item)
            engine.offer(item)
    engine.finish()
    return engine, sent


def test_states_survive_a_round_trip():
    engine, _ = run_engine()
    for side, table in engine.states.items():
        assert table, side
        for key, state in table.items():
            assert DECODERS[side](codec.encode_state(state)) == state, (side, key)


def test_events_and_messages_survive_a_round_trip():
    engine, events = run_engine(100)
    fired = {f[0] for table in engine.states.values() for state in table.values() for f in state.fired}
    assert len(fired) >= 6                      # the sample reaches most rules, so most kinds travel
    policy = load_policy("seed-v1")
    fresh = Engine(policy, 300_000)             # replay the inputs to capture what the sides emit
    emitted = 0
    for item in events:
        assert codec.decode(codec.encode(item)) == item
        side = "parcel" if item.topic == "carrier-scan" else "order"
        key = item.parcel if side == "parcel" else item.order_id
        step = INPUT[side](fresh._state(side, key), item, policy)
        for out in step.messages + step.decisions + step.timers:
            assert codec.decode(codec.encode(out)) == out
            emitted += 1
    assert emitted > len(events) // 4
