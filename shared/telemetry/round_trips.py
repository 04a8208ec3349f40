"""Database round trips in traces: counted on the hop's span, and a span of their own when slow or failed.

A span for every round trip was half of all the spans a case made (35 of 70 in a lifecycle) and
most of what tracing cost. Each hop's span (the handler's, the request's) now carries how many
round trips it made and how long they took together (`db.round_trips`, `db.time_ms`), tallied
as they go and written when the span ends; a round
trip that took at least `WUYUAN_DB_SPAN_MIN_MS` (10 ms by default; 0 records every one), or
failed, is still a client span of its own, named after every statement it carried, beneath it.
"""

import time
from collections.abc import Sequence
from functools import cache
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_tracer = trace.get_tracer("wuyuan.db")

ROUND_TRIPS = "db.round_trips"
TIME_MS = "db.time_ms"


class RoundTripTracing(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WUYUAN_", extra="ignore")

    db_span_min_ms: float = Field(
        10.0, ge=0, le=600_000, description="a round trip this slow (or failed) becomes a span; 0: every one"
    )


@cache
def span_threshold_ns() -> int:
    return int(RoundTripTracing().db_span_min_ms * 1_000_000)


def round_trip_name(statements: Sequence[tuple[str, Sequence[Any]]]) -> str:
    """A span name for statements sent together: every verb but BEGIN, in order ("UPDATE; INSERT; COMMIT")."""
    verbs = [sql.split(None, 1)[0].upper() for sql, _ in statements if sql.strip()]
    return "; ".join(verb for verb in verbs if verb != "BEGIN") or "BEGIN"


def started() -> int:
    """When a round trip starts, as `traced` wants it."""
    return time.time_ns()


def traced(
    statements: Sequence[tuple[str, Sequence[Any]]],
    began: int,
    error: BaseException | None = None,
    counted: bool = True,
) -> None:
    """Account for a round trip that began at `began` (from `started()`) and has just ended. One that is the
    connection's business rather than the hop's (preparing a statement) is not `counted` on the hop's span."""
    if not is_instrumentation_enabled():  # the relay's and the metrics' own polling stay out of traces
        return
    ended = time.time_ns()
    if counted:
        hop = trace.get_current_span()
        if hop.is_recording():  # only a recording span ends through the processor that takes its tally
            TALLIES.add(hop.get_span_context().span_id, ended - began)
    if error is None and ended - began < span_threshold_ns():
        return
    span = _tracer.start_span(
        round_trip_name(statements),
        kind=SpanKind.CLIENT,
        start_time=began,
        # The statements as written (placeholders, never values), whatever form they travelled in.
        attributes={"db.system": "postgresql", "db.statement": "; ".join(sql for sql, _ in statements)},
    )
    if error is not None:
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
    span.end(end_time=ended)


class Tallies:
    """Each open hop's round trips and their time, by span id, written onto the span as it ends.

    Setting the span's attributes at every round trip took the span's lock and checked its values each time;
    a hop makes several. The span processor (shared.telemetry.processors) takes the tally when the span ends.
    A span that never ends (its process stopped mid-hop) leaves an entry behind: the oldest are dropped
    beyond `capacity`.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._open: dict[int, list[int]] = {}  # span id: [round trips, nanoseconds]

    def add(self, span_id: int, nanoseconds: int) -> None:
        tally = self._open.get(span_id)
        if tally is None:
            if len(self._open) >= self.capacity:
                del self._open[next(iter(self._open))]
            self._open[span_id] = [1, nanoseconds]
        else:
            tally[0] += 1
            tally[1] += nanoseconds

    def take(self, span_id: int) -> dict[str, int | float] | None:
        """The span's tally as its attributes, once: None if it made no round trip."""
        tally = self._open.pop(span_id, None)
        if tally is None:
            return None
        return {ROUND_TRIPS: tally[0], TIME_MS: round(tally[1] / 1e6, 3)}


TALLIES = Tallies()
