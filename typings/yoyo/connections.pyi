# yoyo.connections: get_backend, a migration backend for a database URI.
from typing import NamedTuple

from typing_extensions import disjoint_base
from yoyo.backends.base import DatabaseBackend

class _DatabaseURI(NamedTuple):
    scheme: str
    username: str | None
    password: str | None
    hostname: str | None
    port: int | None
    database: str | None
    args: dict[str, str]

@disjoint_base
class DatabaseURI(_DatabaseURI): ...

# The scheme names the driver, e.g. postgresql+psycopg:// for psycopg 3.
def get_backend(uri: str, migration_table: str = "_yoyo_migration") -> DatabaseBackend: ...
