"""The notice an agency receives when a centre service refuses its message, written to the outbox once.

The inbox consumer calls `record_refusal` before it dead-letters a message (see
`shared.messaging.consumer.RecordsRefusals`). In one transaction of its own it claims the notice
(its id is derived from the refused message, so a redelivered refusal finds its claim and changes
nothing), lets the service add what its own state keeps of a refusal (`OnRefusal`: the
coordinator's case timeline), and queues the notice, which the relay publishes once that commits.
"""

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, Generic, TypeVar

from kombu.message import Message
from nameko.containers import WorkerContext
from nameko.extensions import DependencyProvider, SharedExtension
from opentelemetry import trace

from shared.config import current_settings
from shared.contracts.messages import MessageRejected
from shared.delivery.statements import Statements
from shared.messaging.routing import addressing
from shared.persistence.transaction import transaction
from shared.persistence.unit_of_work import PostgresUnitOfWork, UnitOfWork
from shared.platform import Platform
from shared.rejections import notice_for, read_refusal
from shared.runtime.pool import PostgresPool
from shared.runtime.relay import OutboxRelay

S = TypeVar("S")
RefusalHook = Callable[[MessageRejected, UnitOfWork[S], Platform], None]
log = logging.getLogger(__name__)


def refusals_consumer(service: str) -> str:
    """The inbox consumer name a service's notices are claimed under, beside its handlers' own claims."""
    return f"{service}:refusals"


class OnRefusal(DependencyProvider, Generic[S]):
    """Declared on a service whose own state records a refusal too: `hook(notice, uow, platform)` runs in the
    notice's transaction, on the store `store_for` makes. The attribute itself gives the service nothing."""

    def __init__(self, store_for: Callable[[Statements], S], hook: RefusalHook[S]) -> None:
        self.store_for = store_for
        self.hook = hook

    def get_dependency(self, worker_ctx: WorkerContext) -> None:
        return None


class RefusalOutbox(SharedExtension):
    """Found by the inbox consumer among the container's extensions (the database dependency brings it)."""

    pool = PostgresPool()
    relay = OutboxRelay()

    def __init__(self) -> None:
        self._platform: Platform | None = None

    def platform(self) -> Platform:
        # Its own copy: shared.runtime.dependencies (PlatformOfContainer) imports this module.
        if self._platform is None:
            self._platform = Platform.from_settings(current_settings())
        return self._platform

    def record_refusal(self, message: Message, code: str, detail: str) -> None:
        """Queue the notice to the agency that sent `message`, if one is to be told; raise if it cannot be kept."""
        platform = self.platform()
        properties = message.properties if isinstance(message.properties, dict) else {}
        user = properties.get("user_id")
        refusal = read_refusal(
            platform.service,
            user if isinstance(user, str) else None,
            code,
            detail,
            message.body if isinstance(message.body, bytes | str) else None,
            properties.get("message_id"),
        )
        notice = notice_for(refusal, platform, platform.now())
        if notice is None:
            return
        hook = next((d for d in self.container.dependencies if isinstance(d, OnRefusal)), None)
        store_for: Callable[[Statements], Any] = hook.store_for if hook is not None else _no_store
        uow = PostgresUnitOfWork(
            partial(transaction, self.pool.connection, self.relay.announce),
            store_for,
            refusals_consumer(platform.service),
            addressing(platform.registry),
        )
        span = trace.get_current_span()
        span.set_attribute("wuyuan.refusal.notice_id", str(notice.message_id))
        if notice.case_id:
            span.set_attribute("wuyuan.case_id", notice.case_id)
        with uow:
            uow.claim(notice)
            if hook is not None:
                hook.hook(notice, uow, platform)
            uow.send(notice)
        log.info(
            "refusal notice queued (or queued before, for a redelivered message)",
            extra={"recipient": notice.recipient, "reason": notice.reason, "notice_id": str(notice.message_id)},
        )


def _no_store(statements: Statements) -> None:
    return None
