"""psycopg's wait through eventlet's hub (`wait_green`), driven by generators like psycopg's over a socket pair."""

import socket
import time
from collections.abc import Generator, Iterator

import eventlet
import pytest
from psycopg import errors
from psycopg.waiting import READY_R, READY_W, WAIT_R, WAIT_RW, WAIT_W

from shared.persistence.green import wait_green


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair()
    try:
        yield ours, theirs
    finally:
        ours.close()
        theirs.close()


def exchange(sock: socket.socket, question: bytes) -> Generator[int, int, bytes]:
    """What a query does: wait to write, send, wait to read, take the answer (and see what it was told)."""
    ready = yield WAIT_W
    assert ready == READY_W
    sock.send(question)
    ready = yield WAIT_R
    assert ready == READY_R
    return sock.recv(100)


def test_it_waits_to_write_then_to_read_and_returns_the_answer(pair):
    ours, theirs = pair

    def server() -> None:
        assert theirs.recv(100) == b"SELECT 1"
        eventlet.sleep(0.05)
        theirs.send(b"1")

    answering = eventlet.spawn(server)
    assert wait_green(exchange(ours, b"SELECT 1"), ours.fileno()) == b"1"
    answering.wait()


def test_other_green_threads_run_while_it_waits(pair):
    ours, theirs = pair
    ticks: list[float] = []

    def ticker() -> None:
        for _ in range(5):
            ticks.append(time.monotonic())
            eventlet.sleep(0.02)
        theirs.send(b"done")

    def waiting() -> Generator[int, int, bytes]:
        yield WAIT_R
        return ours.recv(100)

    eventlet.spawn(ticker)
    assert wait_green(waiting(), ours.fileno()) == b"done"
    assert len(ticks) == 5


def test_a_timeout_bounds_the_whole_exchange(pair):
    ours, _ = pair

    def never_answered() -> Generator[int, int, None]:
        while True:
            yield WAIT_R

    started = time.monotonic()
    with pytest.raises(errors._WaitTimeout):
        wait_green(never_answered(), ours.fileno(), timeout=0.2)
    assert 0.15 < time.monotonic() - started < 2


def test_a_wait_on_both_directions_reports_what_became_ready(pair):
    ours, theirs = pair

    def both() -> Generator[int, int, int]:
        ready = yield WAIT_RW
        return ready

    assert wait_green(both(), ours.fileno()) & READY_W  # nothing to read yet; a fresh socket takes writes
    ours.setblocking(False)
    while True:  # fill the send buffer: now only the peer's answer can wake it
        try:
            ours.send(b"x" * 65536)
        except BlockingIOError:
            break
    eventlet.spawn_after(0.05, theirs.send, b"answer")
    assert wait_green(both(), ours.fileno()) == READY_R


def test_a_peer_that_hangs_up_wakes_it_to_read(pair):
    ours, theirs = pair

    def waiting() -> Generator[int, int, bytes]:
        yield WAIT_R
        return ours.recv(100)

    eventlet.spawn_after(0.05, theirs.close)
    assert wait_green(waiting(), ours.fileno()) == b""  # end of stream: psycopg reports the connection lost


def test_a_state_psycopg_never_asks_for_is_refused(pair):
    ours, _ = pair

    def odd() -> Generator[int, int, None]:
        yield 0

    with pytest.raises(errors.InternalError, match="wait for 0"):
        wait_green(odd(), ours.fileno())
