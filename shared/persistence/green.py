"""Make psycopg wait through eventlet's hub, and prove it at start-up.

psycopg's binary build waits on sockets in C, which blocks eventlet's hub: every other
green thread (other workers, AMQP heartbeats) stalls for the length of each query. The
select-based wait calls `select.select`, which eventlet's monkey-patching makes green.
"""

import os
import select

# Must be set before psycopg is first imported; shared.runtime imports this module first.
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

import psycopg.waiting


class BlockingDriverError(RuntimeError):
    """psycopg would block the eventlet hub."""


def use_green_wait() -> None:
    """Select the select-based wait even if psycopg was imported before us."""
    psycopg.waiting.wait = psycopg.waiting.wait_select


def assert_green_wait() -> str:
    """Fail start-up if queries would block the hub; returns a description for the log."""
    import eventlet.patcher

    wait_name = getattr(psycopg.waiting.wait, "__name__", repr(psycopg.waiting.wait))
    if psycopg.waiting.wait is not psycopg.waiting.wait_select:
        raise BlockingDriverError(f"psycopg uses {wait_name}, which blocks eventlet; call use_green_wait()")
    if not eventlet.patcher.is_monkey_patched("select"):
        raise BlockingDriverError("select is not monkey-patched: psycopg's wait_select would block")
    if select.select.__module__ == "select":
        raise BlockingDriverError("select.select is still the blocking builtin")
    return f"psycopg wait={wait_name}, select={select.select.__module__}"
