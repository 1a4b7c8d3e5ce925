"""The worker's stage graph run in memory (stream/service/driver.py) publishes what the offline
engine decides, byte for byte: every rule case, and arrivals shuffled or redelivered within the
allowed lateness, under each policy (escalations included). Restarts: test_driver_restart.py."""
from __future__ import annotations

import dataclasses

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from stream.eventlog import LogRecord
from stream.offline import run_offline
from stream.produce import message_key
from stream.service.driver import Driver, NotFinal, partition_of

from .test_properties import POLICIES, arrivals, in_time_order, run as offline_bytes, scenario
from .test_rule_cases import LATENESS, T0, build, fmt, ms, paid, params, policy_named, shuffled


def contract(event) -> tuple[str, str, bytes]:
    """A detectors event as the platform sends it (CONTRACT §1), with its §1 key."""
    value = dataclasses.asdict(event)
    if value.get("city", "") is None:
        del value["city"]                       # optional: absent, not null
    return message(event.topic, value)


def message(topic: str, value: dict) -> tuple[str, str, bytes]:
    raw = orjson.dumps(value)
    return topic, message_key(LogRecord(0, topic, None, raw, value)), raw


def offline(messages, policy, as_of=None):
    """`shipguard run` over the same bytes, in the same order."""
    records = [LogRecord(n, topic, key, raw) for n, (topic, key, raw) in enumerate(messages, 1)]
    return run_offline(records, policy, LATENESS, as_of)


def lines(items) -> bytes:
    return b"".join(orjson.dumps(x) + b"\n" for x in items)


def published_ids(d: Driver) -> list[str]:
    return [orjson.loads(v)["violation_id"] for v in d.published]


# -- the rule cases -------------------------------------------------------------------
RUNS = [("listed", 4, None), ("shuffle#0", 3, 1), ("shuffle#1", 2, 2)]   # arrival order, partitions, seed


def case_params():
    for param in params():
        _, case = param.values
        for order, partitions, seed in RUNS:
            if order != "listed" and not case.get("arrival_shuffle", True):
                continue
            yield pytest.param(case, order, partitions, seed, id=f"{param.id} [{order}]", marks=param.marks)


@pytest.mark.parametrize("case, order, partitions, seed", list(case_params()))
def test_every_rule_case_decides_as_offline(case, order, partitions, seed):
    policy = policy_named(case["policy"])
    as_of = T0 + ms(case.get("as_of", "60d"))
    events = build(case) if order == "listed" else shuffled(build(case), f"{case['name']}#{order[-1]}")
    messages = [contract(e) for e in events]
    expected = offline(messages, policy, as_of)

    d, newest = Driver(policy, partitions, LATENESS, seed), None
    for event, m in zip(events, messages):
        if newest is not None and event.time <= min(newest - LATENESS - 1, as_of):
            d.run_until_idle()        # offline calls it late: in the stream it comes after a quiet spell
        if event.time <= as_of:
            newest = event.time if newest is None else max(newest, event.time)
        d.pipe(*m)
    # Event time must pass T for its deadlines to be decided (collect waits for that): one order
    # of a shop of its own, paid just after T, changes nothing at or before T.
    d.pipe(*contract(paid("sentinel", {"order": "~sentinel", "shop": "~sentinel", "product": "~sentinel",
                                       "at": fmt(as_of - T0 + 1)})))
    d.run_until_idle()

    assert lines(d.violations(as_of)) == lines(expected.violations)
    assert lines(d.escalations(as_of)) == lines(expected.escalations)
    assert sum(s.late for s in d.stages.values()) == expected.counts["late"]
    assert len(set(published_ids(d))) == len(d.published)


def test_nothing_is_collected_before_it_is_final():
    """As collect: not final through T, no answer (rules out a vacuous as-of check above)."""
    policy = policy_named("seed-v1")
    messages = [contract(e) for e in build({"events": [{"paid": {"order": "o1", "at": "0h"}},
                                                       {"paid": {"order": "o2", "at": "60d"}}]})]
    d = Driver(policy)
    for m in messages:
        d.pipe(*m)
    d.run_until_idle(close=False)            # input partitions that never spoke hold everything back
    with pytest.raises(NotFinal):
        d.violations()
    d.run_until_idle()
    expected = offline(messages, policy, T0 + ms("60d")).violations
    assert expected and lines(d.violations(T0 + ms("60d"))) == lines(expected)


# -- the properties of test_properties.py ----------------------------------------------
def through_driver(arrived, policy, partitions: int, seed: int) -> tuple[bytes, Driver]:
    d = Driver(policy, partitions, LATENESS, seed)
    for topic, value in arrived:
        d.pipe(*message(topic, value))
    d.run_until_idle()
    return lines(d.violations() + d.escalations()), d


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=60, deadline=None)
@given(events=scenario(), data=st.data())
def test_shuffles_within_lateness_decide_as_offline(policy, events, data):
    delays = data.draw(st.lists(st.integers(0, LATENESS), min_size=len(events), max_size=len(events)))
    got, _ = through_driver(arrivals(events, delays), policy, data.draw(st.integers(1, 4)), data.draw(st.integers(0, 99)))
    assert got == offline_bytes(in_time_order(events), policy)


def with_redeliveries(events, data) -> list:
    """The events, some of them twice, each arriving up to the lateness late."""
    doubled = events + data.draw(st.lists(st.sampled_from(events), max_size=len(events)))
    delays = data.draw(st.lists(st.integers(0, LATENESS), min_size=len(doubled), max_size=len(doubled)))
    return arrivals(doubled, delays)


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=60, deadline=None)
@given(events=scenario(), data=st.data())
def test_redeliveries_decide_as_offline(policy, events, data):
    got, d = through_driver(with_redeliveries(events, data), policy, data.draw(st.integers(1, 4)),
                            data.draw(st.integers(0, 99)))
    assert got == offline_bytes(in_time_order(events), policy)
    assert len(set(published_ids(d))) == len(d.published)


def test_dead_letters_are_the_offline_ones():
    good = [contract(e) for e in build({"events": [{"paid": {"order": "o1", "at": "0h"}}]})]
    bad = [("order-paid", "o2", b"not json"), ("carrier-scan", "ZTO:1", b"[1]"),
           ("tracking-uploaded", "o1", orjson.dumps({"event_id": "u1", "order_id": "o1"}))]
    d = Driver(policy_named("seed-v1"))
    for m in bad + good:
        d.pipe(*m)
    d.run_until_idle()
    expected = offline(bad + good, policy_named("seed-v1"))
    strip = lambda x: sorted((r["topic"], r["reason"], r["raw_b64"]) for r in x)   # offsets differ: log lines
    assert strip(d.dead_letters()) == strip(expected.dead_letters) and len(expected.dead_letters) == 3
    assert lines(d.violations()) == lines(expected.violations)


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=60, deadline=None)
@given(events=scenario(), data=st.data())
def test_messages_a_producer_placed_elsewhere_decide_as_offline(policy, events, data):
    """The order and parcel stages read the platform partitions themselves. A message its producer
    put in another partition than its key's goes to the stage partition that holds its key's state."""
    n = data.draw(st.integers(2, 4))
    d = Driver(policy, n, LATENESS, data.draw(st.integers(0, 99)))
    arrived = arrivals(events, data.draw(st.lists(st.integers(0, LATENESS), min_size=len(events),
                                                  max_size=len(events))))
    for topic, value in arrived:
        d.pipe(*message(topic, value), partition=data.draw(st.integers(0, n - 1)))
    d.run_until_idle()
    assert lines(d.violations() + d.escalations()) == offline_bytes(in_time_order(events), policy)
    forwarded = [raw for stage in ("order", "parcel") for p in range(n) for raw in d.topics[(stage, p)]
                 if orjson.loads(raw)["k"] in ("paid", "upload", "scan")]
    misplaced = sum(1 for (topic, p), raws in d.topics.items() if topic in ("order-paid", "tracking-uploaded",
                    "carrier-scan") for raw in raws if p != partition_of(_key(topic, raw), n))
    assert len(forwarded) == misplaced             # each went round by its stage's own topic, once


def _key(topic: str, raw: bytes) -> str:
    return message(topic, orjson.loads(raw))[1]
