"""A unit of work in memory: what a block claims and sends counts only if it commits; the store rolls back with it."""

import copy
from collections.abc import Collection
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from uuid import UUID

from shared.contracts.envelope import Envelope
from shared.delivery.inbox import MESSAGE_ID_REUSED, AlreadyHandled
from shared.messaging.routing import address
from shared.refusal import Refused
from shared.registry import AgencyRegistry, load_registry

S = TypeVar("S")


class FakeUnitOfWork(Generic[S]):
    """Fits `shared.persistence.unit_of_work.UnitOfWork`; `claimed`, `sent`, `commits` and `rollbacks` are for tests."""

    def __init__(self, store: S, registry: AgencyRegistry | None = None) -> None:
        self._store = store
        self.registry = registry or load_registry()
        self.claimed: set[UUID] = set()
        self._claimed_as: dict[UUID, tuple[str, str | None]] = {}  # what each id was claimed for: type and case
        self.sent: list[Envelope] = []
        self.routing_keys: dict[UUID, str] = {}  # each sent message's, as the outbox would publish it
        self.commits = 0
        self.rollbacks = 0
        self._open: tuple[dict[str, Any], list[UUID], list[tuple[Envelope, str]]] | None = None

    def __enter__(self) -> Self:
        assert self._open is None, "a unit of work is opened once at a time"
        # The store's whole state, to put back if the block fails: a transaction's rollback.
        self._open = (copy.deepcopy(vars(self._store)), [], [])
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> bool:
        assert self._open is not None
        before, claims, sending = self._open
        self._open = None
        if kind is None:
            self.commits += 1
            self.claimed.update(claims)
            self.sent.extend(message for message, _ in sending)
            self.routing_keys.update((message.message_id, key) for message, key in sending)
            return False
        self.rollbacks += 1
        vars(self._store).clear()
        vars(self._store).update(before)
        # A redelivery ends the block quietly, and the message is acknowledged, as in PostgreSQL.
        return issubclass(kind, AlreadyHandled)

    @property
    def store(self) -> S:
        assert self._open is not None, "the store is used outside the unit of work's `with` block"
        return self._store

    def claim(self, message: Envelope) -> None:
        assert self._open is not None
        # The real claim fails at the next round trip; the outcome is the same.
        if message.message_id in self.claimed or message.message_id in self._open[1]:
            claimed_as = self._claimed_as.get(message.message_id)
            if claimed_as is not None and claimed_as != (message.type, message.case_id):  # as inbox.reused_id
                raise Refused(MESSAGE_ID_REUSED, f"message id {message.message_id} was taken before")
            raise AlreadyHandled(str(message.message_id))
        self._open[1].append(message.message_id)
        self._claimed_as[message.message_id] = (message.type, message.case_id)

    def send(self, message: Envelope, case_source: str | None = None, case_flags: Collection[str] = ()) -> None:
        assert self._open is not None
        # A message that cannot be routed fails here, as in the outbox.
        _, routing_key = address(message, self.registry, case_source, case_flags)
        self._open[2].append((message, routing_key))
        # What a trigger on the outbox does in the same transaction (the coordinator keeps referral documents).
        queued = getattr(self._store, "outbox_queued", None)
        if queued is not None:
            queued(message)

    # --- for tests -----------------------------------------------------------------------

    def sent_of(self, model: type[Envelope]) -> list[Any]:
        """The committed messages of one type, in the order they were sent."""
        return [message for message in self.sent if isinstance(message, model)]

    def sent_types(self) -> list[str]:
        return [message.type for message in self.sent]

    def sent_but_link_facts(self) -> list[Envelope]:
        """What went out besides the facts a link notes for supervision (LinkRecordNoted)."""
        return [message for message in self.sent if message.type != "LinkRecordNoted"]

    def link_facts(self) -> list[tuple[str, str]]:
        """The facts a link noted for supervision, as (kind, record id), in the order they were sent."""
        return [(message.kind, message.record_id) for message in self.sent if message.type == "LinkRecordNoted"]
