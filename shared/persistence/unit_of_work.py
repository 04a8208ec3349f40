"""The unit of work a handler is given: `with uow:` is one transaction for its state, inbox claim and outbox.

Inside the block, `uow.store` is the service's store on that transaction, `uow.claim`
records the message being handled (a redelivery then changes nothing), and `uow.send`
queues a message that is published only once the block commits. Leaving the block
commits; an exception rolls everything back. Where a message goes is the platform's
business, so the unit of work is given an addressing function rather than the agencies.
"""

from collections.abc import Callable, Collection
from contextlib import AbstractContextManager, ExitStack
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

from shared.contracts.envelope import Envelope
from shared.delivery import inbox
from shared.delivery.outbox import Queued
from shared.delivery.statements import Statements
from shared.persistence.errors import StoreUnavailable
from shared.persistence.transaction import Transaction
from shared.refusal import Refused
from shared.telemetry.propagation import current_trace_headers

S = TypeVar("S")
S_co = TypeVar("S_co", covariant=True)

Addressing = Callable[[Envelope, str | None, Collection[str]], tuple[str, str]]
"""(exchange, routing key) of a message, given its case's source (shared.messaging.routing.address)."""
BeginTransaction = Callable[[], AbstractContextManager[Transaction]]


class UnitOfWork(Protocol[S_co]):
    """What handlers see; the PostgreSQL one below and the tests' in-memory fake both fit it."""

    @property
    def store(self) -> S_co: ...

    def claim(self, message: Envelope) -> None: ...

    def send(self, message: Envelope, case_source: str | None = None, case_flags: Collection[str] = ()) -> None:
        """Queue the message; a case fact given its case's source (a `Source`) and flags names them in its routing
        key."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> bool | None: ...


class PostgresUnitOfWork(Generic[S]):
    """A unit of work on a PostgreSQL transaction: the service's own, or a share of a group commit."""

    def __init__(
        self, begin: BeginTransaction, store_for: Callable[[Statements], S], consumer: str, address: Addressing
    ) -> None:
        self._begin = begin
        self._store_for = store_for
        self.consumer = consumer
        self._address = address
        self._open: tuple[ExitStack, Transaction, S] | None = None
        self._claimed: Envelope | None = None

    def __enter__(self) -> Self:
        if self._open is not None:
            raise RuntimeError("this unit of work is already open; a handler opens it once at a time")
        stack = ExitStack()
        transaction = stack.enter_context(self._begin())
        self._open = (stack, transaction, self._store_for(transaction))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> bool:
        assert self._open is not None, "a unit of work left without being entered"
        stack, transaction, _ = self._open
        self._open = None
        claimed, self._claimed = self._claimed, None
        # The transaction decides: commit, roll back, or swallow a redelivery (AlreadyHandled).
        swallowed = bool(stack.__exit__(kind, error, traceback))
        if claimed is not None and claimed.message_id in transaction.claimed_before:
            self._refuse_a_reused_id(claimed)
        return swallowed

    def _refuse_a_reused_id(self, message: Envelope) -> None:
        """A claim that existed: a redelivery, unless the id was taken by another message (inbox.reused_id).

        A claim no longer there was another handler's in the same group commit, which then failed: nothing of either
        was kept, and the message is retried rather than acknowledged as handled."""
        with self._begin() as transaction:
            claimed = inbox.claimed_as(transaction, self.consumer, message)
        if claimed is None:
            raise StoreUnavailable(f"message {message.message_id}: its id's claim was not kept (a group commit failed)")
        why = inbox.reused_id(message, claimed)
        if why is not None:
            raise Refused(inbox.MESSAGE_ID_REUSED, why)

    @property
    def store(self) -> S:
        return self._parts()[2]

    def claim(self, message: Envelope) -> None:
        """Record that this service handles `message`; a redelivered one rolls the block back, acknowledged."""
        inbox.claim(self._parts()[1], self.consumer, message)
        self._claimed = message

    def send(self, message: Envelope, case_source: str | None = None, case_flags: Collection[str] = ()) -> None:
        """Queue `message` to be published once this transaction commits."""
        exchange, routing_key = self._address(message, case_source, case_flags)
        self._parts()[1].queue(
            Queued(
                message_id=str(message.message_id),
                message_type=message.type,
                case_id=message.case_id,
                exchange=exchange,
                routing_key=routing_key,
                body=message.model_dump_json(),
                headers=current_trace_headers(),
            )
        )

    def _parts(self) -> tuple[ExitStack, Transaction, S]:
        if self._open is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._open
