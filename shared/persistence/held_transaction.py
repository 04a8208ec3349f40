"""A keyed HTTP request's one transaction: key claimed first, held across its blocks, committed with its answer.

A request that carries an Idempotency-Key must leave its change and its answer in the
database together, or neither: a retry then finds the answer exactly when the change
happened. The answer exists only once the handler has returned, after its `with uow:`
blocks; so for such a request the unit of work's blocks do not commit when they end. They
share one transaction, which the HTTP entrypoint commits with the answer (`finish`), or
rolls back (`abandon`) when the request failed. A request with no key is not held.
"""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress

import psycopg

from shared.persistence import answers
from shared.persistence.errors import StoreUnavailable
from shared.persistence.idempotency import KeyedRequest, StoredAnswer
from shared.persistence.transaction import ConnectionFactory, OnCommit, Transaction

# The savepoint right after the key's claim: a refused block goes back to it.
CLAIMED = "key_claimed"


class HeldTransaction:
    """Hands every `with uow:` block of one keyed request the same transaction, its key claimed at the start."""

    def __init__(
        self,
        connection_factory: ConnectionFactory,
        on_commit: OnCommit | None,
        request: KeyedRequest,
        wait_seconds: float,
    ) -> None:
        self._connection_factory = connection_factory
        self._on_commit = on_commit
        self.request = request
        self._wait_seconds = wait_seconds
        self._open: tuple[ExitStack, Transaction] | None = None
        self._claimed_mark: tuple[int, int] = (0, 0)  # the savepoint after the claim (Transaction.savepoint)

    @property
    def pending(self) -> bool:
        """Whether a change waits for the answer to be committed with it."""
        return self._open is not None

    @contextmanager
    def begin(self) -> Iterator[Transaction]:
        """The request's transaction (opened and claimed on first use); a block that raises undoes all but the claim.

        The claim stays, its row locked, so that the request's answer (a refusal, most often) is committed with it
        by the HTTP entrypoint (`finish`), or everything is rolled back after a server error (`abandon`): a retry
        with the key waits for it meanwhile, and never runs the request again."""
        transaction = self._open[1] if self._open is not None else self._start()
        try:
            yield transaction
        except BaseException:
            self._back_to_the_claim()
            raise

    def _back_to_the_claim(self) -> None:
        if self._open is None:
            return
        _, transaction = self._open
        try:
            transaction.rollback_to(CLAIMED, self._claimed_mark)
            self._claimed_mark = transaction.savepoint(CLAIMED)  # for a later block of the same request
        except Exception:  # the connection is gone: nothing of the request can be kept
            self.abandon()

    def _start(self) -> Transaction:
        stack = ExitStack()
        try:
            conn = stack.enter_context(self._connection_factory())
            conn.autocommit = True  # begun inside the first round trip, as every transaction here
            transaction = Transaction(conn)
            stack.callback(transaction.rollback)  # a no-op once committed
            answers.claim(transaction, self.request, self._wait_seconds)
            self._claimed_mark = transaction.savepoint(CLAIMED)  # sent with the request's first statement
        except psycopg.OperationalError as exc:  # no connection within the pool's wait, or a broken one
            _close(stack)
            raise StoreUnavailable(str(exc)) from exc
        except BaseException:
            _close(stack)
            raise
        self._open = (stack, transaction)
        return transaction

    def finish(self, answer: StoredAnswer) -> None:
        """Commit the change with its answer; StoreUnavailable if the commit did not hold (or was not confirmed)."""
        if self._open is None:
            return
        stack, transaction = self._open
        self._open = None
        try:  # the transaction turns the driver's errors into ours (StoreDown for a commit not confirmed)
            answers.record(transaction, self.request, answer)
            transaction.commit()
        finally:
            _close(stack)
        if transaction.queued and self._on_commit is not None:
            self._on_commit(transaction.queued)

    def abandon(self) -> None:
        """Roll back whatever the request did."""
        if self._open is not None:
            stack, _ = self._open
            self._open = None
            _close(stack)


def _close(stack: ExitStack) -> None:
    # The connection goes back to the pool, which discards it if it is broken.
    with suppress(Exception):
        stack.close()
