"""Databases of a test run's own, migrated as a service's would be, and dropped afterwards."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from wuyuan.provision_db import apply_migrations
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
