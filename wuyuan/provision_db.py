"""Creates each service's PostgreSQL database and applies its migrations with yoyo."""

from __future__ import annotations

import glob
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from yoyo import get_backend, read_migrations

from shared.registry import CENTRE, DEFAULT_CONFIG_DIR, load_registry
from wuyuan.agencies import has_database, is_external, migrations_dir
from wuyuan.settings import REPO_ROOT, PlatformSettings

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
    own_dir: Path | None = None,
) -> list[Path]:
    """The migration directories that apply to a service's database, shared ones first; the service's own are
    `own_dir`, or `services_root/<service>/migrations`."""
    candidates = [shared_dir]
    if service in agency_services(config_dir):
        candidates.append(AGENCY_MIGRATIONS)
    candidates.append(own_dir or services_root / service / "migrations")
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
    services: Iterable[str] | None = None,
    *,
    shared_dir: Path = SHARED_MIGRATIONS,
    services_root: Path | None = None,
) -> dict[str, list[str]]:
    """Create any missing service database and apply pending migrations.

    Safe to run again and from two processes at once. Returns, per service, the ids of the
    migrations applied by this call (empty lists when everything was already up to date).
    """
    # An external agency may do without a database; one it has, it migrates itself.
    services = [s for s in (settings.services if services is None else services) if has_database(settings, s)]
    for admin_url, on_server in _by_server(settings, services).items():
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
            for service in on_server:
                role = settings.database_role(service)
                if not settings.admin_is_the_role(service):
                    _ensure_role(admin, role, settings.database_password(service))
                    _create_database(admin, settings.database_name(service), role)
                _restrict_database(admin, settings.database_name(service), role)
    for service in services:
        # Tables an earlier provisioning made as the admin role pass to the service's role.
        _take_over_objects(settings.admin_database_url(service), settings.database_role(service))
    # Migrations run as the service's role, so what they create is its own.
    applied = {
        service: apply_migrations(
            settings.database_url(service),
            migration_dirs(
                service,
                shared_dir=shared_dir,
                config_dir=settings.config_dir,
                own_dir=migrations_dir(settings, service)
                if services_root is None
                else services_root / service / "migrations",
            ),
        )
        if not is_external(settings, service)
        else []
        for service in services
    }
    if "intake" in services:
        seal_intake_rows(settings)
    return applied


def seal_intake_rows(settings: PlatformSettings) -> int:
    """Seal intake's ID and mobile numbers stored in clear before sealing existed (a no-op once done).

    A Python step after the SQL migrations, because SQL does not hold the key.
    """
    from services.intake.personal_data import PersonalDataCipher, decode_key
    from services.intake.store import PostgresIntakeStore
    from shared.persistence.transaction import transaction

    url = settings.database_url("intake")

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(url, row_factory=dict_row, connect_timeout=10)

    with psycopg.connect(url, connect_timeout=10) as conn:
        row = conn.execute("SELECT EXISTS (SELECT 1 FROM cases)").fetchone()
    if not row or not row[0]:
        return 0  # nothing to seal, and no key is made here for it
    cipher = PersonalDataCipher(decode_key(_sealing_key(settings)))
    with transaction(connect) as tx:
        changed = PostgresIntakeStore(tx, cipher).seal_plain_rows()
    if changed:
        log.info("sealed the ID and mobile numbers of %d intake cases stored in clear", changed)
    return changed


class SealingKeyMissing(RuntimeError):
    pass


def _sealing_key(settings: PlatformSettings) -> str:
    """The key intake's existing rows are sealed under: given, or kept where this state directory already
    kept secrets. Never one made here and now: in a throwaway provisioning container it would be lost,
    and with it every number sealed under it."""
    secrets_dir = settings.state_dir / "secrets"
    if settings.personal_data_key is None and not (
        (secrets_dir / "personal-data-key").exists() or (secrets_dir / "party-key").exists()
    ):
        raise SealingKeyMissing(
            "intake holds cases but no personal data key is known: set WUYUAN_PERSONAL_DATA_KEY"
            " (the key intake itself runs with) before provisioning"
        )
    return settings.personal_data_key_value()


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


def drop_databases(settings: PlatformSettings, services: Iterable[str] | None = None) -> None:
    """Drop the services' databases, disconnecting their sessions first (for test clean-up)."""
    services = [s for s in (settings.services if services is None else services) if has_database(settings, s)]
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
            if not settings.admin_is_the_role(service):
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(settings.database_role(service))))


def _ensure_role(admin: psycopg.Connection, role: str, password: str) -> None:
    """A login role of the service's own with its kept password, made or brought in line (never logged)."""
    # INHERIT: from PostgreSQL 15 a database owner may create in `public` through pg_database_owner.
    # Sent as a SCRAM verifier, never as the password itself, which a DDL statement log would keep.
    verifier = admin.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256").decode()
    options = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT PASSWORD {}").format(sql.Literal(verifier))
    exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    if not exists:
        try:
            admin.execute(sql.SQL("CREATE ROLE {} ").format(sql.Identifier(role)) + options)
        except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
            pass  # made meanwhile by a concurrent run; the ALTER below sets the same password
        else:
            log.info("created database role %s", role)
            return
    admin.execute(sql.SQL("ALTER ROLE {} ").format(sql.Identifier(role)) + options)


def _create_database(admin: psycopg.Connection, name: str, owner: str) -> None:
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if exists:
        # Made by an earlier provisioning, perhaps owned by the admin role: the service's role takes it over.
        admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), sql.Identifier(owner)))
        return
    try:
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner)))
    except psycopg.errors.DuplicateDatabase:
        admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), sql.Identifier(owner)))
    else:
        log.info("created database %s", name)


def _restrict_database(admin: psycopg.Connection, name: str, role: str) -> None:
    """Only the service's role (and the admin) may connect: no other service's role reaches this database."""
    database = sql.Identifier(name)
    admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
    admin.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(database, sql.Identifier(role)))


# What an earlier provisioning (as the admin role) may have made in a service database's schema.
_FOREIGN_RELATIONS = """
SELECT format('%%I.%%I', n.nspname, c.relname) AS name, c.relkind
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND pg_get_userbyid(c.relowner) <> %s
  AND NOT (c.relkind = 'S' AND EXISTS (
    SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
ORDER BY c.relkind = 'S', 1
"""
_FOREIGN_ROUTINES = """
SELECT p.oid::regprocedure::text AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""
_FOREIGN_TYPES = """
SELECT format('%%I.%%I', n.nspname, t.typname) AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r') AND pg_get_userbyid(t.typowner) <> %s
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
"""
_ALTER = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE", "S": "SEQUENCE"}


def _take_over_objects(admin_database_url: str, role: str) -> None:
    """Give the service's role every object in its database's public schema it does not own yet (idempotent)."""
    owner = sql.Identifier(role)
    with psycopg.connect(admin_database_url, autocommit=True, connect_timeout=10) as admin, admin.transaction():
        schema_owner = admin.execute("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'")
        row = schema_owner.fetchone()
        if row is not None and row[0] not in (role, "pg_database_owner"):
            admin.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(owner))
        relations = admin.execute(_FOREIGN_RELATIONS, (role,)).fetchall()
        for name, kind in relations:
            admin.execute(sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(_ALTER[kind]), sql.SQL(name), owner))
        for (name,) in admin.execute(_FOREIGN_ROUTINES, (role,)).fetchall():
            admin.execute(sql.SQL("ALTER ROUTINE {} OWNER TO {}").format(sql.SQL(name), owner))
        for (name,) in admin.execute(_FOREIGN_TYPES, (role,)).fetchall():
            admin.execute(sql.SQL("ALTER TYPE {} OWNER TO {}").format(sql.SQL(name), owner))
        if relations:
            log.info("gave %d objects to %s", len(relations), role)
