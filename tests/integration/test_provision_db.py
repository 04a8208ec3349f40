"""Creating service databases and migrating them with yoyo, against the real PostgreSQL."""

import secrets
import textwrap

import psycopg
import pytest
from psycopg import sql

from wuyuan.provision_db import apply_migrations, drop_databases, ensure_databases
from wuyuan.settings import PlatformSettings

pytestmark = pytest.mark.integration

# Services that no registry knows, so only the migrations written below apply to them.
MIGRATED, BARE = "sample_link", "plain_link"


@pytest.fixture
def settings(tmp_path):
    settings = PlatformSettings(db_prefix=f"wyt_{secrets.token_hex(4)}_", state_dir=tmp_path / "state")
    try:
        yield settings
    finally:
        drop_databases(settings, [MIGRATED, BARE])


@pytest.fixture
def migrations(tmp_path):
    """A shared migrations directory and one service with migrations of its own."""
    shared = tmp_path / "shared"
    services = tmp_path / "services"
    own = services / MIGRATED / "migrations"
    shared.mkdir()
    own.mkdir(parents=True)
    (services / BARE).mkdir()  # a service without a migrations directory
    write(
        shared / "s0001_messaging.sql",
        """
        -- Inbox for every service.
        CREATE TABLE inbox (consumer text NOT NULL, message_id text NOT NULL, PRIMARY KEY (consumer, message_id));
    """,
    )
    write(
        own / "0001_referrals.sql",
        """
        -- depends: s0001_messaging
        CREATE TABLE referrals (id text PRIMARY KEY, note text NOT NULL DEFAULT '100% 调解');
        CREATE FUNCTION touch_note() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.note := NEW.note || ';';
            RETURN NEW;
        END;
        $$;
    """,
    )
    return {"shared_dir": shared, "services_root": services}


def write(path, text):
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def tables(settings, service):
    with psycopg.connect(settings.database_url(service)) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_name NOT LIKE '%yoyo%' ORDER BY 1"
        )
        return [name for (name,) in rows]


def database_exists(settings, service):
    with psycopg.connect(settings.pg_admin_url) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (settings.database_name(service),))
        return row.fetchone() is not None


def test_creates_each_database_and_applies_shared_migrations_before_the_services_own(settings, migrations):
    applied = ensure_databases(settings, [MIGRATED, BARE], **migrations)

    assert applied == {MIGRATED: ["s0001_messaging", "0001_referrals"], BARE: ["s0001_messaging"]}
    assert tables(settings, MIGRATED) == ["inbox", "referrals"]
    assert tables(settings, BARE) == ["inbox"]


def test_a_second_run_changes_nothing_and_keeps_the_data(settings, migrations):
    ensure_databases(settings, [MIGRATED, BARE], **migrations)
    with psycopg.connect(settings.database_url(MIGRATED)) as conn:
        conn.execute("INSERT INTO referrals (id) VALUES ('R-430426-0001')")

    applied = ensure_databases(settings, [MIGRATED, BARE], **migrations)

    assert applied == {MIGRATED: [], BARE: []}
    with psycopg.connect(settings.database_url(MIGRATED)) as conn:
        assert conn.execute("SELECT id, note FROM referrals").fetchall() == [("R-430426-0001", "100% 调解")]


def test_a_new_migration_is_the_only_one_applied_next_time(settings, migrations):
    ensure_databases(settings, [MIGRATED], **migrations)
    write(
        migrations["services_root"] / MIGRATED / "migrations" / "0002_deadline.sql",
        """
        -- depends: 0001_referrals
        ALTER TABLE referrals ADD COLUMN due_on date;
    """,
    )

    applied = ensure_databases(settings, [MIGRATED], **migrations)

    assert applied == {MIGRATED: ["0002_deadline"]}


def test_a_failing_migration_leaves_the_database_as_it_was(settings, migrations):
    ensure_databases(settings, [MIGRATED], **migrations)
    broken = migrations["services_root"] / MIGRATED / "migrations" / "0002_broken.sql"
    write(
        broken,
        """
        -- depends: 0001_referrals
        CREATE TABLE letters (id text PRIMARY KEY);
        ALTER TABLE no_such_table ADD COLUMN x int;
    """,
    )

    with pytest.raises(psycopg.errors.UndefinedTable):
        ensure_databases(settings, [MIGRATED], **migrations)

    assert tables(settings, MIGRATED) == ["inbox", "referrals"]
    write(
        broken,
        """
        -- depends: 0001_referrals
        CREATE TABLE letters (id text PRIMARY KEY);
    """,
    )
    assert ensure_databases(settings, [MIGRATED], **migrations) == {MIGRATED: ["0002_broken"]}


def test_drop_removes_databases_even_while_a_service_is_connected(settings, migrations):
    ensure_databases(settings, [MIGRATED, BARE], **migrations)
    lingering = psycopg.connect(settings.database_url(MIGRATED))
    try:
        drop_databases(settings, [MIGRATED, BARE])
    finally:
        lingering.close()

    assert not database_exists(settings, MIGRATED)
    assert not database_exists(settings, BARE)
    drop_databases(settings, [MIGRATED, BARE])  # dropping what is gone is fine


# --- a role per service --------------------------------------------------------------------


def owner_of(settings, service):
    with psycopg.connect(settings.pg_admin_url) as conn:
        row = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (settings.database_name(service),)
        ).fetchone()
        return row[0]


def test_each_service_connects_as_its_own_role_which_owns_its_database_and_tables(settings, migrations):
    ensure_databases(settings, [MIGRATED, BARE], **migrations)

    assert owner_of(settings, MIGRATED) == settings.database_role(MIGRATED)
    with psycopg.connect(settings.database_url(MIGRATED)) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (settings.database_role(MIGRATED),)
        owners = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
        ).fetchall()
        assert owners == [(settings.database_role(MIGRATED),)]
    password_file = settings.state_dir / "secrets" / "postgres" / MIGRATED
    assert password_file.stat().st_mode & 0o777 == 0o600


def test_one_services_role_can_neither_connect_to_nor_read_another_services_database(settings, migrations):
    ensure_databases(settings, [MIGRATED, BARE], **migrations)
    bare_role_on_migrated = settings.database_url(BARE).rsplit("/", 1)[0] + "/" + settings.database_name(MIGRATED)

    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(bare_role_on_migrated, connect_timeout=10)
    # Even in a session already inside the database (the admin's), the other role reads nothing.
    with psycopg.connect(settings.admin_database_url(MIGRATED)) as conn:
        conn.execute("INSERT INTO referrals (id) VALUES ('R-430426-0001')")
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(settings.database_role(BARE))))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM referrals")


def test_databases_an_earlier_provisioning_made_as_the_admin_are_taken_over(settings, migrations):
    # As before roles existed: the database and its tables made and owned by the admin role.
    with psycopg.connect(settings.pg_admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings.database_name(MIGRATED))))
    apply_migrations(settings.admin_database_url(MIGRATED), [migrations["shared_dir"]])
    with psycopg.connect(settings.admin_database_url(MIGRATED)) as conn:
        conn.execute("INSERT INTO inbox VALUES ('sample_link', 'm-1')")

    ensure_databases(settings, [MIGRATED], **migrations)
    assert ensure_databases(settings, [MIGRATED], **migrations) == {MIGRATED: []}

    assert owner_of(settings, MIGRATED) == settings.database_role(MIGRATED)
    with psycopg.connect(settings.database_url(MIGRATED)) as conn:
        assert conn.execute("SELECT message_id FROM inbox").fetchall() == [("m-1",)]
        conn.execute("INSERT INTO referrals (id) VALUES ('R-430426-0002')")  # the service's own migration ran


def test_dropping_the_databases_drops_their_roles(settings, migrations):
    ensure_databases(settings, [MIGRATED], **migrations)
    drop_databases(settings, [MIGRATED])

    with psycopg.connect(settings.pg_admin_url) as conn:
        row = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (settings.database_role(MIGRATED),))
        assert row.fetchone() is None
