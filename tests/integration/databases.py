"""Databases of a test run's own, migrated as a service's would be, and dropped afterwards."""

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from wuyuan.provision_db import apply_migrations, drop_databases, ensure_databases
from wuyuan.settings import PlatformSettings


@contextmanager
def migrated_database(prefix: str, migration_dirs: list) -> Iterator[str]:
    """A database of this run's own with those migrations applied; dropped afterwards."""
    admin_url = PlatformSettings().pg_admin_url
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    try:
        assert apply_migrations(url, migration_dirs)
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def migrations_before(migrations: Path, first_left_out: str, folder: Path) -> Path:
    """`folder`, made, holding the service's migrations that came before `first_left_out` (its number, '0018'): the
    release before, for a test that migrates a database of it with the next migration."""
    folder.mkdir()
    for migration in sorted(migrations.glob("00*.sql")):
        if migration.name < first_left_out:
            shutil.copy(migration, folder)
    return folder


@contextmanager
def provisioned(tmp_path: Path, services: list[str]) -> Iterator[PlatformSettings]:
    """These services' databases under a prefix of this run's own, provisioned as `wuyuan up` does; dropped after."""
    settings = PlatformSettings(db_prefix=f"wyt_{uuid.uuid4().hex[:8]}_", state_dir=tmp_path / "state")
    ensure_databases(settings, services)
    try:
        yield settings
    finally:
        drop_databases(settings, services)


def the_role_as_admin(settings: PlatformSettings, service: str) -> PlatformSettings:
    """The same platform as CloudNativePG hands it out: the service's own role, owner of its database, is all there
    is to connect as (so a restore empties that database and fills it again, in place)."""
    as_the_role = urlsplit(settings.database_url(service))._replace(path="/postgres")
    return settings.model_copy(update={"pg_admin_urls": {service: urlunsplit(as_the_role)}})
