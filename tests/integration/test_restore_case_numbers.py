"""Intake restored to an earlier point numbers its next cases past those the coordinator holds, against the real
PostgreSQL: the service databases of a run of its own, migrated as provisioning migrates them."""

from datetime import date

import psycopg
import pytest

from tests.integration.databases import provisioned
from wuyuan.backup import BackupError
from wuyuan.restore_case_numbers import advance_case_numbers, centre_numbers
from wuyuan.settings import PlatformSettings

pytestmark = pytest.mark.integration

SERVICES = ["intake", "coordinator"]
# What the backup held: two cases of 6 December; the coordinator took in three more that day, and one on the 7th.
IN_THE_BACKUP = ["430426-20261206-00001", "430426-20261206-00002"]
NUMBERED_SINCE = ["430426-20261206-00003", "430426-20261206-00004", "430426-20261206-00005", "430426-20261207-00001"]


@pytest.fixture
def settings(tmp_path):
    with provisioned(tmp_path, SERVICES) as settings:
        yield settings


# A case row as each service keeps it, with only what its table requires.
CENTRE_CASE = (
    "INSERT INTO cases (case_id, status, state, registered, created_at, updated_at, source, category, division_code)"
    " VALUES (%s, 'assigned', '{}', '{}', now(), now(), 'walk_in', 'neighbour', '430426')"
)
INTAKE_CASE = (
    "INSERT INTO cases (case_id, source, category, division_code, summary, report, registered_at)"
    " VALUES (%s, 'walk_in', 'neighbour', '430426', '邻里纠纷', '{}', now())"
)


def cases_in(settings: PlatformSettings, service: str, insert: str, case_ids: list[str]) -> psycopg.Connection:
    conn = psycopg.connect(settings.admin_database_url(service))
    for case_id in case_ids:
        conn.execute(insert, (case_id,))
    return conn


def at_the_centre(settings: PlatformSettings, case_ids: list[str]) -> None:
    with cases_in(settings, "coordinator", CENTRE_CASE, case_ids):
        pass


def restored_intake(settings: PlatformSettings, case_ids: list[str], counters: dict[tuple[str, date], int]) -> None:
    with cases_in(settings, "intake", INTAKE_CASE, case_ids) as intake:
        for (county, day), last in counters.items():
            intake.execute("INSERT INTO case_counters (county, day, last) VALUES (%s, %s, %s)", (county, day, last))


def counters(settings: PlatformSettings) -> dict[tuple[str, date], int]:
    with psycopg.connect(settings.admin_database_url("intake")) as intake:
        rows = intake.execute("SELECT county, day, last FROM case_counters").fetchall()
    return {(county, day): last for county, day, last in rows}


def test_the_counters_move_past_the_centres_numbers_and_the_cases_intake_lost_are_listed(settings):
    at_the_centre(settings, IN_THE_BACKUP + NUMBERED_SINCE)
    restored_intake(settings, IN_THE_BACKUP, {("430426", date(2026, 12, 6)): 2})

    found = advance_case_numbers(settings, centre_numbers(settings, date(2026, 12, 5)))

    assert counters(settings) == {("430426", date(2026, 12, 6)): 5, ("430426", date(2026, 12, 7)): 1}
    assert found.as_dict() == {
        "advanced": [
            {"county": "430426", "day": "2026-12-06", "last": 5},
            {"county": "430426", "day": "2026-12-07", "last": 1},
        ],
        "lost_count": 4,
        "lost": NUMBERED_SINCE,
    }


def test_a_counter_already_ahead_of_the_centre_keeps_its_own_and_running_it_again_changes_nothing(settings):
    at_the_centre(settings, IN_THE_BACKUP)
    # A filing numbered 3 that the coordinator has not taken in yet.
    restored_intake(settings, IN_THE_BACKUP, {("430426", date(2026, 12, 6)): 3})

    first = advance_case_numbers(settings, centre_numbers(settings, date(2026, 12, 5)))
    again = advance_case_numbers(settings, centre_numbers(settings, date(2026, 12, 5)))

    assert counters(settings) == {("430426", date(2026, 12, 6)): 3}
    assert first.advanced == again.advanced == [] and first.lost_count == 0


def test_days_before_the_backup_are_left_alone(settings):
    at_the_centre(settings, ["430426-20261201-00009", *IN_THE_BACKUP])
    restored_intake(settings, IN_THE_BACKUP, {("430426", date(2026, 12, 6)): 2})

    found = advance_case_numbers(settings, centre_numbers(settings, date(2026, 12, 5)))

    assert ("430426", date(2026, 12, 1)) not in counters(settings)
    assert found.lost_count == 0


def test_a_coordinator_database_that_cannot_be_read_stops_the_restore_before_anything_changes(tmp_path):
    # Nothing listens on port 1.
    nowhere = PlatformSettings(state_dir=tmp_path / "state", pg_admin_url="postgresql://postgres@127.0.0.1:1/postgres")

    with pytest.raises(BackupError) as refused:
        centre_numbers(nowhere, date(2026, 12, 5))

    assert refused.value.code == "case_numbers_unreadable"
    assert "数据库未做任何改动" in str(refused.value)


def test_a_broker_refusing_the_admin_uris_login_is_named_by_setting_and_address_never_by_its_password(tmp_path):
    """The real RabbitMQ, asked with a password it does not know: the restore of intake stops before anything
    changes, saying which setting and which host:port, and how to get past this one check."""
    from urllib.parse import urlsplit

    from wuyuan.restore_case_numbers import require_coordinator_drained

    real = urlsplit(PlatformSettings().amqp_admin_uri)
    wrong = real._replace(netloc=f"{real.username}:Not-Its-Password-4c1d@{real.hostname}:{real.port or 5672}")
    settings = PlatformSettings(state_dir=tmp_path / "state", amqp_admin_uri=wrong.geturl())

    with pytest.raises(BackupError) as refused:
        require_coordinator_drained(settings, wait=0)

    said = str(refused.value)
    assert refused.value.code == "centre_queue_unreadable"
    assert f"WUYUAN_AMQP_ADMIN_URI向 RabbitMQ（{real.hostname}:{real.port or 5672}）" in said
    assert f"拒绝以用户 {real.username} 登录" in said
    assert "Not-Its-Password-4c1d" not in said and "--skip-queue-check" in said
