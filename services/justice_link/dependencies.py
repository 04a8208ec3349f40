"""The mediation directory as a nameko dependency: read and checked at setup, kept in the database at start."""

import logging

import structlog
from nameko.containers import WorkerContext

from services.justice_link.directory import Directory, DirectoryError, load_directory
from services.justice_link.store import PostgresJusticeStore
from shared.config import current_settings
from shared.dependency import Injects
from shared.logs import Throttle
from shared.persistence.transaction import transaction
from shared.runtime.dependencies import PlatformOfContainer
from shared.runtime.pool import DATABASE_AWAY, PostgresPool

log = logging.getLogger(__name__)
refusals = structlog.get_logger(__name__)
_unsynced = Throttle(60.0)


class MediationDirectory(Injects[Directory]):
    """`self.directory`: the organisations and mediators of `mediation_organisations.toml`.

    A file that cannot be read stops the service at setup, naming the entry; once read, the
    directory is written to the service's database at start, so that assignments (which reference
    it) and the figures read it there. A database away at start does not stop the service: each
    worker writes it first until it is written (a worker that cannot reach the database fails on its
    own unit of work anyway, answered 503 or retried)."""

    pool = PostgresPool()
    context = PlatformOfContainer()

    def __init__(self) -> None:
        self.directory: Directory | None = None
        self._synced = False

    def setup(self) -> None:
        try:
            self.directory = load_directory(current_settings().config_dir)
        except DirectoryError as broken:
            refusals.error("the mediation directory is invalid; the service does not start", **broken.log_fields())
            raise

    def start(self) -> None:
        self._sync()

    def get_dependency(self, worker_ctx: WorkerContext) -> Directory:
        assert self.directory is not None, "directory used before setup"
        if not self._synced:
            self._sync()
        return self.directory

    def _sync(self) -> None:
        assert self.directory is not None, "directory used before setup"
        try:
            with transaction(self.pool.connection) as tx:
                PostgresJusticeStore(tx).sync_directory(self.directory, self.context.get().now())
        except DATABASE_AWAY as error:
            _unsynced.warning(
                log,
                "mediation directory not written yet: the database is not answering; tried again as workers begin",
                error=" ".join(str(error).split())[:300],
            )
            return
        self._synced = True
