"""Supervision restored to an earlier point numbers its next letters and 通报 past those the agencies hold, and gives
last month's 通报 back its number, against the real PostgreSQL: the service databases of a run of its own, migrated
as provisioning migrates them."""

import json
import uuid
from datetime import date, datetime, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from services.supervision.documents import DocumentKind, scheduled_notice_id
from services.supervision.domain import LetterKind
from services.supervision.store import PostgresSupervisionStore
from shared.persistence.transaction import transaction
from shared.workdays import CHINA_TZ
from tests.integration.databases import provisioned
from wuyuan.restore_document_numbers import advance_document_numbers, give_back_notice_numbers, numbers_held
from wuyuan.restore_letters_held import record_letters_held
from wuyuan.settings import PlatformSettings

pytestmark = pytest.mark.integration

SERVICES = ["supervision", "court_link"]
TAKEN = datetime(2026, 12, 8, 9, 5, tzinfo=CHINA_TZ)  # when the court logged a letter


@pytest.fixture
def settings(tmp_path):
    with provisioned(tmp_path, SERVICES) as settings:
        yield settings


def letters_at_the_court(settings: PlatformSettings, *numbers: str, kind: str = "reminder") -> uuid.UUID:
    """Letters the court logged on one of its referrals, as the agency's handler logs them; the referral's id."""
    referral_id = uuid.uuid4()
    with psycopg.connect(settings.admin_database_url("court_link")) as court:
        court.execute(
            "INSERT INTO referrals (referral_id, case_id, unit, role, round, status, category, source, division_code,"
            " summary, flags, parties, due_at, received_at, updated_at) VALUES (%s, '430426-20261206-00001',"
            " 'court:430426', 'lead', 1, 'accepted', 'debt', 'walk_in', '430426', '借款纠纷', '[]', '[]', now(),"
            " now(), now())",
            (referral_id,),
        )
        for number in numbers:
            court.execute(
                "INSERT INTO referral_log (referral_id, kind, detail, at) VALUES (%s, %s, %s, %s)",
                (
                    referral_id,
                    kind,
                    json.dumps({"document_number": number, "due_at": "2026-12-10T09:00:00+08:00"}),
                    TAKEN,
                ),
            )
    return referral_id


def series(settings: PlatformSettings) -> dict[tuple[str, int], int]:
    with psycopg.connect(settings.admin_database_url("supervision")) as conn:
        rows = conn.execute("SELECT kind, year, last FROM document_numbers").fetchall()
    return {(kind, year): last for kind, year, last in rows}


def test_the_series_move_past_the_letters_the_agencies_hold_and_only_forward(settings):
    letters_at_the_court(
        settings, "临澧综治〔2026〕提醒第7号", "临澧综治〔2026〕提醒第5号", "临澧综治〔2026〕督办第2号"
    )
    with psycopg.connect(settings.admin_database_url("supervision")) as conn:
        conn.execute(
            "INSERT INTO document_numbers (kind, year, last) VALUES ('reminder', 2026, 4), ('overdue', 2026, 9)"
        )

    held = numbers_held(settings)
    found = advance_document_numbers(settings, held)

    assert held.highest == {(DocumentKind.REMINDER, 2026): 7, (DocumentKind.OVERDUE, 2026): 2}
    assert series(settings) == {("reminder", 2026): 7, ("overdue", 2026): 9}  # 督办 was past the court's already
    assert found["advanced"] == [{"kind": "reminder", "year": 2026, "last": 7}]
    # Agencies whose databases this run did not make are named, not counted.
    assert "police_link" in found["unreadable"] and "court_link" not in found["unreadable"]


def test_text_that_is_not_a_number_supervision_gave_is_left_alone(settings):
    letters_at_the_court(settings, "某某〔2026〕函第3号", "not a number")

    assert numbers_held(settings).highest == {}


def notices_at_the_court(settings: PlatformSettings, *notices: tuple[uuid.UUID, str, date, date]) -> None:
    """通报 naming the court's unit, kept as the agency's handler keeps them."""
    with psycopg.connect(settings.admin_database_url("court_link")) as court:
        for document_id, number, period_from, period_to in notices:
            court.execute(
                "INSERT INTO notices (document_id, unit, document_number, period_from, period_to, received_at)"
                " VALUES (%s, 'court:430426', %s, %s, %s, now())",
                (document_id, number, period_from, period_to),
            )


def test_the_notice_series_moves_past_the_notices_held_and_last_months_gets_its_number_back(settings):
    now = datetime(2026, 12, 3, 9, 0, tzinfo=CHINA_TZ)
    centre = settings.registry.centre_unit(settings.county)
    november = scheduled_notice_id(centre, date(2026, 11, 1), date(2026, 11, 30))
    october = scheduled_notice_id(centre, date(2026, 10, 1), date(2026, 10, 31))
    on_demand = uuid.uuid4()
    notices_at_the_court(
        settings,
        (october, "临澧综治〔2026〕通报第9号", date(2026, 10, 1), date(2026, 10, 31)),
        (november, "临澧综治〔2026〕通报第11号", date(2026, 11, 1), date(2026, 11, 30)),
        (on_demand, "临澧综治〔2026〕通报第12号", date(2026, 11, 16), date(2026, 11, 30)),
    )

    held = numbers_held(settings)
    advance_document_numbers(settings, held)
    found = give_back_notice_numbers(settings, held, now)

    assert held.highest == {(DocumentKind.NOTICE, 2026): 12}
    assert series(settings) == {("notice", 2026): 12}
    # November's is the one the timer issues again, under the number the court holds; the others are named as lost.
    assert found["notices_reissued"] == ["临澧综治〔2026〕通报第11号"]
    assert found["notices_lost"] == ["临澧综治〔2026〕通报第9号", "临澧综治〔2026〕通报第12号"]  # as the series runs
    with psycopg.connect(settings.admin_database_url("supervision")) as conn:
        given = conn.execute("SELECT document_id, number, year, seq FROM notice_numbers_given").fetchall()
    assert given == [(november, "临澧综治〔2026〕通报第11号", 2026, 11)]
    # Run again (a second restore from the same backup), nothing is written twice.
    assert give_back_notice_numbers(settings, numbers_held(settings), now)["notices_reissued"] == []


def watch_of(settings: PlatformSettings, referral_id: uuid.UUID, unit: str = "court:430426") -> None:
    """A deadline watch the restored database holds, with no letter sent yet."""
    with psycopg.connect(settings.admin_database_url("supervision")) as conn:
        conn.execute(
            "INSERT INTO watches (referral_id, case_id, unit, role, round, issued_at, due_at, reminder_at)"
            " VALUES (%s, '430426-20261201-00001', %s, 'lead', 1, %s, %s, %s)",
            (
                referral_id,
                unit,
                datetime(2026, 12, 1, tzinfo=CHINA_TZ),
                datetime(2026, 12, 10, tzinfo=CHINA_TZ),
                datetime(2026, 12, 8, tzinfo=CHINA_TZ),
            ),
        )


def sent_marks(settings: PlatformSettings, referral_id: uuid.UUID) -> tuple[datetime | None, datetime | None]:
    with psycopg.connect(settings.admin_database_url("supervision")) as conn:
        row = conn.execute(
            "SELECT reminder_sent_at, overdue_sent_at FROM watches WHERE referral_id = %s", (referral_id,)
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def test_the_letters_the_units_took_since_the_backup_are_not_sent_again_and_reconcile_knows_them(settings):
    """The court took a 提醒函 and a 督办函 after the backup, about a referral the restored database watches, and a
    督办函 about one whose watch reconcile will start again; the police were not read."""
    watched = letters_at_the_court(settings, "临澧综治〔2026〕提醒第7号")
    with psycopg.connect(settings.admin_database_url("court_link")) as court:
        court.execute(
            "INSERT INTO referral_log (referral_id, kind, detail, at) VALUES (%s, 'overdue_notice', '{}', %s),"
            " (%s, 'overdue_notice_superior', '{}', %s)",
            (watched, TAKEN, watched, TAKEN),
        )
    lost = letters_at_the_court(settings, "临澧综治〔2026〕督办第2号", kind="overdue_notice")
    watch_of(settings, watched)
    later = uuid.uuid4()
    watch_of(settings, later)  # the court holds nothing about it: its letters are still to go

    held = numbers_held(settings)
    marked = record_letters_held(settings, held)

    assert marked == {"reminder": 1, "overdue": 1}
    assert sent_marks(settings, watched) == (TAKEN, TAKEN)
    assert sent_marks(settings, later) == (None, None)
    with transaction(lambda: psycopg.connect(settings.admin_database_url("supervision"), row_factory=dict_row)) as tx:
        store = PostgresSupervisionStore(tx)
        assert store.letters_held(lost, "court_link") == {LetterKind.OVERDUE: TAKEN}
        assert store.letters_held(later, "court_link") == {}  # read, and the court holds none
        assert store.letters_held(lost, "police_link") is None  # not read: nothing is known
    # Restored again from the same backup: the second reading replaces the first, and marks nothing twice.
    assert record_letters_held(settings, numbers_held(settings)) == {"reminder": 0, "overdue": 0}


def test_a_letter_is_marked_sent_at_its_own_time_and_one_only_its_superior_s_copy_logged_is_held(settings):
    """The agencies log a letter's own time from now on: the watch reads when it was issued, not when it was taken. A
    督办函 whose copy to the superior is logged while the unit's own is still queued went out all the same."""
    issued = datetime(2026, 12, 8, 17, 31, tzinfo=CHINA_TZ)
    watched = letters_at_the_court(settings)
    with psycopg.connect(settings.admin_database_url("court_link")) as court:
        court.execute(
            "INSERT INTO referral_log (referral_id, kind, detail, at) VALUES (%s, 'reminder', %s, %s),"
            " (%s, 'overdue_notice_superior', %s, %s)",
            (
                watched,
                json.dumps({"issued_at": (issued - timedelta(days=1)).isoformat()}),
                TAKEN,
                watched,
                json.dumps({"issued_at": issued.isoformat(), "about_unit": "court:430426"}),
                TAKEN + timedelta(days=1),
            ),
        )
    watch_of(settings, watched)

    marked = record_letters_held(settings, numbers_held(settings))

    assert marked == {"reminder": 1, "overdue": 1}
    assert sent_marks(settings, watched) == (issued - timedelta(days=1), issued)
