"""The outbox relay: publishes committed outbox rows with confirms, then marks them sent.

Each container runs one relay loop, woken right after a commit that queued messages and
otherwise every `relay_interval_seconds` (to pick up rows left by a crash or another
instance). `FOR UPDATE SKIP LOCKED` lets several instances share one outbox. A batch is
published with pipelined confirms, and only confirmed rows are marked. A crash between
publish and mark republishes the row: consumers' inboxes make that harmless.
"""

import json
import logging
import threading

from nameko.extensions import SharedExtension
from opentelemetry import trace

from shared.messaging.confirms import Outgoing, PipelinedPublisher
from shared.persistence.pool import PostgresPool
from shared.persistence.unit_of_work import unit_of_work
from shared.runtime.context import current_settings
from shared.telemetry.propagation import CASE_ID_KEY, context_from_headers, headers_for_context

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("wuyuan.outbox")

_PENDING = """
SELECT id, message_id, message_type, case_id, exchange, routing_key, body, headers
FROM outbox WHERE published_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
"""

# Back off (1 s doubling to 5 min) so one stuck row cannot spin the relay.
_BACK_OFF = """
UPDATE outbox SET attempts = attempts + 1, last_error = %s,
  next_attempt_at = now() + least(power(2, attempts), 300) * interval '1 second'
WHERE id = %s
"""


class OutboxRelay(SharedExtension):
    pool = PostgresPool()

    def setup(self) -> None:
        settings = current_settings()
        self.batch = settings.relay_batch
        self.interval = settings.relay_interval_seconds
        self.user_id = settings.amqp_user
        self.publisher = PipelinedPublisher(settings.amqp_uri)
        self._wake = threading.Event()
        self._stopping = False

    def start(self) -> None:
        self.container.spawn_managed_thread(self._run, identifier="outbox-relay")

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def kill(self) -> None:
        self.stop()

    def poke(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        try:
            while not self._stopping:
                if not self._wake.wait(self.interval):
                    self.publisher.keepalive()
                self._wake.clear()
                if self._stopping:
                    break  # rows left now are published by the next start; the pool may be closing
                try:
                    while self.publish_pending() == self.batch and not self._stopping:
                        pass
                except Exception:
                    log.exception("outbox relay pass failed; will retry")
        finally:
            self.publisher.close()

    def publish_pending(self) -> int:
        """Publish one batch; returns how many rows it published."""
        with unit_of_work(self.pool.connection, "outbox-relay", registry=None) as uow:
            rows = uow.all(_PENDING, (self.batch,))
            if not rows:
                return 0
            spans = [self._start_span(row) for row in rows]
            outcome = self.publisher.publish([self._outgoing(row, span) for row, span in zip(rows, spans, strict=True)])
            ids = {str(row["message_id"]): row["id"] for row in rows}
            for row, span in zip(rows, spans, strict=True):
                error = outcome.unroutable.get(str(row["message_id"])) or outcome.failed.get(str(row["message_id"]))
                if error:
                    span.set_status(trace.Status(trace.StatusCode.ERROR, error))
                span.end()
            if outcome.confirmed:
                uow.write(
                    "UPDATE outbox SET published_at = now() WHERE id = ANY(%s)",
                    ([ids[m] for m in outcome.confirmed],),
                )
            for message_id, error in {**outcome.unroutable, **outcome.failed}.items():
                log.error("outbox message not published", extra={"message_id": message_id, "error": error})
                uow.write(_BACK_OFF, (error, ids[message_id]))
        return len(outcome.confirmed)

    def _start_span(self, row: dict) -> trace.Span:
        """A producer span in the trace that queued the message, ended once the broker confirms it."""
        return _tracer.start_span(
            f"publish {row['message_type']}",
            context=context_from_headers(row["headers"]),
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.destination.name": row["exchange"],
                "messaging.rabbitmq.destination.routing_key": row["routing_key"],
                "messaging.message.id": str(row["message_id"]),
                **({CASE_ID_KEY: row["case_id"]} if row["case_id"] else {}),
            },
        )

    def _outgoing(self, row: dict, span: trace.Span) -> Outgoing:
        stored = row["headers"] or {}
        parent = context_from_headers(stored)
        return Outgoing(
            message_id=str(row["message_id"]),
            exchange=row["exchange"],
            routing_key=row["routing_key"],
            body=json.dumps(row["body"], ensure_ascii=False).encode(),
            message_type=row["message_type"],
            headers={**stored, **headers_for_context(trace.set_span_in_context(span, parent))},
            user_id=self.user_id,
        )
