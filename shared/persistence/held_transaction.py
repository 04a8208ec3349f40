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

    @property
    def pending(self) -> bool:
        """Whether a change waits for the answer to be committed with it."""
        return self._open is not None

    @contextmanager
    def begin(self) -> Iterator[Transaction]:
        """The request's transaction (opened and claimed on first use); a block that raises rolls it all back."""
        transaction = self._open[1] if self._open is not None else self._start()
        try:
            yield transaction
        except BaseException:
            self.abandon()
            raise

    def _start(self) -> Transaction:
        stack = ExitStack()
        try:
            conn = stack.enter_context(self._connection_factory())
            conn.autocommit = True  # begun inside the first round trip, as every transaction here
            transaction = Transaction(conn)
            stack.callback(transaction.rollback)  # a no-op once committed
            answers.claim(transaction, self.request, self._wait_seconds)
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
        try:
            answers.record(transaction, self.request, answer)
            transaction.commit()
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(str(exc)) from exc
        finally:
            _close(stack)
        if transaction.queued and self._on_commit is not None:
            self._on_commit(transaction.queued)

    def remember(self, answer: StoredAnswer) -> None:
        """Keep a refusal as the key's answer, in a transaction of its own: whatever the request began was rolled back
        with it, and a retry with the key must get the same refusal, not try again on what changed since (a petition
        accepted meanwhile, say). A retry racing this one finds the answer, or waits for it."""
        if self._open is not None:
            return  # a change waits: `finish` commits the answer with it
        self._start()
        self.finish(answer)

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
