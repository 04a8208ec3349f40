"""The mediation directory as a nameko dependency: read and checked at setup, kept in the database at start."""

from nameko.containers import WorkerContext

from services.justice_link.directory import Directory, load_directory
from services.justice_link.store import PostgresJusticeStore
from shared.config import current_settings
from shared.dependency import Injects
from shared.persistence.transaction import transaction
from shared.runtime.dependencies import PlatformOfContainer
from shared.runtime.pool import PostgresPool


class MediationDirectory(Injects[Directory]):
    """`self.directory`: the organisations and mediators of `mediation_organisations.toml`.

    A file that cannot be read stops the service at setup, naming the entry; once read, the
    directory is written to the service's database before any worker runs, so that assignments
    (which reference it) and the figures read it there."""

    pool = PostgresPool()
    context = PlatformOfContainer()

    def __init__(self) -> None:
        self.directory: Directory | None = None

    def setup(self) -> None:
        self.directory = load_directory(current_settings().config_dir)

    def start(self) -> None:
        assert self.directory is not None, "directory used before setup"
        with transaction(self.pool.connection) as tx:
            PostgresJusticeStore(tx).sync_directory(self.directory, self.context.get().now())

    def get_dependency(self, worker_ctx: WorkerContext) -> Directory:
        assert self.directory is not None, "directory used before setup"
        return self.directory
