"""Make psycopg wait through eventlet's hub, and prove it at start-up.

psycopg's binary build waits on sockets in C, which blocks eventlet's hub: every other
green thread (other workers, AMQP heartbeats) stalls for the length of each query. Its
select-based wait would be green under monkey-patching, but eventlet's `select.select` builds
listeners for three lists and a timer for psycopg's polling interval on every call. A query
only ever waits to read or to write its one socket, so `wait_green` parks the green thread on
that socket alone (`eventlet.hubs.trampoline`, with no timer unless psycopg asked for a
timeout) and keeps the select-based wait for the rare wait on both at once.
"""

import os
import select
import time
from typing import TypeVar

# Must be set before psycopg is first imported; shared.runtime imports this module first. It is what a
# connection made before use_green_wait() (or by a tool that never calls it) waits with.
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

import psycopg.waiting
from eventlet.hubs import trampoline
from psycopg import errors
from psycopg.abc import PQGen
from psycopg.waiting import READY_R, READY_W, WAIT_R, WAIT_RW, WAIT_W

RV = TypeVar("RV")


class BlockingDriverError(RuntimeError):
    """psycopg would block the eventlet hub."""


def wait_green(gen: PQGen[RV], fileno: int, interval: float = 0.0, timeout: float | None = None) -> RV:
    """psycopg's `wait`: run `gen`, parking the green thread on `fileno` whenever it must wait.

    `interval` is psycopg's polling period for a blocking wait to notice interruptions; a parked green
    thread needs none. `timeout`, when psycopg gives one, bounds the whole exchange, as in its own waits.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        state = next(gen)
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if state == WAIT_RW:  # sending a large query while the server answers: rare, and needs both
                state = gen.send(_select_both(fileno, left))
                continue
            if state != WAIT_R and state != WAIT_W:
                raise errors.InternalError(f"psycopg asked to wait for {state!r}")
            reading = state == WAIT_R
            if left is None:
                trampoline(fileno, read=reading, write=not reading)
            else:
                trampoline(fileno, read=reading, write=not reading, timeout=left, timeout_exc=_timed_out())
            state = gen.send(READY_R if reading else READY_W)
    except OSError as exc:  # the socket closed under us (eventlet's IOClosed is one): as psycopg's waits say
        raise errors.OperationalError("connection socket closed") from exc
    except StopIteration as done:
        result: RV = done.value
        return result


def _timed_out() -> errors.OperationalError:
    return errors._WaitTimeout("wait timeout expired")


def _select_both(fileno: int, timeout: float | None) -> int:
    readable, writable, broken = select.select((fileno,), (fileno,), (fileno,), timeout)
    if broken:
        raise errors.OperationalError("connection socket closed")
    if not readable and not writable:
        raise _timed_out()
    return (READY_R if readable else 0) | (READY_W if writable else 0)


def use_green_wait() -> None:
    """Wait through the hub, whatever psycopg chose when it was imported."""
    psycopg.waiting.wait = wait_green


def assert_green_wait() -> str:
    """Fail start-up if queries would block the hub; returns a description for the log."""
    import eventlet.patcher

    wait_name = getattr(psycopg.waiting.wait, "__name__", repr(psycopg.waiting.wait))
    if psycopg.waiting.wait is not wait_green:
        raise BlockingDriverError(f"psycopg uses {wait_name}, which blocks eventlet; call use_green_wait()")
    if not eventlet.patcher.is_monkey_patched("select"):
        raise BlockingDriverError("select is not monkey-patched: a wait on both directions would block")
    if select.select.__module__ == "select":
        raise BlockingDriverError("select.select is still the blocking builtin")
    return f"psycopg wait={wait_name}, select={select.select.__module__}"
