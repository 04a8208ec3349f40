"""Supervision restored to an earlier point archives again the letters its units took since the backup, from their
copies, against the real PostgreSQL: the service databases of a run of its own, migrated as provisioning migrates them,
with the agency's log, the coordinator's case and supervision's archive as each service writes them."""

import json
import uuid
from datetime import datetime, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from services.supervision.store import PostgresSupervisionStore
from shared.persistence.transaction import transaction
from shared.workdays import CHINA_TZ
from tests.integration.databases import provisioned
from tests.stores.test_coordinator_store import CASE_JSON, REGISTERED, neighbours_case
from wuyuan.restore_document_numbers import numbers_held
from wuyuan.restore_letters_archived import archive_letters_again
from wuyuan.restore_letters_held import record_letters_held
from wuyuan.settings import PlatformSettings

pytestmark = pytest.mark.integration

SERVICES = ["supervision", "justice_link", "coordinator"]
OFFICE = "justice:430426101"  # the township's justice office
BUREAU = "justice:430426"  # its superior, the county's justice bureau
REFERRAL_ISSUED = datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ)
DUE = datetime(2026, 12, 8, 17, 30, tzinfo=CHINA_TZ)
LATE = datetime(2026, 12, 8, 17, 31, 5, tzinfo=CHINA_TZ)  # the 督办函, as the timer issued it
RESTORED = datetime(2026, 12, 9, 10, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def settings(tmp_path):
    with provisioned(tmp_path, SERVICES) as settings:
        yield settings


def held_by_the_office(settings: PlatformSettings, referral_id: uuid.UUID, case_id: str, *lines: tuple) -> None:
    """A referral the justice office holds, with letters logged on it as the agency's handler logs them: (kind, 文号,
    id, the letter's own time or None for a line logged before it was kept, when the office took it)."""
    with psycopg.connect(settings.admin_database_url("justice_link")) as agency:
        agency.execute(
            "INSERT INTO referrals (referral_id, case_id, unit, role, round, status, category, source, division_code,"
            " summary, flags, parties, due_at, received_at, updated_at) VALUES (%s, %s, %s, 'lead', 1, 'accepted',"
            " 'neighbour', 'walk_in', '430426101203', '院墙边界纠纷', '[]', '[]', %s, now(), now())",
            (referral_id, case_id, OFFICE, DUE),
        )
        for kind, number, document_id, issued_at, taken in lines:
            detail = {"due_at": DUE.isoformat(), "document_number": number, "document_id": str(document_id)}
            if issued_at is not None:
                detail["issued_at"] = issued_at.isoformat()
            if kind == "overdue_notice_superior":
                detail["about_unit"] = OFFICE
            agency.execute(
                "INSERT INTO referral_log (referral_id, kind, detail, at) VALUES (%s, %s, %s, %s)",
                (referral_id, kind, json.dumps(detail), taken),
            )


def in_the_backup(settings: PlatformSettings, referral_id: uuid.UUID, case_id: str, reminder: uuid.UUID) -> None:
    """What supervision's restored database holds: the office's watch, and the 提醒函 it archived before the backup."""
    with psycopg.connect(settings.admin_database_url("supervision")) as conn:
        conn.execute(
            "INSERT INTO watches (referral_id, case_id, unit, role, round, issued_at, due_at, reminder_at,"
            " reminder_sent_at) VALUES (%s, %s, %s, 'lead', 1, %s, %s, %s, %s)",
            (referral_id, case_id, OFFICE, REFERRAL_ISSUED, DUE, DUE - timedelta(days=1), DUE - timedelta(days=1)),
        )
        conn.execute(
            "INSERT INTO documents (id, number, kind, year, seq, case_id, referral_id, unit, units, issued_at, facts,"
            " html, issued_by) VALUES (%s, '祁东综治〔2026〕提醒第7号', 'reminder', 2026, 7, %s, %s, %s, %s, %s,"
            " '{\"kind\": \"reminder\"}', '<p>提醒函</p>', 'timer')",
            (reminder, case_id, referral_id, OFFICE, [OFFICE], DUE - timedelta(days=1)),
        )


def at_the_centre(settings: PlatformSettings) -> tuple[str, uuid.UUID]:
    """A case the coordinator holds, as its store keeps the state document: its number and its referral's id."""
    case, _ = neighbours_case("430426-20261122-00001")
    with psycopg.connect(settings.admin_database_url("coordinator")) as centre:
        centre.execute(
            "INSERT INTO cases (case_id, status, state, registered, created_at, updated_at, source, category,"
            " division_code) VALUES (%s, 'assigned', %s, %s, now(), now(), 'walk_in', 'neighbour', '430426101203')",
            (case.case_id, CASE_JSON.dump_json(case).decode(), json.dumps(REGISTERED)),
        )
    return case.case_id, case.referrals[0].referral_id


def archived(settings: PlatformSettings) -> dict[str, dict]:
    with psycopg.connect(settings.admin_database_url("supervision"), row_factory=dict_row) as conn:
        rows = conn.execute("SELECT * FROM documents ORDER BY number").fetchall()
    return {row["number"]: row for row in rows}


def restore(settings: PlatformSettings) -> dict:
    """What `wuyuan restore supervision` does once the database is back: the letters held, then archived again."""
    held = numbers_held(settings)
    record_letters_held(settings, held)
    return archive_letters_again(settings, held, RESTORED)


def test_the_letters_the_units_took_since_the_backup_are_archived_again_once_and_those_it_cannot_are_named(settings):
    watched, reminder, overdue = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    watched_case = "430426-20261201-00003"
    in_the_backup(settings, watched, watched_case, reminder)
    # The office took the 提醒函 before the backup and the 督办函 after it, with its copy to the bureau.
    held_by_the_office(
        settings,
        watched,
        watched_case,
        ("reminder", "祁东综治〔2026〕提醒第7号", reminder, None, DUE - timedelta(days=1)),
        ("overdue_notice_superior", "祁东综治〔2026〕督办第2号", overdue, LATE, LATE + timedelta(seconds=1)),
        ("overdue_notice", "祁东综治〔2026〕督办第2号", overdue, LATE, LATE + timedelta(seconds=2)),
    )
    # A referral issued since the backup, whose watch reconcile will start again: the coordinator knows when it was
    # issued; its 提醒函 was logged before the agencies kept a letter's own time.
    centre_case, centre_referral = at_the_centre(settings)
    taken = datetime(2026, 12, 3, 8, 0, tzinfo=CHINA_TZ)
    unwatched = uuid.uuid4()
    held_by_the_office(
        settings, centre_referral, centre_case, ("reminder", "祁东综治〔2026〕提醒第8号", unwatched, None, taken)
    )
    # A referral neither supervision's database nor the coordinator holds.
    nowhere = uuid.uuid4()
    held_by_the_office(
        settings, nowhere, "430426-20261205-00009", ("reminder", "祁东综治〔2026〕提醒第9号", uuid.uuid4(), LATE, LATE)
    )

    found = restore(settings)

    assert found["archived_again"] == {"reminder": 1, "overdue": 1} and found["dated_as_received"] == 1
    assert found["left_out"] == [
        {
            "number": "祁东综治〔2026〕提醒第9号",
            "kind": "reminder",
            "unit": OFFICE,
            "unit_name": "砖塘镇司法所",
            "case_id": "430426-20261205-00009",
            "referral_id": str(nowhere),
            "reason": "referral_unknown",
        }
    ]
    documents = archived(settings)
    assert list(documents) == ["祁东综治〔2026〕提醒第7号", "祁东综治〔2026〕提醒第8号", "祁东综治〔2026〕督办第2号"]
    assert documents["祁东综治〔2026〕提醒第7号"]["recovered_at"] is None  # the backup's, left as it was
    letter = documents["祁东综治〔2026〕督办第2号"]
    assert (letter["id"], letter["referral_id"], letter["units"]) == (overdue, watched, [OFFICE, BUREAU])
    assert (letter["issued_at"], letter["issued_by"], letter["recovered_at"]) == (LATE, "timer", RESTORED)
    assert datetime.fromisoformat(letter["facts"]["referral_issued_at"]) == REFERRAL_ISSUED  # the restored watch's
    assert (letter["facts"]["unit_name"], letter["facts"]["copy_to"]) == ("砖塘镇司法所", "祁东县司法局")
    assert letter["facts"]["recovered"]["issued_at_exact"] is True
    dated = documents["祁东综治〔2026〕提醒第8号"]
    assert (dated["id"], dated["issued_at"]) == (unwatched, taken)
    assert datetime.fromisoformat(dated["facts"]["referral_issued_at"]) == neighbours_case()[0].referrals[0].issued_at
    assert "收函单位未留存本函的发文时间" in dated["html"]
    # Supervision's store reads them as any other document, and lists them as archived again.
    with transaction(lambda: psycopg.connect(settings.admin_database_url("supervision"), row_factory=dict_row)) as tx:
        shown = PostgresSupervisionStore(tx).get_document(overdue)
    assert shown["recovered_at"] == RESTORED and "本函原存档在检查督导组数据库恢复到较早时点时遗失" in shown["html"]

    # Restored again from the same backup over this database: nothing is written twice.
    again = restore(settings)
    assert again["archived_again"] == {"reminder": 0, "overdue": 0} and len(again["left_out"]) == 1
    assert len(archived(settings)) == 3


def test_with_the_coordinator_unreadable_a_letter_whose_watch_is_not_restored_is_named(settings):
    centre_case, centre_referral = at_the_centre(settings)
    held_by_the_office(
        settings,
        centre_referral,
        centre_case,
        ("reminder", "祁东综治〔2026〕提醒第8号", uuid.uuid4(), LATE, LATE),
    )
    unreachable = settings.model_copy(update={"pg_admin_urls": {"coordinator": "postgresql://nobody@127.0.0.1:1/none"}})

    found = archive_letters_again(unreachable, numbers_held(settings), RESTORED)

    assert found["archived_again"] == {"reminder": 0, "overdue": 0}
    assert [(letter["number"], letter["reason"]) for letter in found["left_out"]] == [
        ("祁东综治〔2026〕提醒第8号", "centre_unreadable")
    ]
    assert archived(settings) == {}
