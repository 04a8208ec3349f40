"""The outbox relay: publishes committed outbox rows with confirms, then marks them sent.

A commit hands the relay the messages it queued, and the relay publishes those at once,
from memory: it neither reads nor locks their rows first. What the broker confirmed is
marked sent in one UPDATE per `MARK_DELAY_SECONDS` for every message confirmed meanwhile,
so a busy service pays one statement for many messages rather than a transaction for each.
Every `relay_interval_seconds` the relay also sweeps the outbox for rows no commit in this
process announced: left by a crash, by another instance, or held back after a failed
publish. The sweep locks what it takes `FOR UPDATE SKIP LOCKED` and passes over rows
younger than a grace period, which the committing instance's relay is about to publish and
mark; its own instance's marks are written before it looks. A message can still go out
twice (a crash between publish and mark, or another instance's relay lagging past the
grace), which consumers' inboxes make harmless; none goes out zero times.

Rows published longer ago than `outbox_retention_days` are deleted every
`PRUNE_INTERVAL_SECONDS`, oldest first, so the outbox keeps a recent record of what was sent
instead of growing for ever.

The relay's own SQL is kept out of traces: the publish span of each message, in its case's
trace, is what operators follow, and polling spans would bury it.
"""

import logging
import threading
import time

from nameko.extensions import SharedExtension
from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation

from shared.messaging.confirms import Outgoing, PipelinedPublisher
from shared.persistence.pool import PostgresPool
from shared.persistence.unit_of_work import Queued, UnitOfWork, unit_of_work
from shared.runtime.context import current_settings
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

# Rows another relay's sweep holds are skipped, not waited for: that relay marks them.
_MARK_PUBLISHED = """
UPDATE outbox SET published_at = now()
WHERE id IN (
  SELECT id FROM outbox WHERE message_id = ANY(%s::uuid[]) AND published_at IS NULL FOR UPDATE SKIP LOCKED
)
"""

# body as text: it goes to the broker as it was stored, without a parse and a re-encode.
_LOCK_UNANNOUNCED = """
SELECT id, message_id::text AS message_id, message_type, case_id, exchange, routing_key, body::text AS body, headers
FROM outbox
WHERE published_at IS NULL AND created_at < now() - %s * interval '1 second'
  AND (next_attempt_at IS NULL OR next_attempt_at <= now())
ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
"""

# Back off (1 s doubling to 5 min) so one stuck row cannot spin the relay.
_BACK_OFF = """
UPDATE outbox SET attempts = attempts + 1, last_error = %s,
  next_attempt_at = now() + least(power(2, attempts), 300) * interval '1 second'
WHERE message_id = %s
"""


# The oldest rows by id, a batch at a time: walking the primary key from the start reaches
# old rows first and stops at young ones, with no index on published_at (which would cost
# every mark an index write). `old` says whether walking on could still find prunable rows.
_OLDEST_AFTER = """
SELECT id, created_at < now() - %s * interval '1 day' AS old,
       published_at < now() - %s * interval '1 day' AS prunable
FROM outbox WHERE id > %s ORDER BY id LIMIT %s
"""


class Outbox:
    """Publishes outbox messages, and marks what the broker confirmed."""

    def __init__(self, connection_factory, publisher: PipelinedPublisher, user_id: str, batch: int) -> None:
        self._connection_factory = connection_factory
        self.publisher = publisher
        self.user_id = user_id
        self.batch = batch
        self.unmarked: list[str] = []  # confirmed by the broker, not yet marked sent

    def publish_announced(self, queued: list[Queued]) -> int:
        """Publish these just-committed messages; returns how many the broker confirmed.

        Confirmed ones wait in `unmarked` for `mark_published`; failed ones back off now.
        """
        confirmed, failed = self._publish(queued)
        self.unmarked.extend(confirmed)
        if failed:  # the usual pass has none, and takes no database connection at all
            with self._transaction() as uow:
                self._back_off(uow, failed)
        return len(confirmed)

    def mark_published(self) -> None:
        """Mark every message confirmed since the last call as sent, in one statement."""
        if not self.unmarked:
            return
        with self._transaction() as uow:
            uow.write(_MARK_PUBLISHED, (self.unmarked,))
        self.unmarked = []

    def sweep(self) -> int:
        """Publish one batch of rows nobody announced; returns how many rows it found."""
        self.mark_published()  # else this instance's own unmarked rows would look orphaned
        with self._transaction() as uow:
            rows = uow.all(_LOCK_UNANNOUNCED, (SWEEP_GRACE_SECONDS, self.batch))
            found = [Queued(**{key: value for key, value in row.items() if key != "id"}) for row in rows]
            confirmed, failed = self._publish(found)
            self._back_off(uow, failed)
            if confirmed:
                uow.write(_MARK_PUBLISHED, (confirmed,))
        return len(rows)

    def prune(self, retention_days: float, max_batches: int = PRUNE_BATCHES_PER_PASS) -> tuple[int, bool]:
        """Delete rows published more than `retention_days` ago; returns how many, and whether more may be left."""
        after, pruned = 0, 0
        for _ in range(max_batches):
            with self._transaction() as uow:
                rows = uow.all(_OLDEST_AFTER, (retention_days, retention_days, after, self.batch))
                prunable = [row["id"] for row in rows if row["prunable"]]
                if prunable:
                    uow.write("DELETE FROM outbox WHERE id = ANY(%s)", (prunable,))
            pruned += len(prunable)
            # Rows older than the retention but unpublished (backing off) are stepped over.
            if len(rows) < self.batch or not rows[-1]["old"]:
                return pruned, False
            after = rows[-1]["id"]
        return pruned, True

    def _transaction(self):
        return unit_of_work(self._connection_factory, "outbox-relay", registry=None)

    def _publish(self, messages: list[Queued]) -> tuple[list[str], dict[str, str]]:
        """Publish; returns the confirmed message ids, and why each of the others failed."""
        if not messages:
            return [], {}
        spans = [self._start_span(queued) for queued in messages]
        outcome = self.publisher.publish(
            [self._outgoing(queued, span) for queued, span in zip(messages, spans, strict=True)]
        )
        for queued, span in zip(messages, spans, strict=True):
            error = outcome.unroutable.get(queued.message_id) or outcome.failed.get(queued.message_id)
            if error:
                span.set_status(trace.Status(trace.StatusCode.ERROR, error))
            span.end()
        return outcome.confirmed, {**outcome.unroutable, **outcome.failed}

    @staticmethod
    def _back_off(uow: UnitOfWork, failed: dict[str, str]) -> None:
        for message_id, error in failed.items():
            log.error("outbox message not published", extra={"message_id": message_id, "error": error})
            uow.write(_BACK_OFF, (error, message_id))

    def _start_span(self, queued: Queued) -> trace.Span:
        """A producer span in the trace that queued the message, ended once the broker confirms it."""
        return _tracer.start_span(
            f"publish {queued.message_type}",
            context=context_from_headers(queued.headers),
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.destination.name": queued.exchange,
                "messaging.rabbitmq.destination.routing_key": queued.routing_key,
                "messaging.message.id": queued.message_id,
                **({CASE_ID_KEY: queued.case_id} if queued.case_id else {}),
            },
        )

    def _outgoing(self, queued: Queued, span: trace.Span) -> Outgoing:
        stored = queued.headers or {}
        parent = context_from_headers(stored)
        return Outgoing(
            message_id=queued.message_id,
            exchange=queued.exchange,
            routing_key=queued.routing_key,
            body=queued.body.encode(),
            message_type=queued.message_type,
            headers={**stored, **headers_for_context(trace.set_span_in_context(span, parent))},
            user_id=self.user_id,
        )


class OutboxRelay(SharedExtension):
    """One relay loop per container: publishes what commits announce, and sweeps for the rest."""

    pool = PostgresPool()

    def setup(self) -> None:
        settings = current_settings()
        self.interval = settings.relay_interval_seconds
        self.retention_days = settings.outbox_retention_days
        self.outbox = Outbox(
            self.pool.connection, PipelinedPublisher(settings.amqp_uri), settings.amqp_user, settings.relay_batch
        )
        self._announced: list[Queued] = []
        self._wake = threading.Event()
        self._stopping = False
        self._killed = False

    def start(self) -> None:
        self.container.spawn_managed_thread(self._run, identifier="outbox-relay")

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def kill(self) -> None:
        self._killed = True
        self.stop()

    def announce(self, queued: list[Queued]) -> None:
        """Called after a commit with the messages it queued."""
        self._announced.extend(queued)
        self._wake.set()

    def _take_announced(self) -> list[Queued]:
        taken, self._announced = self._announced[: self.outbox.batch], self._announced[self.outbox.batch :]
        return taken

    def _run(self) -> None:
        next_sweep = 0.0  # sweep first: rows the last run of this service left behind
        next_prune = time.monotonic() + PRUNE_INTERVAL_SECONDS
        mark_due = float("inf")
        try:
            while not self._stopping:
                self._wake.wait(max(0.0, min(next_sweep, mark_due, next_prune) - time.monotonic()))
                self._wake.clear()
                if self._stopping:
                    break
                try:
                    with suppress_instrumentation():
                        while self._announced and not self._stopping:
                            self.outbox.publish_announced(self._take_announced())
                        if self.outbox.unmarked and mark_due == float("inf"):
                            mark_due = time.monotonic() + MARK_DELAY_SECONDS
                        now = time.monotonic()
                        if now >= mark_due or len(self.outbox.unmarked) >= self.outbox.batch:
                            self.outbox.mark_published()
                            mark_due = float("inf")
                        if now >= next_sweep:
                            next_sweep = now + self.interval
                            while self.outbox.sweep() == self.outbox.batch and not self._stopping:
                                pass
                            mark_due = float("inf")  # the sweep marked what was waiting
                            self.outbox.publisher.keepalive()
                        if now >= next_prune:
                            _, more = self.outbox.prune(self.retention_days)
                            next_prune = now + (self.interval if more else PRUNE_INTERVAL_SECONDS)
                except Exception:
                    # Announced messages lost here are still in the outbox: a sweep finds them.
                    log.exception("outbox relay pass failed; will retry")
        finally:
            if not self._killed:
                self._mark_before_leaving()
            self.outbox.publisher.close()

    def _mark_before_leaving(self) -> None:
        """Marks written now spare the next start republishing what was already sent."""
        try:
            with suppress_instrumentation():
                self.outbox.mark_published()
        except Exception as exc:  # the pool may already be closing; inboxes absorb the repeats
            log.info("outbox marks left for the next start", extra={"error": f"{type(exc).__name__}: {exc}"})
