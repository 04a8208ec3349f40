"""A hop's round trips are tallied as they go and handed over once, when its span ends; hops that never end are
forgotten oldest first."""

from shared.telemetry.round_trips import ROUND_TRIPS, TIME_MS, Tallies


def test_a_hops_round_trips_are_summed_and_taken_once():
    tallies = Tallies()
    tallies.add(0xA1, 1_250_000)
    tallies.add(0xB2, 9_000_000)
    tallies.add(0xA1, 2_500_400)

    assert tallies.take(0xA1) == {ROUND_TRIPS: 2, TIME_MS: 3.75}
    assert tallies.take(0xA1) is None  # taken: a span ends once
    assert tallies.take(0xB2) == {ROUND_TRIPS: 1, TIME_MS: 9.0}


def test_spans_that_never_end_are_forgotten_oldest_first_beyond_the_capacity():
    tallies = Tallies(capacity=2)
    for span_id in (1, 2, 3):
        tallies.add(span_id, 1_000_000)
    tallies.add(3, 1_000_000)

    assert tallies.take(1) is None
    assert tallies.take(2) == {ROUND_TRIPS: 1, TIME_MS: 1.0}
    assert tallies.take(3) == {ROUND_TRIPS: 2, TIME_MS: 2.0}
