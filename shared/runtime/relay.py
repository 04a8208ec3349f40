"""The outbox relay of a running service: one green thread publishing what commits announce, sweeping the rest.

The passes themselves (publish, mark, sweep, prune) are `shared.delivery.relay.Outbox`;
this extension gives them the service's pool and a pipelined, confirmed AMQP publisher,
and runs them in a loop. The relay's own SQL is kept out of traces: polling spans would bury
the case's own; what it publishes is traced as `shared.delivery.relay` says (WUYUAN_PUBLISH_SPANS).
"""

import logging
import threading
import time
from functools import partial

from nameko.extensions import SharedExtension
from opentelemetry.instrumentation.utils import suppress_instrumentation

from shared.config import current_settings
from shared.delivery.outbox import Queued
from shared.delivery.relay import MARK_DELAY_SECONDS, PRUNE_INTERVAL_SECONDS, Outbox
from shared.messaging.confirms import PipelinedPublisher
from shared.persistence.answers import prune_answers
from shared.persistence.limits import database_limits
from shared.persistence.transaction import transaction
from shared.runtime.pool import PostgresPool

log = logging.getLogger(__name__)


class OutboxRelay(SharedExtension):
    """One relay loop per container: publishes what commits announce, and sweeps for the rest."""

    pool = PostgresPool()

    def setup(self) -> None:
        settings = current_settings()
        self.interval = settings.relay_interval_seconds
        self.retention_days = settings.outbox_retention_days
        self.publisher = PipelinedPublisher(settings.amqp_uri)
        self.outbox = Outbox(
            partial(transaction, self.pool.connection),
            self.publisher,
            settings.amqp_user,
            settings.relay_batch,
            trace_every_publish=settings.publish_spans == "all",
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
                            self.publisher.keepalive()
                        if now >= next_prune:
                            self._prune_answers()
                            _, more = self.outbox.prune(self.retention_days)
                            next_prune = now + (self.interval if more else PRUNE_INTERVAL_SECONDS)
                except Exception:
                    # Announced messages lost here are still in the outbox: a sweep finds them.
                    log.exception("outbox relay pass failed; will retry")
        finally:
            if not self._killed:
                self._mark_before_leaving()
            self.publisher.close()

    def _prune_answers(self) -> None:
        """Expired idempotency keys go with the outbox's old rows; a failure here must not hold up the outbox."""
        try:
            prune_answers(self.pool.connection, database_limits().idempotency_retention_hours)
        except Exception:
            log.exception("pruning idempotency keys failed; will retry at the next prune")

    def _mark_before_leaving(self) -> None:
        """Marks written now spare the next start republishing what was already sent."""
        try:
            with suppress_instrumentation():
                self.outbox.mark_published()
        except Exception as exc:  # the pool may already be closing; inboxes absorb the repeats
            log.info("outbox marks left for the next start", extra={"error": f"{type(exc).__name__}: {exc}"})
