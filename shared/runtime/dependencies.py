"""The dependencies every service is built from: its unit of work on its own database, and the platform it runs in."""

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from nameko.containers import WorkerContext
from nameko.extensions import SharedExtension

from shared.config import current_settings
from shared.contracts.envelope import Envelope
from shared.delivery.statements import Statements
from shared.dependency import Injects
from shared.messaging.routing import address
from shared.persistence.group_commit import GroupCommit
from shared.persistence.transaction import transaction
from shared.persistence.unit_of_work import PostgresUnitOfWork, UnitOfWork
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

    Message handlers' transactions are committed in groups (see group_commit); the others alone.
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
        if grouped and self.group is not None:
            begin = self.group.transaction
        else:
            begin = partial(transaction, self.pool.connection, self.relay.announce)
        return PostgresUnitOfWork(begin, self.store_for, platform.service, partial(_address, platform))


def _address(platform: Platform, message: Envelope) -> tuple[str, str]:
    return address(message, platform.registry)
