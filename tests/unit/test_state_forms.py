"""States the stream stored in earlier forms still decode (a worker restarted on an upgrade
reads its old changelog), to the state the engine keeps now."""
from __future__ import annotations

import orjson

from detectors.state import ParcelState, Transit
from stream.service import codec

T = 1_790_000_000_000


def parcel(transit: Transit) -> ParcelState:
    return ParcelState("ZTO:1", first_collected=T, first_collected_id="c1", first_hub=T + 1000, first_hub_id="h1",
                       transit=transit)


def stored_with(state: ParcelState, without: tuple = (), **fields) -> bytes:
    """The state as the stream stores it, with some fields as an earlier version wrote them
    (and without those it did not write)."""
    doc = {**orjson.loads(codec.encode_state(state)), **fields}
    return orjson.dumps({name: value for name, value in doc.items() if name not in without})


def test_transit_stored_as_time_and_id_pairs_decodes_flat():
    state = parcel(Transit("浙江", T + 9000, "s3", False, 5000, "s2"))
    before = {"origin": "浙江", "last": [T + 9000, "s3"], "ended": False, "widest": 5000,
              "widest_from": [T + 4000, "s2"]}
    assert codec.decode_parcel_state(stored_with(state, transit=before)) == state


def test_transit_not_started_stored_as_pairs_decodes_flat():
    state = parcel(Transit("浙江"))
    before = {"origin": "浙江", "last": None, "ended": False, "widest": 0, "widest_from": None}
    assert codec.decode_parcel_state(stored_with(state, transit=before)) == state


def test_flat_transit_round_trips():
    state = parcel(Transit("浙江", T + 9000, "s3", True, 5000, "s2"))
    assert codec.decode_parcel_state(codec.encode_state(state)) == state


def test_first_scans_stored_as_time_and_id_pairs_decode_flat():
    before = ("first_collected_id", "first_hub_id")
    state = parcel(None)
    assert codec.decode_parcel_state(
        stored_with(state, before, first_collected=[T, "c1"], first_hub=[T + 1000, "h1"])) == state
    none_yet = ParcelState("ZTO:1")
    assert codec.decode_parcel_state(stored_with(none_yet, before, first_collected=None, first_hub=None)) == none_yet
