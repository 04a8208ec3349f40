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
    assert failed.value.code == "tool_failed" and "does not exist" in (failed.value.detail or "")
    said = str(failed.value)
    assert said.startswith("法院（court_link）：") and "已整体回滚，数据库未做任何改动" in said
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
    assert "pg_restore（退出码" in str(failed.value) and "已整体回滚" in str(failed.value)  # it had begun writing
    assert kept == [("诉前调解 第1号",)]  # as it was before the restore: not the backup's first rows


# Run as its own process, so that the test can kill it half-way: restores court_link in place from the dump given,
# with the pg_restore given (psql beside it).
RESTORER = """
import sys
from pathlib import Path
from wuyuan.backup import server_info
from wuyuan.backup_restore import _replace_database
from wuyuan.settings import PlatformSettings
settings = PlatformSettings()
major = server_info(settings.pg_admin_url_of("court_link")).major
_replace_database(settings, "court_link", Path(sys.argv[1]), Path(sys.argv[2]), major)
"""

# pg_restore as a slow disk would make it: the real one's script passed on as it is, but held after the court's first
# rows (saying so in a file beside it) until whoever reads it is gone; then it ends, and the real one with it. A restore
# killed while its script is held is killed half-way every time, however slowly the test or the machine runs: no
# COMMIT has been written for psql to read.
HELD_PG_RESTORE = """#!{python}
import os, select, subprocess, sys
real = {real!r}
if "--list" in sys.argv:
    os.execv(real, [real, *sys.argv[1:]])
out = sys.stdout.buffer
with subprocess.Popen([real, *sys.argv[1:]], stdout=subprocess.PIPE) as tool:
    rows = None
    for line in tool.stdout:
        out.write(line)
        if line.startswith(b"COPY public.hearings "):
            rows = 0
        elif rows is not None:
            rows += 1
            if rows == {held}:
                break
    out.flush()
    open({marker!r}, "w").close()
    reader_gone = select.poll()
    reader_gone.register(out.fileno(), 0)  # the writer of a pipe no one reads any more is told POLLERR
    reader_gone.poll(600_000)
    tool.kill()
"""
HELD_AFTER = 200_000  # of twice as many rows (a dump of 12 MB)


def held_pg_restore(real: Path, folder: Path) -> Path:
    """That pg_restore in `folder`, with the real psql beside it (where the restore looks for psql)."""
    folder.mkdir()
    held = folder / "pg_restore"
    script = HELD_PG_RESTORE.format(python=sys.executable, real=str(real), held=HELD_AFTER, marker=str(folder / "held"))
    held.write_text(script, encoding="utf-8")
    held.chmod(0o755)
    (folder / "psql").symlink_to(real.with_name("psql"))
    return held


def test_a_restore_whose_process_is_killed_half_way_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    """Killed by the operator, a timeout or the kernel: psql's input ends without pg_restore's COMMIT."""
    with provisioned(tmp_path, ["court_link"]) as provisioned_settings:
        settings = the_role_as_admin(provisioned_settings, "court_link")
        url = settings.admin_database_url("court_link")
        dump, major = hearings_dumped(url, 2 * HELD_AFTER, tmp_path)
        with psycopg.connect(url, autocommit=True) as court:
            court.execute("TRUNCATE hearings; INSERT INTO hearings VALUES ('开庭前的一行')")
        pg_restore = held_pg_restore(client_binary("pg_restore", major), tmp_path / "client")

        environment = {
            **os.environ,
            "WUYUAN_DB_PREFIX": settings.db_prefix,
            "WUYUAN_STATE_DIR": str(settings.state_dir),
            "WUYUAN_PG_ADMIN_URLS": json.dumps(settings.pg_admin_urls),
            "TMPDIR": str(tmp_path),  # the killed restorer leaves its temporary folder (a table of contents) there
        }
        restorer = subprocess.Popen([sys.executable, "-c", RESTORER, str(dump), str(pg_restore)], env=environment)
        try:
            # The live table dropped and the backup's rows going in, in psql's open transaction, and no more to come.
            copied = rows_copied_once_held(url, restorer, pg_restore.with_name("held"))
            assert HELD_AFTER // 2 <= copied <= HELD_AFTER, f"the restore was not held half-way: {copied} rows"
        finally:
            restorer.kill()
            restorer.wait()
        assert psql_gone(url), "psql was still connected a minute after its input ended"

        with psycopg.connect(url) as court:
            kept = court.execute("SELECT note FROM hearings").fetchall()
    assert kept == [("开庭前的一行",)]


def rows_copied_once_held(url: str, restorer: subprocess.Popen, held: Path) -> int:
    """The rows psql's COPY has taken in, once pg_restore holds its script and at least half of those before it are in
    (the restorer reads the script a megabyte at a time, and psql sends it on 8 kB at a time: the last of them stay on
    the way); 0 when the restorer ended first."""
    deadline = time.monotonic() + 120
    with psycopg.connect(url, autocommit=True) as court:
        while time.monotonic() < deadline and restorer.poll() is None:
            row = court.execute(
                "SELECT tuples_processed FROM pg_stat_progress_copy"
                " WHERE datname = current_database() AND command = 'COPY FROM'"
            ).fetchone()
            if held.exists() and row and row[0] >= HELD_AFTER // 2:
                return int(row[0])
            time.sleep(0.1)
    return 0


def psql_gone(url: str) -> bool:
    """No psql session left in the database (its transaction ended with it), within a minute."""
    deadline = time.monotonic() + 60
    with psycopg.connect(url, autocommit=True) as court:
        while time.monotonic() < deadline:
            row = court.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'psql'"
            ).fetchone()
            if row and row[0] == 0:
                return True
            time.sleep(0.1)
    return False
