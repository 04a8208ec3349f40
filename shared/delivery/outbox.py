"""The outbox table: messages a transaction must send, written with its state change and marked once confirmed.

Every statement on the outbox is here: the insert a committing transaction makes, and the
relay's marks, sweep, back-off and pruning (see `shared.delivery.relay`).
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.delivery.statements import Statements


@dataclass(frozen=True)
class Queued:
    """A message a transaction queued, as the relay publishes it once the commit holds."""

    message_id: str
    message_type: str
    case_id: str | None
    exchange: str
    routing_key: str
    body: str  # the JSON text, serialised once for the outbox row and the broker alike
    headers: dict[str, Any]


def insert(statements: Statements, queued: Queued) -> None:
    statements.write(
        "INSERT INTO outbox (message_id, message_type, case_id, exchange, routing_key, body, headers)"
        " VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s::jsonb)",
        (
            queued.message_id,
            queued.message_type,
            queued.case_id,
            queued.exchange,
            queued.routing_key,
            queued.body,
            json.dumps(queued.headers, ensure_ascii=False),
        ),
    )


# Rows another relay's sweep holds are skipped, not waited for: that relay marks them. A sent
# row is kept as a record of what went out, but without the ID and mobile numbers it carried
# (a referral to the lead has the parties' phones): the recipient has them now. Only a body
# whose text has eleven digits in a row is walked (outbox_scrubbed, migration s0003), which
# rewrites them inside JSON strings alone, each string decoded (shared/telemetry's PII_PATTERN
# in PostgreSQL's syntax). The text alone cannot say more: in it a number typed after a line
# break follows the escape's letter ('\n1391…').
_MARK_PUBLISHED = """
UPDATE outbox SET published_at = now(),
  body = CASE WHEN body::text ~ '[0-9]{11}' THEN outbox_scrubbed(body) ELSE body END
WHERE id IN (
  SELECT id FROM outbox WHERE message_id = ANY(%s::uuid[]) AND published_at IS NULL FOR UPDATE SKIP LOCKED
)
"""


def mark_published(statements: Statements, message_ids: Sequence[str]) -> None:
    statements.write(_MARK_PUBLISHED, (list(message_ids),))


# body as text: it goes to the broker as it was stored, without a parse and a re-encode.
_LOCK_UNANNOUNCED = """
SELECT message_id::text AS message_id, message_type, case_id, exchange, routing_key, body::text AS body, headers
FROM outbox
WHERE published_at IS NULL AND created_at < now() - %s * interval '1 second'
  AND (next_attempt_at IS NULL OR next_attempt_at <= now())
ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
"""


def lock_unannounced(statements: Statements, grace_seconds: float, limit: int) -> list[Queued]:
    """Unsent rows older than the grace and due for an attempt, locked; rows other relays hold are skipped."""
    return [Queued(**row) for row in statements.all(_LOCK_UNANNOUNCED, (grace_seconds, limit))]


# Back off (1 s doubling to 5 min) so one stuck row cannot spin the relay.
_BACK_OFF = """
UPDATE outbox SET attempts = attempts + 1, last_error = %s,
  next_attempt_at = now() + least(power(2, attempts), 300) * interval '1 second'
WHERE message_id = %s
"""


def back_off(statements: Statements, message_id: str, error: str) -> None:
    statements.write(_BACK_OFF, (error, message_id))


# The oldest rows by id, a batch at a time: walking the primary key from the start reaches
# old rows first and stops at young ones, with no index on published_at (which would cost
# every mark an index write). `old` says whether walking on could still find prunable rows.
_OLDEST_AFTER = """
SELECT id, created_at < now() - %s * interval '1 day' AS old,
       published_at < now() - %s * interval '1 day' AS prunable
FROM outbox WHERE id > %s ORDER BY id LIMIT %s
"""


@dataclass(frozen=True)
class PruneStep:
    """One batch of the walk: the rows deleted, the last id seen, and whether the walk may go on."""

    pruned: int
    last_id: int
    more: bool


def prune_batch(statements: Statements, retention_days: float, after: int, limit: int) -> PruneStep:
    """Delete rows of the next `limit` after id `after` that were published more than `retention_days` ago."""
    rows = statements.all(_OLDEST_AFTER, (retention_days, retention_days, after, limit))
    prunable = [row["id"] for row in rows if row["prunable"]]
    if prunable:
        # Checked again as it is deleted: a row marked unsent meanwhile (`wuyuan reconcile` sends it again) stays.
        statements.write(
            "DELETE FROM outbox WHERE id = ANY(%s) AND published_at < now() - %s * interval '1 day'",
            (prunable, retention_days),
        )
    # Rows older than the retention but unpublished (backing off) are stepped over.
    more = len(rows) == limit and bool(rows[-1]["old"])
    return PruneStep(pruned=len(prunable), last_id=rows[-1]["id"] if rows else after, more=more)
