"""The one scheduling core of the engine and the stages (detectors/agenda.py)."""
from detectors.agenda import Agenda
from detectors.decisions import Timer


def timer(due: int, order: str = "O1", rule: str = "expire") -> Timer:
    return Timer(due=due, rule=rule, side="order", key=order, order_id=order, parcel=None)


def test_takes_only_what_the_watermark_passed_in_key_order():
    agenda = Agenda()
    for key, name in [((30, 0, "c"), "c"), ((10, 2, "a"), "a"), ((10, 0, "b"), "b"), ((20, 1, "d"), "d")]:
        agenda.add(name, key)
    assert list(agenda.due(20)) == ["b", "a", "d"]
    assert len(agenda) == 1 and agenda.inputs == 1
    assert list(agenda.due(29)) == []
    assert list(agenda.due(30)) == ["c"]


def test_an_input_goes_before_a_deadline_of_equal_key_and_equal_inputs_keep_their_order():
    agenda = Agenda()
    t = timer(10)
    agenda.add(t)                      # added first, yet taken after the input with its key
    agenda.add("caused", t.sort_key)
    agenda.add("first", (5, 0, "x"))
    agenda.add("second", (5, 0, "x"))
    assert agenda.deadlines == 1 and agenda.inputs == 3
    assert list(agenda.due(10)) == ["first", "second", "caused", t]
    assert agenda.deadlines == 0 and len(agenda) == 0


def test_a_deadline_added_while_taking_is_taken_in_the_same_pass_when_due():
    agenda = Agenda()
    agenda.add("input", (5, 0, "e"))
    taken = []
    for entry in agenda.due(10):
        taken.append(entry)
        if entry == "input":
            agenda.add(timer(8))
            agenda.add(timer(11, "O2"))
    assert [getattr(e, "due", e) for e in taken] == ["input", 8]
    assert agenda.deadlines == 1


def test_stop_leaves_the_rest_waiting():
    agenda = Agenda()
    for n in range(5):
        agenda.add(n, (n, 0))
    stop = iter([False, False, True]).__next__
    assert list(agenda.due(10, stop)) == [0, 1]
    assert len(agenda) == 3 and list(agenda.due(10)) == [2, 3, 4]
