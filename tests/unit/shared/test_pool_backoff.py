"""A database back from an outage is tried again within a second, however long it was away."""

import pytest
from psycopg_pool import ConnectionPool

from shared.runtime.pool import MAX_RECONNECT_DELAY_SECONDS, PromptBackoff, PromptlyReconnectingPool


def delays(attempt: PromptBackoff, count: int, started: float = 100.0) -> list[float]:
    found = []
    now = started
    for _ in range(count):
        attempt.update_delay(now)
        found.append(attempt.delay)
        now += attempt.delay
    return found


def test_reconnection_attempts_never_wait_more_than_a_second():
    waits = delays(PromptBackoff(timeout=300), 40)

    assert waits[0] == pytest.approx(1.0, rel=0.11)  # psycopg_pool's first delay, with its jitter
    assert max(waits) <= MAX_RECONNECT_DELAY_SECONDS
    # Twenty seconds away, and the next attempt is still at most a second off.
    assert sum(waits[:20]) <= 20 * MAX_RECONNECT_DELAY_SECONDS


def test_the_pool_still_gives_up_when_its_reconnect_timeout_runs_out():
    # As psycopg_pool's _add_connection goes: give up, or wait the delay and try again.
    attempt, now, tries = PromptBackoff(timeout=5), 100.0, 0
    while not attempt.time_to_give_up(now):
        attempt.update_delay(now)
        now, tries = now + attempt.delay, tries + 1

    assert now == pytest.approx(105.0)
    assert tries >= 5  # one a second, where doubling alone would have tried three times


def test_the_service_pool_makes_lost_connections_again_with_the_prompt_backoff(monkeypatch):
    attempts = []
    monkeypatch.setattr(
        ConnectionPool, "_add_connection", lambda _pool, attempt, growing=False: attempts.append(attempt)
    )
    pool = PromptlyReconnectingPool("host=127.0.0.1 port=9", open=False)

    pool._add_connection(None)

    assert [type(attempt) for attempt in attempts] == [PromptBackoff]
