"""The idempotency_keys table: a keyed request claims its key first, and its answer is written with its commit."""

from shared.delivery.statements import Statements
from shared.persistence.errors import Busy
from shared.persistence.idempotency import AlreadyAnswered, InProgress, KeyedRequest, KeyReused, StoredAnswer
from shared.persistence.transaction import ConnectionFactory, transaction

# A claimed row is only seen by others once its transaction commits, answer and all; until
# then a second claim of the key waits on it (ON CONFLICT waits for the first to finish).
_CLAIM = """
INSERT INTO idempotency_keys (subject, key, fingerprint, status, body, content_type)
VALUES (%s, %s, %s, 0, '', '') ON CONFLICT (subject, key) DO NOTHING RETURNING 1 AS claimed
"""
_STORED = "SELECT fingerprint, status, body, content_type FROM idempotency_keys WHERE subject = %s AND key = %s"


def claim(statements: Statements, request: KeyedRequest, wait_seconds: float) -> None:
    """Claim the key in this transaction, before the request changes anything.

    Raises AlreadyAnswered (with the first answer) when the key's request committed before,
    KeyReused when that request was a different one, and InProgress when the first is still
    running after `wait_seconds`.
    """
    # Only the claim waits this long; the request's own statements keep the session's lock wait.
    statements.write(f"SET LOCAL lock_timeout = {max(1, int(wait_seconds * 1000))}")
    try:
        claimed = statements.one(_CLAIM, (request.subject, request.key, request.fingerprint))
    except Busy:
        raise InProgress(f"a request with this key is still running after {wait_seconds:g} s") from None
    statements.write("SET LOCAL lock_timeout TO DEFAULT")
    if claimed is not None:
        return
    stored = statements.one(_STORED, (request.subject, request.key))
    if stored is None or stored["status"] == 0:  # pruned meanwhile, or (never) committed unanswered
        raise InProgress("a request with this key is still running")
    if stored["fingerprint"] != request.fingerprint:
        raise KeyReused("this key was used for a different request (another method, path or body)")
    raise AlreadyAnswered(StoredAnswer(stored["status"], stored["body"], stored["content_type"]))


def record(statements: Statements, request: KeyedRequest, answer: StoredAnswer) -> None:
    """Write the answer into the claimed row; it travels with the COMMIT."""
    statements.write(
        "UPDATE idempotency_keys SET status = %s, body = %s, content_type = %s WHERE subject = %s AND key = %s",
        (answer.status, answer.body, answer.content_type, request.subject, request.key),
    )


# The oldest first, a batch at a time, as the outbox is pruned; the index on created_at finds them.
_PRUNE = """
DELETE FROM idempotency_keys WHERE (subject, key) IN (
  SELECT subject, key FROM idempotency_keys WHERE created_at < now() - %s * interval '1 hour'
  ORDER BY created_at LIMIT %s FOR UPDATE SKIP LOCKED
) RETURNING 1
"""


def prune_batch(statements: Statements, retention_hours: float, limit: int) -> int:
    """Delete up to `limit` keys older than `retention_hours`; returns how many went."""
    return len(statements.all(_PRUNE, (retention_hours, limit)))


PRUNE_BATCH = 1000
PRUNE_BATCHES_PER_PASS = 10


def prune_answers(connection_factory: ConnectionFactory, retention_hours: float) -> int:
    """Delete expired keys, a few batches a pass (the relay's prune pass calls this); returns how many."""
    pruned = 0
    for _ in range(PRUNE_BATCHES_PER_PASS):
        with transaction(connection_factory) as statements:
            step = prune_batch(statements, retention_hours, PRUNE_BATCH)
        pruned += step
        if step < PRUNE_BATCH:
            break
    return pruned
