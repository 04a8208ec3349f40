"""A restore where the service's own role is all there is to connect as (CloudNativePG), against the real PostgreSQL
with pg_restore and psql: the database is emptied and filled again in one transaction, so a restore that fails
half-way leaves it as it was, and what a later migration made does not outlive it. A platform of this run's own,
dropped after."""

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.integration.databases import provisioned, the_role_as_admin
from wuyuan.backup import BackupError, backup_services, client_binary, server_info
from wuyuan.backup_restore import _replace_database, restore_service
from wuyuan.provision_db import ensure_databases

pytestmark = pytest.mark.integration

# Before coordinator migration 0007: its table, function and trigger are not there yet (what a backup of then holds).
BEFORE_REFERRAL_DOCUMENTS = (
    "DROP TRIGGER outbox_keeps_referral_documents ON outbox; DROP FUNCTION keep_referral_document();"
    " DROP TABLE referral_documents; DELETE FROM _yoyo_migration WHERE migration_id = '0007_referral_documents'"
)


def dump_owned_by_a_role_not_here(settings, folder: Path) -> Path:
    """A dump whose tables belong to a role this server no longer has: its restore fails at the ownership, late."""
    run = uuid.uuid4().hex[:8]
    ghost, scratch = f"wyt_{run}_gone", f"wyt_{run}_scratch"
    admin_url = settings.pg_admin_url
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(ghost)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    scratch_url = admin_url.rsplit("/", 1)[0] + f"/{scratch}"
    try:
        with psycopg.connect(scratch_url, autocommit=True) as db:
            db.execute("CREATE TABLE visits (note text); INSERT INTO visits VALUES ('回访 2026-12-07')")
            db.execute(sql.SQL("ALTER TABLE visits OWNER TO {}").format(sql.Identifier(ghost)))
        dump = folder / "ghost.dump"
        pg_dump = client_binary("pg_dump", server_info(admin_url).major)
        subprocess.run([str(pg_dump), "--format=custom", f"--file={dump}", f"--dbname={scratch_url}"], check=True)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(ghost)))
    return dump


def test_an_in_place_restore_that_fails_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    with provisioned(tmp_path, ["court_link"]) as provisioned_settings:
        settings = the_role_as_admin(provisioned_settings, "court_link")
        url = settings.admin_database_url("court_link")
        with psycopg.connect(url, autocommit=True) as court:
            court.execute("CREATE TABLE hearings (note text); INSERT INTO hearings VALUES ('诉前调解 2026-12-06')")
        dump = dump_owned_by_a_role_not_here(provisioned_settings, tmp_path)
        major = server_info(url).major

        with pytest.raises(BackupError) as failed:
            _replace_database(settings, "court_link", dump, client_binary("pg_restore", major), major)

        with psycopg.connect(url) as court:
            kept = court.execute("SELECT note FROM hearings").fetchall()
            restored = court.execute("SELECT to_regclass('visits') IS NOT NULL").fetchone()
            migrated = court.execute("SELECT count(*) FROM _yoyo_migration").fetchone()
    assert failed.value.code == "tool_failed" and "does not exist" in str(failed.value)
    assert str(failed.value).startswith("court_link：") and "已整体回滚，数据库未做任何改动" in str(failed.value)
    assert kept == [("诉前调解 2026-12-06",)] and restored == (False,)  # nothing dropped, nothing half restored
    assert migrated is not None and migrated[0] > 0


@pytest.mark.parametrize("public_owned_by", ["pg_database_owner", "the role"])
def test_a_coordinator_from_before_a_migration_is_restored_in_place_and_migrated_again(
    tmp_path: Path, public_owned_by: str
) -> None:
    # The role owns the public schema where provisioning gave it (PostgreSQL before 15, or a cluster upgraded from
    # one): dropping what the role owns drops the schema too, and no dump makes it again.
    (tmp_path / "backups").mkdir()
    with provisioned(tmp_path, ["coordinator"]) as provisioned_settings:
        settings = the_role_as_admin(provisioned_settings, "coordinator")
        url = settings.admin_database_url("coordinator")
        if public_owned_by == "the role":
            with psycopg.connect(provisioned_settings.admin_database_url("coordinator"), autocommit=True) as admin:
                admin.execute(
                    sql.SQL("ALTER SCHEMA public OWNER TO {}").format(
                        sql.Identifier(settings.database_role("coordinator"))
                    )
                )
        with psycopg.connect(url, autocommit=True) as db:  # the backup is of a coordinator before 0007
            db.execute(BEFORE_REFERRAL_DOCUMENTS)
        folder = backup_services(settings, ("coordinator",), tmp_path / "backups")
        ensure_databases(settings, ["coordinator"])  # the live database as the code has it: 0007's trigger again

        report = restore_service(settings, "coordinator", folder, force=True, restore_secrets=False)

        with psycopg.connect(url) as db:
            triggers = db.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname").fetchall()
            trigram = db.execute("SELECT similarity('邻里纠纷', '邻里纠纷')").fetchone()
            public_owner = db.execute(
                "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'"
            ).fetchone()
    assert report.migrations_applied_after == ["0007_referral_documents"]
    assert triggers == [("outbox_keeps_referral_documents",), ("timeline_append_only",)]
    assert trigram == (1.0,)  # pg_trgm, which the role had dropped with the rest, is back with the dump
    assert public_owner is not None and public_owner[0] in ("pg_database_owner", settings.database_role("coordinator"))


def hearings_dumped(url: str, rows: int, folder: Path) -> tuple[Path, int]:
    """The court's database given that many rows and dumped uncompressed, so that a restore of it takes a while; the
    dump, and the server's major version."""
    with psycopg.connect(url, autocommit=True) as court:
        court.execute("CREATE TABLE hearings (note text)")
        court.execute("INSERT INTO hearings SELECT '诉前调解 第' || n || '号' FROM generate_series(1, %s) n", (rows,))
    major = server_info(url).major
    dump = folder / "court_link.dump"
    subprocess.run(
        [str(client_binary("pg_dump", major)), "--format=custom", "--compress=0", f"--file={dump}", url], check=True
    )
    return dump, major


def test_a_backup_that_breaks_off_half_way_is_never_half_restored(tmp_path: Path) -> None:
    with provisioned(tmp_path, ["court_link"]) as provisioned_settings:
        settings = the_role_as_admin(provisioned_settings, "court_link")
        url = settings.admin_database_url("court_link")
        dump, major = hearings_dumped(url, 50_000, tmp_path)
        whole = dump.read_bytes()
        dump.write_bytes(whole[: len(whole) * 2 // 3])  # the table's rows break off: pg_restore has begun writing
        with psycopg.connect(url, autocommit=True) as court:
            court.execute("DELETE FROM hearings WHERE note <> '诉前调解 第1号'")

        with pytest.raises(BackupError) as failed:
            _replace_database(settings, "court_link", dump, client_binary("pg_restore", major), major)

        with psycopg.connect(url) as court:
            kept = court.execute("SELECT note FROM hearings").fetchall()
    assert "pg_restore 退出码" in str(failed.value) and "已整体回滚" in str(failed.value)  # it had begun writing
    assert kept == [("诉前调解 第1号",)]  # as it was before the restore: not the backup's first rows


# Run as its own process, so that the test can kill it half-way: restores court_link in place from the dump given.
RESTORER = """
import sys
from pathlib import Path
from wuyuan.backup import client_binary, server_info
from wuyuan.backup_restore import _replace_database
from wuyuan.settings import PlatformSettings
settings = PlatformSettings()
major = server_info(settings.pg_admin_url_of("court_link")).major
_replace_database(settings, "court_link", Path(sys.argv[1]), client_binary("pg_restore", major), major)
"""


def test_a_restore_whose_process_is_killed_half_way_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    """Killed by the operator, a timeout or the kernel: psql's input ends without pg_restore's COMMIT."""
    with provisioned(tmp_path, ["court_link"]) as provisioned_settings:
        settings = the_role_as_admin(provisioned_settings, "court_link")
        url = settings.admin_database_url("court_link")
        dump, _ = hearings_dumped(url, 400_000, tmp_path)
        with psycopg.connect(url, autocommit=True) as court:
            court.execute("TRUNCATE hearings; INSERT INTO hearings VALUES ('开庭前的一行')")

        environment = {
            **os.environ,
            "WUYUAN_DB_PREFIX": settings.db_prefix,
            "WUYUAN_STATE_DIR": str(settings.state_dir),
            "WUYUAN_PG_ADMIN_URLS": json.dumps(settings.pg_admin_urls),
            "TMPDIR": str(tmp_path),  # the killed restorer leaves its temporary folder (a table of contents) there
        }
        restorer = subprocess.Popen([sys.executable, "-c", RESTORER, str(dump)], env=environment)
        try:
            assert copying_into(url, restorer), "the restore never reached the rows"
        finally:
            restorer.kill()
            restorer.wait()
        deadline = time.monotonic() + 30
        while psql_sessions(url) and time.monotonic() < deadline:
            time.sleep(0.1)

        with psycopg.connect(url) as court:
            kept = court.execute("SELECT note FROM hearings").fetchall()
    assert kept == [("开庭前的一行",)]


def copying_into(url: str, restorer: subprocess.Popen) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and restorer.poll() is None:
        with psycopg.connect(url, autocommit=True) as court:
            copying = court.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY%%'"
            ).fetchone()
        if copying and copying[0]:
            return True
        time.sleep(0.02)
    return False


def psql_sessions(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as court:
        row = court.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'psql'"
        ).fetchone()
    return int(row[0]) if row else 0
