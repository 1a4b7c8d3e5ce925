"""One topology: the app declares what topology.topic_specs says; marks go once per target partition."""
from __future__ import annotations

from stream.policies import load_policy
from stream.service.mark_plan import MarkFilter, mark_plan
from stream.service.marks import mark_doc
from stream.service.topology import UPSTREAM, progress_topic, spec_of, stage_topic, topic_specs
from stream.service.wiring import table_names
from stream.settings import Settings


def test_the_app_declares_every_topic_as_the_topology_says():
    from stream.service.app import create_app
    settings = Settings(partitions=6, app_id="topo")
    app = create_app(settings, load_policy("platform-2026-07"))
    specs = topic_specs("topo", 6, tuple(table_names(load_policy("platform-2026-07"))))
    declared = {t.get_topic_name(): t.partitions for k, t in app.shipguard.topics.items() if k != "ingest"}
    assert declared == {name: spec_of(specs, name).partitions for name in declared}
    assert declared[progress_topic("topo")] == 1
    assert {stage_topic("topo", s) for s in UPSTREAM} <= set(declared)
    changelogs = {s.name for s in specs if s.compacted}
    assert changelogs == {f"topo-{name}-changelog" for name in app.tables}


def _ingest_marks(w: int) -> list[dict]:
    return [mark_doc(f"ingest:{t}", p, 2, w, w, False, o=w) for t in ("order-paid", "carrier-scan") for p in (0, 1)]


def test_a_target_hears_one_message_of_every_source_then_only_what_moved():
    plan = mark_plan(_ingest_marks(10), {}, 2)
    assert set(plan) == {"order", "parcel", "pickup", "progress"}
    sent = MarkFilter(refresh=None)
    assert len(sent.new("order", plan["order"])) == 4
    assert sent.new("order", mark_plan(_ingest_marks(10), {}, 2)["order"]) == []
    moved = _ingest_marks(10)
    moved[2]["w"] = 11
    assert sent.new("order", moved) == [moved[2]]
    sent.forget()                                   # a rebalance: the new owners hear everything again
    assert len(sent.new("order", moved)) == 4


def test_the_progress_marks_are_sent_again_after_the_refresh_interval():
    now = [0.0]
    sent = MarkFilter(refresh=5.0, clock=lambda: now[0])
    marks = _ingest_marks(3)
    assert len(sent.new("progress", marks)) == len(sent.new("order", marks)) == 4
    now[0] = 4.9
    assert sent.new("progress", marks) == []
    now[0] = 5.0
    assert len(sent.new("progress", marks)) == 4     # collect, started on a quiet stream, hears them
    assert sent.new("order", marks) == []            # a stage partition heard them and keeps them
