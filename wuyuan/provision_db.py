"""Creates each service's PostgreSQL database and applies its migrations with yoyo."""

from __future__ import annotations

import glob
import logging
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from yoyo import get_backend, read_migrations

from shared.registry import CENTRE, DEFAULT_CONFIG_DIR, load_registry
from wuyuan.settings import REPO_ROOT, SERVICES, PlatformSettings

log = logging.getLogger(__name__)

# Inbox/outbox tables and the like, applied to every service database before the service's own.
SHARED_MIGRATIONS = REPO_ROOT / "shared" / "delivery" / "migrations"
SERVICES_ROOT = REPO_ROOT / "services"
# Referral tables of the agency base, for every service that speaks for an agency.
AGENCY_MIGRATIONS = REPO_ROOT / "shared" / "agency" / "migrations"


def agency_services(config_dir: Path = DEFAULT_CONFIG_DIR) -> set[str]:
    registry = load_registry(config_dir)
    return {agency.service for code, agency in registry.agencies.items() if code != CENTRE}


# yoyo waits this long for another process (a second `wuyuan up`) to finish migrating.
MIGRATION_LOCK_TIMEOUT = 60


def migration_dirs(
    service: str,
    *,
    shared_dir: Path = SHARED_MIGRATIONS,
    services_root: Path = SERVICES_ROOT,
    config_dir: Path = DEFAULT_CONFIG_DIR,
) -> list[Path]:
    """The migration directories that apply to a service's database, shared ones first."""
    candidates = [shared_dir]
    if service in agency_services(config_dir):
        candidates.append(AGENCY_MIGRATIONS)
    candidates.append(services_root / service / "migrations")
    return [d for d in candidates if _has_migrations(d)]


def _has_migrations(directory: Path) -> bool:
    return directory.is_dir() and any(
        p.is_file() and p.suffix in (".sql", ".py") and p.name != "__init__.py" for p in directory.iterdir()
    )


def yoyo_uri(database_url: str) -> str:
    """A libpq URL rewritten for yoyo's psycopg 3 backend (plain `postgresql://` means psycopg2 to yoyo)."""
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ValueError(f"not a PostgreSQL URL: {parts.scheme}://…")
    return urlunsplit(parts._replace(scheme="postgresql+psycopg"))


def ensure_databases(
    settings: PlatformSettings,
    services: Iterable[str] = SERVICES,
    *,
    shared_dir: Path = SHARED_MIGRATIONS,
    services_root: Path = SERVICES_ROOT,
) -> dict[str, list[str]]:
    """Create any missing service database and apply pending migrations.

    Safe to run again and from two processes at once. Returns, per service, the ids of the
    migrations applied by this call (empty lists when everything was already up to date).
    """
    services = list(services)
    for admin_url, on_server in _by_server(settings, services).items():
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
            for service in on_server:
                _create_database(admin, settings.database_name(service))
    return {
        service: apply_migrations(
            settings.database_url(service),
            migration_dirs(service, shared_dir=shared_dir, services_root=services_root, config_dir=settings.config_dir),
        )
        for service in services
    }


def apply_migrations(database_url: str, directories: list[Path]) -> list[str]:
    """Apply the pending migrations found in `directories` to one database; returns their ids."""
    if not directories:
        return []
    # read_migrations treats its arguments as glob patterns.
    migrations = read_migrations(*(glob.escape(str(d)) for d in directories))
    backend = get_backend(yoyo_uri(database_url))
    try:
        with backend.lock(timeout=MIGRATION_LOCK_TIMEOUT):
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
    finally:
        backend.connection.close()
    applied = [m.id for m in pending]
    if applied:
        log.info("applied migrations %s to %s", applied, urlsplit(database_url).path.lstrip("/"))
    return applied


def drop_databases(settings: PlatformSettings, services: Iterable[str] = SERVICES) -> None:
    """Drop the services' databases, disconnecting their sessions first (for test clean-up)."""
    for admin_url, on_server in _by_server(settings, services).items():
        _drop_on_server(admin_url, settings, on_server)


def _by_server(settings: PlatformSettings, services: Iterable[str]) -> dict[str, list[str]]:
    """Services grouped by the database server their database lives on (one per agency, or all on one)."""
    grouped: dict[str, list[str]] = {}
    for service in services:
        grouped.setdefault(settings.pg_admin_url_of(service), []).append(service)
    return grouped


def _drop_on_server(admin_url: str, settings: PlatformSettings, services: list[str]) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
        force = sql.SQL(" WITH (FORCE)") if admin.info.server_version >= 130000 else sql.SQL("")
        for service in services:
            name = settings.database_name(service)
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}{}").format(sql.Identifier(name), force))


def _create_database(admin: psycopg.Connection, name: str) -> None:
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if exists:
        return
    try:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.errors.DuplicateDatabase:
        pass  # created meanwhile by a concurrent run
    else:
        log.info("created database %s", name)
