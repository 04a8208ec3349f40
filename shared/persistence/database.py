"""The `Database` dependency: gives a worker transactions whose outbox messages are relayed after commit."""

from nameko.extensions import DependencyProvider

from shared.messaging.relay import OutboxRelay
from shared.persistence.group_commit import GroupCommit
from shared.persistence.pool import PostgresPool
from shared.persistence.unit_of_work import unit_of_work
from shared.registry import load_registry
from shared.runtime.context import current_settings


class DatabaseAccess:
    """What a worker sees: `with db.transaction() as uow: ...`."""

    def __init__(
        self, pool: PostgresPool, relay: OutboxRelay, consumer: str, registry, group: GroupCommit | None
    ) -> None:
        self._pool = pool
        self._relay = relay
        self.consumer = consumer
        self.registry = registry
        self._group = group

    def transaction(self):
        if self._group is not None:
            return self._group.transaction()
        return unit_of_work(self._pool.connection, self.consumer, self.registry, on_commit=self._relay.announce)


class Database(DependencyProvider):
    """Message handlers' transactions are committed in groups (see group_commit); the others alone."""

    pool = PostgresPool()
    relay = OutboxRelay()

    def setup(self) -> None:
        settings = current_settings()
        self.consumer = settings.service
        self.registry = load_registry(settings.config_dir)
        self.group: GroupCommit | None = None

    def start(self) -> None:
        self.group = GroupCommit(self.pool.connection, self.consumer, self.registry, on_commit=self.relay.announce)

    def get_dependency(self, worker_ctx) -> DatabaseAccess:
        grouped = getattr(worker_ctx.entrypoint, "commits_in_groups", False)
        return DatabaseAccess(self.pool, self.relay, self.consumer, self.registry, self.group if grouped else None)
