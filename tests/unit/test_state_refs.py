"""A parcel's bindings refer to the order's facts (issue 13): in the engine the parcel holds the
order side's own object, and the stream's table stores each order's facts once a parcel."""
from __future__ import annotations

from detectors.messages import ORDER, PARCEL
from stream.service import codec

from .test_redelivery import run

REBOUND = [{"paid": {"order": "o1", "at": "0h"}},
           {"paid": {"order": "o2", "at": "0h", "city": "上海市"}},
           {"upload": {"order": "o1", "parcel": "ZTO:1", "at": "1h"}},
           {"upload": {"order": "o2", "parcel": "ZTO:1", "at": "2h"}},
           {"cancel": {"order": "o1", "parcel": "ZTO:1", "at": "3h"}},
           {"paid": {"order": "later", "at": "1d"}}]


def test_bindings_are_the_order_sides_facts_and_uploads_share_them():
    engine = run(REBOUND)
    engine.finish()
    parcel = engine.states[PARCEL]["ZTO:1"]
    assert [b.order.order_id for b in parcel.bound] == ["o2"] and [u.order.order_id for u in parcel.uploads] == ["o1", "o2"]
    assert parcel.bound[0] is parcel.uploads[1]
    assert parcel.uploads[0].order is engine.states[ORDER]["o1"].order


def test_the_table_stores_each_orders_facts_once_and_reads_them_back_shared():
    engine = run(REBOUND)
    engine.finish()
    parcel = engine.states[PARCEL]["ZTO:1"]
    raw = codec.encode_state(parcel)
    assert raw.count(b'"paid_event_id"') == 2
    back = codec.decode_parcel_state(raw)
    assert back == parcel and back.bound[0] is back.uploads[1]


def test_states_stored_with_whole_bind_messages_still_read():
    engine = run(REBOUND)
    engine.finish()
    parcel = engine.states[PARCEL]["ZTO:1"]
    doc = codec.orjson.loads(codec.encode_state(parcel))
    facts = doc.pop("orders")
    bind = {"sort_key": [0, 1, "x"], "carrier": "ZTO", "waybill_no": "1"}
    doc["bound"] = {k: {**bind, "order": facts[i], "uploaded_at": at, "event_id": e} for k, (i, at, e) in doc["bound"].items()}
    doc["uploads"] = [{"at": at, "order_id": facts[i]["order_id"], "event_id": e,
                       "consignee": [facts[i]["recipient_id"], "浙江", "上海" if i else "杭州", "西湖区", "d1"]}
                      for i, at, e in doc["uploads"]]
    back = codec.decode_parcel_state(codec.orjson.dumps(doc))
    assert back.bound == parcel.bound and back.bound[0] is back.uploads[1]
    from detectors.rules.duplicate_waybill import consignee
    assert [consignee(u.order) for u in back.uploads] == [consignee(u.order) for u in parcel.uploads]
