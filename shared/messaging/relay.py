"""The outbox relay: publishes committed outbox rows with confirms, then marks them sent.

Each container runs one relay loop, woken right after a commit that queued messages and
otherwise every `relay_interval_seconds` (to pick up rows left by a crash or another
instance). `FOR UPDATE SKIP LOCKED` lets several instances share one outbox. A crash
between publish and mark republishes the row: consumers' inboxes make that harmless.
"""

import logging
import threading

from nameko.amqp.publish import UndeliverableMessage
from nameko.extensions import SharedExtension
from opentelemetry import context, trace

from shared.messaging.amqp import PERSISTENT, confirmed_publisher, existing_exchange
from shared.persistence.pool import PostgresPool
from shared.runtime.context import current_settings
from shared.telemetry.propagation import CASE_ID_KEY, context_from_headers, current_trace_headers

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("wuyuan.outbox")

EXCHANGE_KINDS = {"wuyuan.dead": "direct"}

_PENDING = """
SELECT id, message_id, message_type, case_id, exchange, routing_key, body, headers
FROM outbox WHERE published_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
"""


class OutboxRelay(SharedExtension):
    pool = PostgresPool()

    def setup(self) -> None:
        settings = current_settings()
        self.batch = settings.relay_batch
        self.interval = settings.relay_interval_seconds
        self.user_id = settings.amqp_user
        self.publisher = confirmed_publisher(settings.amqp_uri)
        self._wake = threading.Event()
        self._stopping = False

    def start(self) -> None:
        self.container.spawn_managed_thread(self._run, identifier="outbox-relay")

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def poke(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stopping:
                break  # rows left now are published by the next start; the pool may be closing
            try:
                while self.publish_pending() == self.batch and not self._stopping:
                    pass
            except Exception:
                log.exception("outbox relay pass failed; will retry")

    def publish_pending(self) -> int:
        """Publish one batch; returns how many rows it looked at."""
        with self.pool.connection() as conn, conn.transaction():
            rows = conn.execute(_PENDING, (self.batch,)).fetchall()
            published, failed = [], []
            for row in rows:
                try:
                    self._publish(row)
                    published.append(row["id"])
                except UndeliverableMessage:
                    failed.append((row["id"], f"unroutable: {row['exchange']} {row['routing_key']}"))
                    log.error("outbox message unroutable", extra={"routing_key": row["routing_key"]})
                except Exception as exc:
                    failed.append((row["id"], f"{type(exc).__name__}: {exc}"))
                    log.warning("outbox publish failed", extra={"error": str(exc)})
                    break  # the broker is likely gone; keep order and retry the rest later
            if published:
                conn.execute("UPDATE outbox SET published_at = now() WHERE id = ANY(%s)", (published,))
            for row_id, error in failed:
                # Back off (1 s doubling to 5 min) so one stuck row cannot spin the relay.
                conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = %s,"
                    " next_attempt_at = now() + least(power(2, attempts), 300) * interval '1 second'"
                    " WHERE id = %s",
                    (error, row_id),
                )
        return len(rows) if not failed else 0

    def _publish(self, row: dict) -> None:
        stored = row["headers"] or {}
        token = context.attach(context_from_headers(stored))
        try:
            with _tracer.start_as_current_span(
                f"publish {row['message_type']}",
                kind=trace.SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "rabbitmq",
                    "messaging.destination.name": row["exchange"],
                    "messaging.rabbitmq.destination.routing_key": row["routing_key"],
                    "messaging.message.id": str(row["message_id"]),
                    **({CASE_ID_KEY: row["case_id"]} if row["case_id"] else {}),
                },
            ):
                headers = {**stored, **current_trace_headers()}
                self.publisher.publish(
                    row["body"],
                    exchange=existing_exchange(row["exchange"], EXCHANGE_KINDS.get(row["exchange"], "topic")),
                    routing_key=row["routing_key"],
                    headers=headers,
                    message_id=str(row["message_id"]),
                    user_id=self.user_id,
                    type=row["message_type"],
                    delivery_mode=PERSISTENT,
                )
        finally:
            context.detach(token)
