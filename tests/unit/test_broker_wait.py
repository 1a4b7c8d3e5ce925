"""Waiting for the broker: a worker for ever (saying so), a command until its deadline."""
import pytest

from stream import broker_wait
from stream.broker_wait import BrokerUnreachable, wait_for_broker


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_a_deadline_gives_up_in_time_and_names_the_broker(monkeypatch):
    monkeypatch.setattr(broker_wait, "_listening", lambda bootstrap: False)
    clock = Clock()
    with pytest.raises(BrokerUnreachable, match=r"127\.0\.0\.1:1 within 7 s \(ConnectionRefusedError\)"):
        wait_for_broker("127.0.0.1:1", interval=2, sleep=clock.sleep, security={}, deadline=7, clock=clock)
    assert clock.now <= 7


def test_without_a_deadline_it_waits_until_the_broker_answers(monkeypatch, caplog):
    answers = iter([False] * 20 + [True])
    monkeypatch.setattr(broker_wait, "_listening", lambda bootstrap: next(answers))

    class Admin:
        def __init__(self, **kwargs):
            pass

        def list_topics(self):
            return []

        def close(self):
            pass
    monkeypatch.setattr("kafka.KafkaAdminClient", Admin)
    clock = Clock()
    assert wait_for_broker("127.0.0.1:1", interval=2, sleep=clock.sleep, security={}, clock=clock) == 20
    assert clock.now == 40
    retrying = [r for r in caplog.records if "retrying every 2 s" in r.getMessage()]
    assert len(retrying) == 2            # the first failure, then every 15th: never a line per attempt


def test_a_worker_waits_for_its_input_topics_saying_which_and_backing_off(monkeypatch, caplog):
    from stream.broker_wait import wait_for_topics

    listings = iter([["order-paid"], ["order-paid"], ["order-paid", "carrier-scan"],
                     ["order-paid", "carrier-scan", "tracking-uploaded", "other"]])

    class Admin:
        def __init__(self, **kwargs):
            pass

        def list_topics(self):
            return next(listings)

        def close(self):
            pass
    monkeypatch.setattr("kafka.KafkaAdminClient", Admin)
    slept = []
    wanted = ("order-paid", "tracking-uploaded", "carrier-scan")
    assert wait_for_topics("127.0.0.1:1", wanted, {}, interval=2, sleep=slept.append) == 3
    assert slept == [2, 4, 8]
    said = [r.getMessage() for r in caplog.records]
    assert "waiting for topics carrier-scan, tracking-uploaded on 127.0.0.1:1" in said[0]
    assert "shipguard topics" in said[0] and "exist now" in said[-1] and len(said) == 2
