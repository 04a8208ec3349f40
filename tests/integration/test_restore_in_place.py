"""A restore where the service's own role is all there is to connect as (CloudNativePG), against the real PostgreSQL
with pg_restore and psql: the database is emptied and filled again in one transaction, so a restore that fails
half-way leaves it as it was. A platform of this run's own, dropped after."""

import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.integration.databases import provisioned, the_role_as_admin
from wuyuan.backup import BackupError, client_binary, server_info
from wuyuan.backup_restore import _replace_database

pytestmark = pytest.mark.integration


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
        pg_restore = client_binary("pg_restore", server_info(url).major)

        with pytest.raises(BackupError) as failed:
            _replace_database(settings, "court_link", dump, pg_restore)

        with psycopg.connect(url) as court:
            kept = court.execute("SELECT note FROM hearings").fetchall()
            restored = court.execute("SELECT to_regclass('visits') IS NOT NULL").fetchone()
            migrated = court.execute("SELECT count(*) FROM _yoyo_migration").fetchone()
    assert failed.value.code == "tool_failed" and "does not exist" in str(failed.value)
    assert kept == [("诉前调解 2026-12-06",)] and restored == (False,)  # nothing dropped, nothing half restored
    assert migrated is not None and migrated[0] > 0
