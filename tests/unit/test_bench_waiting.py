"""The bench's bytes per waiting input are measured on what a stage really keeps."""
from stream.tools.bench import log_lines, records
from stream.tools.bench_waiting import waiting_input_bytes


def test_every_valid_input_waits_and_each_holds_at_least_its_message():
    recs = records(log_lines(600, seed=5))
    figures = waiting_input_bytes(recs, n=500)
    valid = [r for r in recs if r.raw][:500]
    assert 0 < figures["waiting_inputs"] <= len(valid)
    # the message value, the parsed event and Faust's message and event: well above the value alone
    assert figures["bytes_per_waiting_input"] > 2 * figures["message_value_bytes"]


def test_twice_the_inputs_hold_about_twice_the_memory():
    recs = records(log_lines(2500, seed=6))
    small, large = waiting_input_bytes(recs, n=1000), waiting_input_bytes(recs, n=2000)
    total_small = small["bytes_per_waiting_input"] * small["waiting_inputs"]
    total_large = large["bytes_per_waiting_input"] * large["waiting_inputs"]
    assert 1.6 < total_large / total_small < 2.4
