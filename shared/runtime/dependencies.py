"""The dependencies every service is built from: its unit of work on its own database, and the platform it runs in."""

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from nameko.containers import WorkerContext
from nameko.extensions import SharedExtension
from werkzeug.wrappers import Request

from shared.config import current_settings
from shared.delivery.statements import Statements
from shared.dependency import Injects
from shared.messaging.routing import addressing
from shared.persistence.group_commit import GroupCommit
from shared.persistence.held_transaction import HeldTransaction
from shared.persistence.idempotency import HELD_TRANSACTIONS_ENVIRON, KEYED_REQUEST_ENVIRON, KeyedRequest
from shared.persistence.limits import database_limits
from shared.persistence.transaction import ConnectionFactory, OnCommit, transaction
from shared.persistence.unit_of_work import BeginTransaction, PostgresUnitOfWork, UnitOfWork
from shared.platform import Platform
from shared.runtime.pool import PostgresPool
from shared.runtime.refusals import RefusalOutbox
from shared.runtime.relay import OutboxRelay

S = TypeVar("S")


class PlatformOfContainer(SharedExtension):
    """The container's one `Platform`, read from the settings once and shared by the dependencies below.

    Built on first use: nameko sets extensions up concurrently, in no set order.
    """

    _platform: Platform | None = None

    def get(self) -> Platform:
        if self._platform is None:
            self._platform = Platform.from_settings(current_settings())
        return self._platform


class PlatformProvider(Injects[Platform]):
    """`self.platform`: the service's name, the agency registry, the county and its centre unit, the clock."""

    context = PlatformOfContainer()

    def get_dependency(self, worker_ctx: WorkerContext) -> Platform:
        return self.context.get()


class Database(Injects[UnitOfWork[S]]):
    """`self.uow`: a unit of work on the service's database, its store made by `store_for`.

    Message handlers' transactions are committed in groups (see group_commit); an HTTP request with
    an Idempotency-Key holds one transaction, committed with its answer (see held_transaction); the
    others commit alone.
    """

    pool = PostgresPool()
    relay = OutboxRelay()
    context = PlatformOfContainer()
    # Brought along for the inbox consumer: it tells an agency its message was refused (issue 15).
    refusals = RefusalOutbox()

    def __init__(self, store_for: Callable[[Statements], S]) -> None:
        self.store_for = store_for
        self.group: GroupCommit | None = None

    def start(self) -> None:
        self.group = GroupCommit(self.pool.connection, on_commit=self.relay.announce)

    def get_dependency(self, worker_ctx: WorkerContext) -> UnitOfWork[S]:
        platform = self.context.get()
        grouped = getattr(worker_ctx.entrypoint, "commits_in_groups", False)
        keyed = held_transaction_of(worker_ctx, self.pool.connection, self.relay.announce)
        begin: BeginTransaction
        if grouped and self.group is not None:
            begin = self.group.transaction
        elif keyed is not None:
            begin = keyed
        else:
            begin = partial(transaction, self.pool.connection, self.relay.announce)
        return PostgresUnitOfWork(begin, self.store_for, platform.service, addressing(platform.registry))

    def worker_teardown(self, worker_ctx: WorkerContext) -> None:
        abandon_held(worker_ctx)


def held_transaction_of(
    worker_ctx: WorkerContext, connection_factory: ConnectionFactory, on_commit: OnCommit
) -> BeginTransaction | None:
    """For an HTTP request that carried an Idempotency-Key, its one transaction, committed with its answer by the
    HTTP entrypoint (shared.http); None for any other worker."""
    keyed = _keyed_request(worker_ctx)
    if keyed is None:
        return None
    request, keyed_request = keyed
    held = HeldTransaction(connection_factory, on_commit, keyed_request, database_limits().idempotency_wait_seconds)
    request.environ.setdefault(HELD_TRANSACTIONS_ENVIRON, []).append(held)
    return held.begin


def abandon_held(worker_ctx: WorkerContext) -> None:
    """Normally the entrypoint has finished them; a worker that ended another way leaves no change."""
    keyed = _keyed_request(worker_ctx)
    if keyed is not None:
        for held in keyed[0].environ.get(HELD_TRANSACTIONS_ENVIRON, []):
            held.abandon()


def _keyed_request(worker_ctx: WorkerContext) -> tuple[Request, KeyedRequest] | None:
    """The HTTP request the worker handles and its key, when it is a state-changing request that carried one."""
    request = worker_ctx.args[0] if worker_ctx.args else None
    if not isinstance(request, Request):
        return None
    keyed = request.environ.get(KEYED_REQUEST_ENVIRON)
    return (request, keyed) if isinstance(keyed, KeyedRequest) else None
