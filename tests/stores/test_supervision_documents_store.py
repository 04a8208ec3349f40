"""Supervision's document archive, held to one contract whether it is the fake or PostgreSQL."""

import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from services.supervision.documents import CaseSubject, DocumentKind, NoticeCounts, UnitFigures, notice_counts
from services.supervision.documents_store import ArchivedDocument, DocumentFilter
from services.supervision.domain import change_deadline, letters_due, mark_sent, unit_result
from services.supervision.reports_counters import Part
from services.supervision.store import PostgresSupervisionStore
from shared.contracts.messages import CaseAssigned, CaseResolved, LinkRecordNoted, ReferralClosed, ReferralSummary
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb
from shared.wording import TIMER_ISSUER
from tests.fakes.supervision import FakeSupervisionStore
from tests.integration.databases import migrated_database
from tests.stores.conftest import StoreBench, empty_tables, postgres_bench
from wuyuan.provision_db import SERVICES_ROOT, apply_migrations, migration_dirs

SERVICE = "supervision"
FAKE = FakeSupervisionStore
POSTGRES_STORE = PostgresSupervisionStore

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=CST)
CASE_ID = "430426-20261101-00007"
STATION = "police:430426101"
OTHER_STATION = "police:430426102"
BUREAU = "police:430426"
COURT = "court:430426"
SUPERVISOR = "zhou.hui"
TRACE = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}


def document(
    n: int, kind: DocumentKind = DocumentKind.OVERDUE, units: list[str] | None = None, **changes: Any
) -> ArchivedDocument:
    fields: dict[str, Any] = {
        "id": UUID(int=n),
        "number": f"祁东综治〔2026〕{kind.value}第{n}号",
        "kind": kind,
        "year": 2026,
        "seq": n,
        "units": units if units is not None else [STATION, BUREAU],
        "issued_at": NOW + timedelta(minutes=n),
        "facts": {"kind": kind.value, "n": n},
        "html": f"<p>第{n}号</p>",
        "case_id": CASE_ID if kind is not DocumentKind.NOTICE else None,
        "referral_id": UUID(int=1000 + n) if kind is not DocumentKind.NOTICE else None,
        "unit": (units or [STATION])[0] if kind is not DocumentKind.NOTICE else None,
        "superior_unit": None,
    }
    fields |= changes
    # The timer issues the letters and the scheduled 通报; a supervisor the 通报 on demand.
    by_timer = kind is not DocumentKind.NOTICE or fields["facts"].get("scheduled")
    fields.setdefault("issued_by", TIMER_ISSUER if by_timer else SUPERVISOR)
    return ArchivedDocument(**fields)


def archive(stores: StoreBench[Any], *documents: ArchivedDocument) -> None:
    with stores.transaction() as store:
        for each in documents:
            store.archive_document(each)


def listed(stores: StoreBench[Any], **query: Any) -> list[str]:
    with stores.transaction() as store:
        return [row["number"] for row in store.list_documents(DocumentFilter(**query))]


def test_numbers_run_per_kind_and_year(stores: StoreBench[Any]) -> None:
    with stores.transaction() as store:
        taken = [store.next_document_seq(DocumentKind.OVERDUE, 2026) for _ in range(3)]
        taken.append(store.next_document_seq(DocumentKind.REMINDER, 2026))
        taken.append(store.next_document_seq(DocumentKind.OVERDUE, 2027))
    with stores.transaction() as store:
        taken.append(store.next_document_seq(DocumentKind.OVERDUE, 2026))

    assert taken == [1, 2, 3, 1, 1, 4]


def test_a_document_reads_back_as_issued(stores: StoreBench[Any]) -> None:
    letter = document(1, superior_unit=BUREAU)
    archive(stores, letter)

    with stores.transaction() as store:
        row = store.get_document(letter.id)
    assert (row["number"], row["kind"], row["case_id"], row["unit"], row["superior_unit"]) == (
        letter.number,
        "overdue",
        CASE_ID,
        STATION,
        BUREAU,
    )
    assert (row["units"], row["issued_at"], row["facts"], row["html"]) == (
        [STATION, BUREAU],
        letter.issued_at,
        letter.facts,
        letter.html,
    )


def test_a_document_reads_back_with_who_issued_it(stores: StoreBench[Any]) -> None:
    letter = document(1)
    named = {"scheduled": False, "issued_by_name": "周慧"}  # the supervisor's name, kept in the facts
    on_demand = document(2, DocumentKind.NOTICE, units=[STATION], facts=named, issued_by=SUPERVISOR)
    scheduled = document(3, DocumentKind.NOTICE, units=[STATION], facts={"scheduled": True})
    archive(stores, letter, on_demand, scheduled)

    with stores.transaction() as store:
        rows = store.list_documents(DocumentFilter())
        shown = store.get_document(on_demand.id)
    issuers = {row["number"]: (row["issued_by"], row["issued_by_name"]) for row in rows}
    assert issuers == {
        letter.number: (TIMER_ISSUER, None),
        on_demand.number: (SUPERVISOR, "周慧"),
        scheduled.number: (TIMER_ISSUER, None),
    }
    assert (shown["issued_by"], shown["issued_by_name"]) == (SUPERVISOR, "周慧")


@pytest.mark.parametrize(
    ("kind", "facts", "issued_by"),
    [
        (DocumentKind.OVERDUE, {}, SUPERVISOR),  # a letter comes from the timer alone
        (DocumentKind.NOTICE, {"scheduled": True}, SUPERVISOR),  # so does the monthly 通报
        (DocumentKind.NOTICE, {"scheduled": False}, TIMER_ISSUER),  # one on demand is a supervisor's
    ],
)
def test_a_document_that_misnames_its_issuer_is_refused(
    stores: StoreBench[Any], kind: DocumentKind, facts: dict[str, Any], issued_by: str
) -> None:
    with pytest.raises(Exception, match="issue"):  # the fake's ValueError, PostgreSQL's check violation
        archive(stores, document(1, kind, facts=facts, issued_by=issued_by))
    assert listed(stores) == []


def test_a_letter_archived_again_by_a_restore_reads_back_as_such(stores: StoreBench[Any]) -> None:
    restored_at = NOW + timedelta(days=3)
    again = document(1, recovered_at=restored_at)
    archive(stores, again, document(2))

    with stores.transaction() as store:
        rows = {row["number"]: row["recovered_at"] for row in store.list_documents(DocumentFilter())}
        shown = store.get_document(again.id)
    assert rows == {again.number: restored_at, document(2).number: None}
    assert shown["recovered_at"] == restored_at


def test_a_notice_is_never_archived_as_rebuilt(stores: StoreBench[Any]) -> None:
    # A 通报 the archive lost is issued again by the timer (last month's) or named by the restore, never rebuilt.
    rebuilt = document(1, DocumentKind.NOTICE, facts={"scheduled": True}, recovered_at=NOW)

    with pytest.raises(Exception, match=r"recovered|archived again"):  # PostgreSQL's check violation, the fake's
        archive(stores, rebuilt)
    assert listed(stores) == []


def test_an_unknown_document_is_not_found(stores: StoreBench[Any]) -> None:
    with stores.transaction() as store, pytest.raises(NotFound):
        store.get_document(UUID(int=404))


def test_a_number_is_archived_once(stores: StoreBench[Any]) -> None:
    archive(stores, document(1))
    with pytest.raises(Exception):  # noqa: B017 — the fake's ValueError, PostgreSQL's unique violation
        archive(stores, document(1, id=UUID(int=99)))
    assert listed(stores) == [document(1).number]


def test_documents_are_listed_newest_first_by_unit_case_kind_and_time(stores: StoreBench[Any]) -> None:
    first = document(1, units=[STATION, BUREAU])
    reminder = document(2, DocumentKind.REMINDER, units=[OTHER_STATION])
    notice = document(3, DocumentKind.NOTICE, units=[COURT, STATION], period_from=date(2026, 11, 1))
    other_case = document(4, DocumentKind.REMINDER, units=[COURT], case_id="430426-20261101-00008")
    archive(stores, first, reminder, notice, other_case)

    assert listed(stores) == [other_case.number, notice.number, reminder.number, first.number]
    assert listed(stores, unit=STATION) == [notice.number, first.number]
    assert listed(stores, unit=BUREAU) == [notice.number, reminder.number, first.number]  # and the units below
    assert listed(stores, units=frozenset({OTHER_STATION, COURT})) == [
        other_case.number,
        notice.number,
        reminder.number,
    ]
    assert listed(stores, case_id=CASE_ID) == [reminder.number, first.number]
    assert listed(stores, kind=DocumentKind.REMINDER) == [other_case.number, reminder.number]
    assert listed(stores, start=NOW + timedelta(minutes=2), end=NOW + timedelta(minutes=4)) == [
        notice.number,
        reminder.number,
    ]
    assert listed(stores, limit=1) == [other_case.number]


def test_the_scheduled_notice_of_a_period_is_found(stores: StoreBench[Any]) -> None:
    november = (date(2026, 11, 1), date(2026, 11, 30))
    on_demand = document(
        1, DocumentKind.NOTICE, period_from=november[0], period_to=november[1], facts={"scheduled": False}
    )
    archive(stores, on_demand)
    with stores.transaction() as store:
        assert store.scheduled_notice(*november) is None

    scheduled = document(
        2, DocumentKind.NOTICE, period_from=november[0], period_to=november[1], facts={"scheduled": True}
    )
    archive(stores, scheduled)
    with stores.transaction() as store:
        assert store.scheduled_notice(*november) == scheduled.id
        assert store.scheduled_notice(date(2026, 10, 1), date(2026, 10, 31)) is None


def kept_from(store: Any, kind: str, when: datetime) -> None:
    """One thing supervision keeps, from `when`: a case fact, a link record, or a unit's clock designated by hand."""
    if kind == "fact":
        store.record_fact(
            CaseResolved.build(
                message_id=UUID(int=901),
                occurred_at=when,
                case_id=CASE_ID,
                sender="centre:430426",
                recipient="centre:430426",
                lead_unit=STATION,
                round=1,
                result="mediated",
            )
        )
    elif kind == "link record":
        store.record_link_fact(
            LinkRecordNoted.build(
                message_id=UUID(int=902),
                occurred_at=when,
                case_id=None,
                sender=COURT,
                recipient="centre:430426",
                link="court",
                record_id="F2026-902",
                kind="filing_registered",
                unit=COURT,
                at=when,
                detail={"diverted": True},
            )
        )
    else:
        store.add_watch(CASE_ID, summary(903, STATION, when, when + timedelta(days=10)), TRACE)


@pytest.mark.parametrize("kind", ["fact", "link record", "clock"])
def test_whether_anything_was_kept_before_a_moment_is_told_by_each_kind_of_record(
    stores: StoreBench[Any], kind: str
) -> None:
    december = datetime(2026, 12, 1, tzinfo=CST)
    with stores.transaction() as store:
        assert store.holds_facts_before(december) is False  # a new platform's: nothing at all
        kept_from(store, kind, december + timedelta(hours=9))
    with stores.transaction() as store:
        assert store.holds_facts_before(december) is False  # the month before it began
        assert store.holds_facts_before(december + timedelta(hours=10)) is True


def summary(n: int, unit: str, issued: datetime, due: datetime) -> ReferralSummary:
    return ReferralSummary(referral_id=UUID(int=n), unit=unit, role="lead", round=1, issued_at=issued, due_at=due)


def test_a_notice_counts_each_unit_s_due_on_time_overdue_and_letters(stores: StoreBench[Any]) -> None:
    start, end = datetime(2026, 11, 1, tzinfo=CST), datetime(2026, 12, 1, tzinfo=CST)
    day = timedelta(days=1)
    on_time = summary(1, STATION, start - day, start + 5 * day)
    late_closed = summary(2, STATION, start, start + 10 * day)
    still_open = summary(3, STATION, start, start + 20 * day)
    from_october = summary(4, COURT, start - 30 * day, start - 5 * day)  # overdue since October, still open
    next_month = summary(5, COURT, start, end + 5 * day)  # not due yet: not counted
    with stores.transaction() as store:
        for each in (on_time, late_closed, still_open, from_october, next_month):
            store.add_watch(CASE_ID, each, TRACE)
        store.close_watch(CASE_ID, on_time.referral_id, start + 4 * day)
        store.close_watch(CASE_ID, late_closed.referral_id, start + 12 * day)
        for each, sent in ((still_open, start + 21 * day), (from_october, start - 4 * day)):
            watch = store.lock_watch(each.referral_id)
            [letter] = letters_due(watch, sent)
            store.save_letters(mark_sent(watch, letter, sent))

    with stores.transaction() as store:
        figures = store.notice_figures(start, end)

    assert figures == [
        UnitFigures(COURT, due=0, on_time=0, overdue=1, overdue_letters=0),  # its letter went out in October
        UnitFigures(STATION, due=3, on_time=1, overdue=1, overdue_letters=1),
    ]


# The 通报 of December 2026 judges each part as the leaders' report does (documents.notice_counts); the store's SQL
# repeats the rules, so both are tested on these cases: (name, due_at, paused_at, closed_at, reason, expected).
DEC_START, DEC_END = datetime(2026, 12, 1, tzinfo=CST), datetime(2027, 1, 1, tzinfo=CST)
DEC_DUE = datetime(2026, 12, 10, 17, 30, tzinfo=CST)
NOTICE_CASES: list[tuple[str, datetime, datetime | None, datetime | None, str | None, NoticeCounts]] = [
    (
        "closed by its deadline",
        DEC_DUE,
        None,
        DEC_DUE - timedelta(days=1),
        "result_reported",
        NoticeCounts(True, True, False),
    ),
    (
        "closed after it",
        DEC_DUE,
        None,
        DEC_DUE + timedelta(days=1),
        "result_reported",
        NoticeCounts(True, False, False),
    ),
    (
        "ended during a pause begun before its deadline",
        DEC_DUE,
        DEC_DUE - timedelta(days=2),
        DEC_DUE + timedelta(days=5),
        "result_reported",
        NoticeCounts(True, True, False),
    ),
    (
        "ended during a pause begun after its deadline",
        DEC_DUE,
        DEC_DUE + timedelta(days=2),
        DEC_DUE + timedelta(days=5),
        "result_reported",
        NoticeCounts(True, False, False),
    ),
    (
        "still paused, its frozen deadline in the month",
        DEC_DUE,
        DEC_DUE - timedelta(days=2),
        None,
        None,
        NoticeCounts(),
    ),
    ("declined before its deadline", DEC_DUE, None, DEC_DUE - timedelta(days=3), "declined", NoticeCounts()),
    # The report leaves it out of the unit's ended parts; the 通报, which ranks by deadlines, counts it due and late.
    (
        "taken up a level past its deadline",
        DEC_DUE,
        None,
        DEC_DUE + timedelta(days=5),
        "escalated",
        NoticeCounts(True, False, False),
    ),
    (
        "still open over the year end",
        datetime(2026, 12, 30, 17, 30, tzinfo=CST),
        None,
        None,
        None,
        NoticeCounts(True, False, True),
    ),
]


@pytest.mark.parametrize("case", NOTICE_CASES, ids=[c[0] for c in NOTICE_CASES])
def test_a_notice_judges_each_part_as_the_report_does(case: tuple[Any, ...]) -> None:
    _, due_at, paused_at, closed_at, reason, expected = case
    part = Part("r", CASE_ID, STATION, "lead", due_at, closed_at, paused_at, reason)
    assert notice_counts(part, DEC_START, DEC_END) == expected


@pytest.mark.parametrize("case", NOTICE_CASES, ids=[c[0] for c in NOTICE_CASES])
def test_the_store_counts_a_notice_by_the_same_rules(stores: StoreBench[Any], case: tuple[Any, ...]) -> None:
    _, due_at, paused_at, closed_at, reason, expected = case
    referral = summary(41, STATION, datetime(2026, 11, 20, 9, 0, tzinfo=CST), due_at)
    with stores.transaction() as store:
        store.add_watch(CASE_ID, referral, TRACE)
        if paused_at is not None:
            store.save_deadline(change_deadline(store.lock_watch(referral.referral_id), due_at, paused_at, 1))
        if closed_at is not None:
            store.close_watch(CASE_ID, referral.referral_id, closed_at)
        if reason is not None:
            store.record_referral_result(
                unit_result(
                    ReferralClosed.build(
                        message_id=UUID(int=9041),
                        occurred_at=closed_at,
                        case_id=CASE_ID,
                        sender="centre:430426",
                        recipient="centre:430426",
                        referral_id=referral.referral_id,
                        unit=STATION,
                        reason=reason,
                    )
                )
            )

    with stores.transaction() as store:
        figures = store.notice_figures(DEC_START, DEC_END)

    counted = [UnitFigures(STATION, int(expected.due), int(expected.on_time), int(expected.overdue), 0)]
    assert figures == (counted if expected.due or expected.overdue else [])


# --- PostgreSQL's own guarantees ------------------------------------------------------------


@pytest.mark.integration
def test_the_number_a_restore_gave_back_to_a_lost_notice_is_found_by_its_id(service_database: str) -> None:
    empty_tables(service_database)
    with psycopg.connect(service_database) as conn:  # as wuyuan/restore_document_numbers.py writes it
        conn.execute(
            "INSERT INTO notice_numbers_given (document_id, number, year, seq) VALUES (%s, %s, 2026, 11)",
            (UUID(int=11), "祁东综治〔2026〕通报第11号"),
        )
    bench = postgres_bench(service_database, PostgresSupervisionStore)

    with bench.transaction() as store:
        assert store.number_given(UUID(int=11)) == ("祁东综治〔2026〕通报第11号", 2026, 11)
        assert store.number_given(UUID(int=12)) is None


@pytest.mark.integration
def test_a_number_is_held_until_its_transaction_ends_and_given_back_on_rollback(service_database: str) -> None:
    empty_tables(service_database)
    bench = postgres_bench(service_database, PostgresSupervisionStore)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), bench.transaction() as first:
        assert first.next_document_seq(DocumentKind.OVERDUE, 2026) == 1
        # A second instance waits for the first (here: gives up after 200 ms) instead of taking 1 too.
        with pytest.raises(Exception, match="lock"), bench.transaction() as second:
            second.sql.write("SET LOCAL lock_timeout = '200ms'")
            second.next_document_seq(DocumentKind.OVERDUE, 2026)
        raise Undo  # the first issue fails: its number is given back

    with bench.transaction() as store:
        assert store.next_document_seq(DocumentKind.OVERDUE, 2026) == 1  # no gap


@pytest.mark.integration
def test_an_archived_document_cannot_be_changed_or_deleted(service_database: str) -> None:
    empty_tables(service_database)
    bench = postgres_bench(service_database, PostgresSupervisionStore)
    archive(bench, document(1))

    for statement in ("UPDATE documents SET html = '<p>改</p>'", "DELETE FROM documents"):
        with pytest.raises(Exception, match="archived as issued"), bench.transaction() as store:
            store.sql.write(statement)
    assert listed(bench) == [document(1).number]


# --- documents archived before issuers were recorded (migration 0014) -------------------------

SUPERVISION_MIGRATIONS = SERVICES_ROOT / "supervision" / "migrations"
ISSUER_MIGRATION = "0014_document_issuer.sql"


def insert_without_issuer(url: str, *documents: ArchivedDocument) -> None:
    """As the store wrote a document before 0014 (its INSERT had no issued_by)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for d in documents:
            values = [d.id, d.number, d.kind.value, d.year, d.seq, d.case_id, d.referral_id, d.unit, d.superior_unit]
            values += [d.units, d.period_from, d.period_to, d.issued_at, jsonb(d.facts), d.html]
            conn.execute(
                "INSERT INTO documents (id, number, kind, year, seq, case_id, referral_id, unit, superior_unit, units,"
                " period_from, period_to, issued_at, facts, html)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                values,
            )


@pytest.mark.integration
def test_documents_archived_before_issuers_were_recorded_read_as_the_timer_s_or_not_recorded(tmp_path: Path) -> None:
    """Older rows are never updated (the archive's trigger): letters and scheduled 通报 read as the timer's, since
    only it issues them; a 通报 issued on demand back then has no issuer to show. A new document must name one."""
    migrations = tmp_path / "supervision"
    migrations.mkdir()
    for earlier in sorted(SUPERVISION_MIGRATIONS.glob("*.sql")):
        if earlier.name < ISSUER_MIGRATION:
            shutil.copy(earlier, migrations)
    directories = [*migration_dirs(SERVICE)[:-1], migrations]
    letter = document(1)
    on_demand = document(2, DocumentKind.NOTICE, units=[STATION], facts={"scheduled": False})
    scheduled = document(3, DocumentKind.NOTICE, units=[STATION], facts={"scheduled": True})
    with migrated_database("wys_issuer", directories) as url:
        insert_without_issuer(url, letter, on_demand, scheduled)
        for later in sorted(SUPERVISION_MIGRATIONS.glob("*.sql")):  # the store reads what later ones added too
            if later.name >= ISSUER_MIGRATION:
                shutil.copy(later, migrations)
        assert apply_migrations(url, directories)[0] == ISSUER_MIGRATION.removesuffix(".sql")

        bench = postgres_bench(url, PostgresSupervisionStore)
        with bench.transaction() as store:
            issuers = {row["number"]: row["issued_by"] for row in store.list_documents(DocumentFilter())}
            assert store.get_document(on_demand.id)["issued_by"] is None
        assert issuers == {letter.number: TIMER_ISSUER, on_demand.number: None, scheduled.number: TIMER_ISSUER}

        with pytest.raises(psycopg.errors.CheckViolation, match="documents_issuer_recorded"):
            insert_without_issuer(url, document(4))


def test_a_case_is_named_by_its_latest_assignment_s_category_and_place(stores: StoreBench[Any]) -> None:
    def assigned(n: int, at: datetime, category: str, division: str) -> CaseAssigned:
        return CaseAssigned(
            message_id=UUID(int=n),
            schema_version=CaseAssigned.VERSION,
            case_id=CASE_ID,
            sender="centre:430426",
            recipient="centre:430426",
            occurred_at=at,
            mode="single_unit",
            source="walk_in",
            category=category,
            division_code=division,
            flags=[],
            lead_unit=STATION,
            co_units=[],
            referrals=[],
        )

    with stores.transaction() as store:
        assert store.case_subject(CASE_ID) is None  # nothing assigned yet
        store.record_fact(assigned(1, NOW, "debt", "430426101"))
        store.record_fact(assigned(2, NOW + timedelta(days=3), "neighbour", "430426101203"))  # re-triaged
    with stores.transaction() as store:
        assert store.case_subject(CASE_ID) == CaseSubject("neighbour", "430426101203")
        assert store.case_subject("430426-20261101-00008") is None
