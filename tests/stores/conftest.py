"""Each store's contract suite runs twice: against its in-memory fake and against PostgreSQL.

A suite names `SERVICE`, `FAKE` and `POSTGRES_STORE` at module level and asks for `stores`,
a `StoreBench` whose `transaction()` opens one transaction and yields the store on it: the
fake (rolled back with its state if the block raises) or the PostgreSQL store on a migrated
database of this run's own, emptied before every test. So a fake cannot drift from the SQL
it stands in for without a test failing.
"""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Generic, TypeVar

import psycopg
import pytest
from psycopg.rows import dict_row

from shared.delivery.statements import Statements
from shared.persistence.transaction import transaction
from tests.fakes.unit_of_work import FakeUnitOfWork
from tests.integration.databases import migrated_database
from wuyuan.provision_db import migration_dirs

S = TypeVar("S")


class StoreBench(Generic[S]):
    """Transactions on one store implementation; `kind` is "memory" or "postgres"."""

    def __init__(self, kind: str, open_store: Callable[[], AbstractContextManager[S]]) -> None:
        self.kind = kind
        self._open_store = open_store

    def transaction(self) -> AbstractContextManager[S]:
        return self._open_store()


def memory_bench(fake: Any) -> StoreBench[Any]:
    uow = FakeUnitOfWork(fake)

    @contextmanager
    def open_store() -> Iterator[Any]:
        with uow:
            yield uow.store

    return StoreBench("memory", open_store)


def postgres_bench(database_url: str, store_for: Callable[[Statements], S]) -> StoreBench[S]:
    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(database_url, row_factory=dict_row, connect_timeout=10)

    @contextmanager
    def open_store() -> Iterator[S]:
        with transaction(connect) as tx:
            yield store_for(tx)

    return StoreBench("postgres", open_store)


def empty_tables(database_url: str) -> None:
    """Every table of the service's own and the delivery tables, emptied (the migrations' bookkeeping kept)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '%yoyo%'"
            )
        ]
        if tables:
            conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


@pytest.fixture(scope="module")
def service_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated database for the module's `SERVICE` (a module-level constant of the suite), dropped afterwards."""
    service = request.module.SERVICE
    with migrated_database(f"wys_{service[:8]}", migration_dirs(service)) as url:
        yield url


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.integration)])
def stores(request: pytest.FixtureRequest) -> StoreBench[Any]:
    """The suite's store, once in memory and once on PostgreSQL (which alone needs a database)."""
    if request.param == "memory":
        return memory_bench(request.module.FAKE())
    database = request.getfixturevalue("service_database")
    empty_tables(database)
    return postgres_bench(database, request.module.POSTGRES_STORE)
