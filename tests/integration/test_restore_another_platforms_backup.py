"""A backup of one platform restored into another, against the real PostgreSQL with pg_dump and pg_restore: refused
as `other_platform` unless the operator says it is meant, and then restored with its tables given to this platform's
own database role (the other platform's roles own nothing here). Two platforms of this run's own, dropped after."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.integration.databases import provisioned
from wuyuan.backup import BackupError, backup_services
from wuyuan.backup_restore import restore_service
from wuyuan.provision_db import drop_databases
from wuyuan.settings import PlatformSettings

pytestmark = pytest.mark.integration

SERVICES = ["court_link"]
MARKER = "CREATE TABLE restored_marker (note text); INSERT INTO restored_marker VALUES ('立案庭 2026-12-05')"


@pytest.fixture
def platforms(tmp_path: Path) -> Iterator[tuple[PlatformSettings, PlatformSettings]]:
    """Linli's platform, whose court database holds a marker, and another county's, on the same server."""
    with provisioned(tmp_path / "linli", SERVICES) as linli, provisioned(tmp_path / "other", SERVICES) as other:
        run = uuid.uuid4().hex[:8]
        linli = linli.model_copy(update={"vhost": f"wyt-linli-{run}"})
        other = other.model_copy(update={"vhost": f"wyt-other-{run}", "county": "430481"})
        with psycopg.connect(linli.database_url("court_link"), autocommit=True) as court:
            court.execute(MARKER)  # as the court's own role, as its service would
        yield linli, other


def marker_in(settings: PlatformSettings) -> tuple[list[str], str] | None:
    with psycopg.connect(settings.admin_database_url("court_link")) as court:
        owner = court.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'restored_marker'").fetchone()
        if owner is None:
            return None
        notes = [row[0] for row in court.execute("SELECT note FROM restored_marker").fetchall()]
    return notes, str(owner[0])


def test_another_platforms_backup_is_restored_only_when_meant_and_then_owned_by_this_platforms_role(
    platforms, tmp_path
):
    linli, other = platforms
    (tmp_path / "backups").mkdir()
    folder = backup_services(linli, tuple(SERVICES), tmp_path / "backups")
    drop_databases(linli, SERVICES)  # the backup's platform lives on another server: its roles are none of this one's

    with pytest.raises(BackupError) as refused:
        restore_service(other, "court_link", folder, force=False, restore_secrets=False)
    assert refused.value.code == "other_platform"
    assert f"vhost {linli.vhost}" in str(refused.value) and f"vhost {other.vhost}" in str(refused.value)
    assert marker_in(other) is None  # nothing touched

    report = restore_service(other, "court_link", folder, force=False, restore_secrets=False, from_other_platform=True)

    assert report.from_other_platform
    assert marker_in(other) == (["立案庭 2026-12-05"], other.database_role("court_link"))
    with psycopg.connect(other.database_url("court_link")) as court:  # the service's own role reads and writes it
        court.execute("INSERT INTO restored_marker VALUES ('恢复之后')")


def test_a_backup_of_this_platform_is_restored_as_it_is(platforms, tmp_path):
    linli, _ = platforms
    (tmp_path / "backups").mkdir()
    folder = backup_services(linli, tuple(SERVICES), tmp_path / "backups")
    with psycopg.connect(linli.database_url("court_link"), autocommit=True) as court:
        court.execute("INSERT INTO restored_marker VALUES ('备份之后')")

    report = restore_service(linli, "court_link", folder, force=False, restore_secrets=False)

    assert not report.from_other_platform
    assert marker_in(linli) == (["立案庭 2026-12-05"], linli.database_role("court_link"))
