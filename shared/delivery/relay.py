"""The relay's passes over the outbox: publish what commits announce, mark it sent, sweep up the rest, prune.

A commit hands the relay the messages it queued, and the relay publishes those at once,
from memory: it neither reads nor locks their rows first. What the broker confirmed is
marked sent in one UPDATE per `MARK_DELAY_SECONDS` for every message confirmed meanwhile,
so a busy service pays one statement for many messages rather than a transaction for each.
Every relay interval the relay also sweeps the outbox for rows no commit in this process
announced: left by a crash, by another instance, or held back after a failed publish. The
sweep locks what it takes `FOR UPDATE SKIP LOCKED` and passes over rows younger than a
grace period, which the committing instance's relay is about to publish and mark; its own
instance's marks are written before it looks. A message can still go out twice (a crash
between publish and mark, or another instance's relay lagging past the grace), which
consumers' inboxes make harmless; none goes out zero times.

Rows published longer ago than the retention are deleted every `PRUNE_INTERVAL_SECONDS`,
oldest first, so the outbox keeps a recent record of what was sent instead of growing for ever.

A message goes out with the trace context its handler stored with it, so the receiver's span is
a child of the sender's. A publish is a span of its own only when there is something to see:
it failed or was returned, or a sweep found it (it missed its commit's relay). With
`trace_every_publish` every publish is one, its context the one the receiver continues. A span
for every publish was more than a quarter of all the spans a case made, and said only that the
broker took the message.

This module knows the broker only through `Publisher` and the database only through
`Statements`; the running service wires in the pipelined AMQP publisher and its pool.
"""

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from opentelemetry import trace

from shared.delivery import outbox
from shared.delivery.outbox import Queued
from shared.delivery.statements import Statements
from shared.telemetry.case_scope import trace_id_in
from shared.telemetry.propagation import CASE_ID_KEY, context_from_headers, headers_for_context

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("wuyuan.outbox")

# A commit's own relay publishes its rows within milliseconds and marks them within
# MARK_DELAY_SECONDS; one still unmarked after the grace was not announced to a running relay.
SWEEP_GRACE_SECONDS = 3.0
MARK_DELAY_SECONDS = 0.25
PRUNE_INTERVAL_SECONDS = 300.0
# A pass prunes at most this many batches, so a long backlog of old rows (after an upgrade, or
# a raised retention lowered) never holds up publishing; the next pass then comes sooner.
PRUNE_BATCHES_PER_PASS = 10


@dataclass(frozen=True)
class Outgoing:
    """One message as the publisher sends it: persistent, mandatory, stamped with the service's broker user."""

    message_id: str
    exchange: str
    routing_key: str
    body: bytes
    message_type: str
    headers: dict[str, Any]
    user_id: str


@dataclass
class BatchOutcome:
    """What became of each message id: confirmed, unroutable (with why) or failed (with why)."""

    confirmed: list[str] = field(default_factory=list)
    unroutable: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    # Sent after a failure in the same batch: not attempted, so retried without counting an attempt.
    not_attempted: list[str] = field(default_factory=list)


class Publisher(Protocol):
    """Publishes a batch and says, per message, whether the broker confirmed, returned or refused it."""

    def publish(self, batch: list[Outgoing]) -> BatchOutcome: ...


Begin = Callable[[], AbstractContextManager[Statements]]
"""Opens a transaction: committed when the block ends, rolled back if it raises."""


class Outbox:
    """Publishes outbox messages, and marks what the broker confirmed."""

    def __init__(
        self, begin: Begin, publisher: Publisher, user_id: str, batch: int, trace_every_publish: bool = False
    ) -> None:
        self._begin = begin
        self.publisher = publisher
        self.user_id = user_id
        self.batch = batch
        self.trace_every_publish = trace_every_publish
        self.unmarked: list[str] = []  # confirmed by the broker, not yet marked sent

    def publish_announced(self, queued: list[Queued]) -> int:
        """Publish these just-committed messages; returns how many the broker confirmed.

        Confirmed ones wait in `unmarked` for `mark_published`; failed ones back off now.
        """
        confirmed, failed = self._publish(queued, traced=self.trace_every_publish)
        self.unmarked.extend(confirmed)
        if failed:  # the usual pass has none, and takes no database connection at all
            with self._begin() as statements:
                self._back_off(statements, failed, queued)
        return len(confirmed)

    def mark_published(self) -> None:
        """Mark every message confirmed since the last call as sent, in one statement."""
        if not self.unmarked:
            return
        with self._begin() as statements:
            outbox.mark_published(statements, self.unmarked)
        self.unmarked = []

    def sweep(self) -> int:
        """Publish one batch of rows nobody announced; returns how many rows it found."""
        self.mark_published()  # else this instance's own unmarked rows would look orphaned
        with self._begin() as statements:
            found = outbox.lock_unannounced(statements, SWEEP_GRACE_SECONDS, self.batch)
            confirmed, failed = self._publish(found, traced=True)
            self._back_off(statements, failed, found)
            if confirmed:
                outbox.mark_published(statements, confirmed)
        return len(found)

    def prune(self, retention_days: float, max_batches: int = PRUNE_BATCHES_PER_PASS) -> tuple[int, bool]:
        """Delete rows published more than `retention_days` ago; returns how many, and whether more may be left."""
        after, pruned = 0, 0
        for _ in range(max_batches):
            with self._begin() as statements:
                step = outbox.prune_batch(statements, retention_days, after, self.batch)
            pruned += step.pruned
            if not step.more:
                return pruned, False
            after = step.last_id
        return pruned, True

    def _publish(self, messages: list[Queued], traced: bool) -> tuple[list[str], dict[str, str]]:
        """Publish; returns the confirmed message ids, and why each of the others failed.

        `traced`: each message is published in a span of its own, whose context it carries.
        Otherwise it carries its handler's, and only a failure becomes a span, after the fact.
        """
        if not messages:
            return [], {}
        began = time.time_ns()
        spans = [self._start_span(queued, began) for queued in messages] if traced else None
        outgoing = [self._outgoing(queued, spans[number] if spans else None) for number, queued in enumerate(messages)]
        result = self.publisher.publish(outgoing)
        for number, queued in enumerate(messages):
            error = result.unroutable.get(queued.message_id) or result.failed.get(queued.message_id)
            span = spans[number] if spans else (self._start_span(queued, began) if error else None)
            if span is None:
                continue
            if error:
                span.set_status(trace.Status(trace.StatusCode.ERROR, error))
            span.end()
        return result.confirmed, {**result.unroutable, **result.failed}

    @staticmethod
    def _back_off(statements: Statements, failed: dict[str, str], queued: list[Queued]) -> None:
        rows = {row.message_id: row for row in queued}
        for message_id, error in failed.items():
            row = rows.get(message_id)
            about: dict[str, str] = {}
            if row is not None:  # the line of the case, and of the trace that queued it
                about = {"message_type": row.message_type, "case_id": row.case_id or ""}
                traced = trace_id_in(row.headers)
                if traced is not None:
                    about["trace_id"] = format(traced, "032x")
            log.error("outbox message not published", extra={"message_id": message_id, "error": error, **about})
            outbox.back_off(statements, message_id, error)

    def _start_span(self, queued: Queued, began: int) -> trace.Span:
        """A producer span in the trace that queued the message, from when the publish began."""
        return _tracer.start_span(
            f"publish {queued.message_type}",
            context=context_from_headers(queued.headers),
            kind=trace.SpanKind.PRODUCER,
            start_time=began,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.destination.name": queued.exchange,
                "messaging.rabbitmq.destination.routing_key": queued.routing_key,
                "messaging.message.id": queued.message_id,
                **({CASE_ID_KEY: queued.case_id} if queued.case_id else {}),
            },
        )

    def _outgoing(self, queued: Queued, span: trace.Span | None) -> Outgoing:
        """The message as sent: with the span's trace context if it has one, else its handler's as stored."""
        stored = queued.headers or {}
        if span is not None:
            stored = {**stored, **headers_for_context(trace.set_span_in_context(span, context_from_headers(stored)))}
        return Outgoing(
            message_id=queued.message_id,
            exchange=queued.exchange,
            routing_key=queued.routing_key,
            body=queued.body.encode(),
            message_type=queued.message_type,
            headers=stored,
            user_id=self.user_id,
        )
