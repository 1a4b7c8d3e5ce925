"""The redelivery check (detectors/redelivery.py) is exactly set membership, and ids are kept
past the watermark: a reused id comes back later than any lateness and is still ignored."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from detectors import redelivery
from detectors.engine import Engine
from detectors.messages import ORDER, PARCEL
from stream.service import codec

from .test_rule_cases import LATENESS, POLICY, build

# Ids made of the separator, the escape character, what escaping writes, and a plain letter:
# the ones that could match across a boundary if escaping were wrong.
tricky_ids = st.text(alphabet="|\x00\x01\x02\x03a", min_size=0, max_size=5)
any_ids = tricky_ids | st.text(max_size=12)


@settings(max_examples=400, deadline=None)
@given(st.lists(any_ids, max_size=40))
def test_take_is_set_membership(arrivals):
    taken, known = redelivery.NONE_TAKEN, []
    for event_id in arrivals:
        after = redelivery.take(taken, event_id)
        assert (after is None) == (event_id in known), (event_id, known)
        if after is not None:
            taken = after
            known.append(event_id)
    assert redelivery.ids(taken) == known
    assert redelivery.from_ids(known) == taken


def test_an_empty_id_is_an_id():
    taken = redelivery.take(redelivery.NONE_TAKEN, "")
    assert taken is not None and redelivery.take(taken, "") is None and redelivery.ids(taken) == [""]
    assert redelivery.take(redelivery.NONE_TAKEN, "a") is not None


def run(events):
    engine = Engine(POLICY, lateness_ms=LATENESS)
    for event in build({"events": events}):
        engine.offer(event)
    return engine


def test_a_scan_id_reused_days_later_is_still_a_redelivery():
    """Bounding the ids by the watermark - lateness would take this second `c1`: it is 10 days
    newer, so not late. The contract's corpus calls it a redelivery (recalled_after_deadline.yaml)."""
    events = [{"paid": {"order": "o1", "at": "0h"}},
              {"upload": {"order": "o1", "parcel": "ZTO:1", "at": "1h"}},
              {"scan": {"parcel": "ZTO:1", "status": "in_transit", "at": "2h", "id": "c1"}},
              {"scan": {"parcel": "ZTO:1", "status": "collected", "at": "10d", "id": "c1"}},
              {"paid": {"order": "o2", "at": "11d"}}]
    engine = run(events)
    engine.finish()
    parcel = engine.states[PARCEL]["ZTO:1"]
    assert parcel.first_collected is None           # the reused id changed nothing
    assert redelivery.ids(parcel.seen) == ["c1"]
    order = engine.states[ORDER]["o1"]
    assert redelivery.take(order.seen, order.order.paid_event_id) is None


def test_states_stored_with_a_list_of_ids_still_read():
    engine = run([{"paid": {"order": "o1", "at": "0h"}},
                  {"scan": {"parcel": "ZTO:1", "status": "in_transit", "at": "2h", "id": "c1"}},
                  {"scan": {"parcel": "ZTO:1", "status": "in_transit", "at": "3h", "id": "c2"}},
                  {"paid": {"order": "o2", "at": "1d"}}])
    engine.finish()
    state = engine.states[PARCEL]["ZTO:1"]
    doc = codec.orjson.loads(codec.encode_state(state))
    doc["seen"] = sorted(redelivery.ids(state.seen))       # as a set was stored before
    assert redelivery.ids(codec.decode_parcel_state(codec.orjson.dumps(doc)).seen) == ["c1", "c2"]
