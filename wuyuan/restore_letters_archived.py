"""After supervision's database is restored to an earlier point: the 提醒函 and 督办函 it issued since the backup, which
its units hold and its restored archive no longer does, archived again from the units' copies.

Supervision archives every letter it issues (`documents`, never changed: a trigger refuses any UPDATE or DELETE, so
that what the archive says is what went out). Restored, its archive ends at the backup, while the units keep every
letter they took since, 文号 and id included, in their referrals' logs (restore_document_numbers reads them with the
numbers). Those are rebuilt here (services/supervision/documents_recovered.py) under the id and 文号 they went out
under, so that a unit's link to its letter opens it again, marked as archived again (`recovered_at`, and the letter's
own note), each a new row: the archive stays append-only, and a letter it still holds is never written twice. The one
fact the units never held, when the referral was issued, comes from the restored watch, else the coordinator's
database; a letter neither holds, or whose 文号 the archive has given to another, is named for the operator.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from services.supervision.documents import CaseSubject, DocumentKind, document_text, subject_place
from services.supervision.documents_recovered import Archive, LetterCopy, Recovered, recover_letters
from services.supervision.documents_render import render_html
from services.supervision.documents_store import ArchivedDocument
from services.supervision.store import PostgresSupervisionStore
from shared.calendar_store import YEARS, stored_year
from shared.persistence.errors import StoreError
from shared.persistence.transaction import transaction
from shared.wording import TIMER_ISSUER, load_places, unit_name
from shared.workdays import load_year, unload_year
from wuyuan.backup import BackupError, said_of
from wuyuan.restore_document_numbers import NumbersHeld
from wuyuan.settings import PlatformSettings

# What a letter archived again could collide with: its own id (the backup holds it), its 文号, its referral's letter of
# its kind (one of each per referral).
IN_THE_ARCHIVE = (
    "SELECT id, number, referral_id, kind FROM documents"
    " WHERE id = ANY(%s) OR number = ANY(%s) OR (referral_id = ANY(%s) AND kind <> 'notice')"
)
WATCHED = "SELECT referral_id, issued_at FROM watches WHERE referral_id = ANY(%s)"
# What a letter names the dispute by (documents.CaseSubject): the case's latest assignment kept here, as at issue …
ASSIGNED_HERE = (
    "SELECT DISTINCT ON (case_id) case_id, detail ->> 'category', detail ->> 'division_code' FROM case_facts"
    " WHERE case_id = ANY(%s) AND fact = 'CaseAssigned' ORDER BY case_id, occurred_at DESC"
)
# … or, for a case the backup holds no assignment of, the coordinator's, from which every CaseAssigned is made.
ASSIGNED_AT_THE_CENTRE = "SELECT case_id, category, division_code FROM cases WHERE case_id = ANY(%s)"
# The referral's issue time as the coordinator's case keeps it, which every watch is started from (ReferralSummary).
ISSUED_AT_THE_CENTRE = """
SELECT (r ->> 'referral_id')::uuid, (r ->> 'issued_at')::timestamptz
FROM cases c, jsonb_array_elements(c.state -> 'referrals') AS r
WHERE c.case_id = ANY(%s) AND r ->> 'referral_id' = ANY(%s)
"""


def archive_letters_again(
    settings: PlatformSettings, held: NumbersHeld, now: datetime | None = None
) -> dict[str, object]:
    """Once the restored database has every migration (`recovered_at` is 0021): archive again the letters its units
    hold that the archive lacks; how many of each kind, how many of them are dated as their units took them (no issue
    time kept), and the letters left out, each with its 文号, unit, referral and reason."""
    at = now or datetime.now(UTC)
    found: dict[str, Any] = {"archived_again": {"reminder": 0, "overdue": 0}, "dated_as_received": 0, "left_out": []}
    if not held.copies:
        return found
    try:
        with psycopg.connect(settings.admin_database_url("supervision"), connect_timeout=10) as conn:
            archive = _archive(conn, held.copies)
            lacking = [copy for copy in held.copies if copy.document_id not in archive.ids]
            rows = conn.execute(WATCHED, ([copy.referral_id for copy in lacking],)).fetchall()
            watched: dict[UUID, datetime] = {referral_id: issued_at for referral_id, issued_at in rows}
            cases = sorted({copy.case_id for copy in lacking})
            subjects = {row[0]: CaseSubject(row[1], row[2]) for row in conn.execute(ASSIGNED_HERE, (cases,))}
            with conn.cursor(row_factory=dict_row) as cursor:
                years = [stored_year(row) for row in cursor.execute(YEARS).fetchall()]
    except psycopg.Error as exc:
        raise _not_archived(settings, exc) from None
    unwatched = [copy for copy in lacking if copy.referral_id not in watched]
    at_the_centre = _issued_at_the_centre(settings, unwatched) if unwatched else {}
    subjects |= _subjects_at_the_centre(settings, [case for case in cases if case not in subjects])
    places = load_places(settings.config_dir)
    with _counting_by(years):  # the official calendar supervision counted its letters' working days by
        recovery = recover_letters(
            lacking,
            archive,
            watched | (at_the_centre or {}),
            centre_read=at_the_centre is not None,
            centre_unit=settings.registry.centre_unit(settings.county),
            name=lambda unit: unit_name(unit, settings.registry, places),
            at=at,
            subjects=subjects,
            place=lambda division: subject_place(division, places),
        )
    _write(settings, recovery.recovered, at)
    for letter in recovery.recovered:
        found["archived_again"][letter.copy.kind.value] += 1
        found["dated_as_received"] += letter.copy.issued_at is None
    found["left_out"] = [
        {
            "number": copy.number,
            "kind": copy.kind.value,
            "unit": copy.unit,
            "unit_name": unit_name(copy.unit, settings.registry, places),
            "case_id": copy.case_id,
            "referral_id": str(copy.referral_id),
            "reason": reason.value,
        }
        for copy, reason in recovery.not_recovered
    ]
    return found


def _archive(conn: psycopg.Connection[Any], copies: Sequence[LetterCopy]) -> Archive:
    rows = conn.execute(
        IN_THE_ARCHIVE,
        (
            [copy.document_id for copy in copies],
            [copy.number for copy in copies],
            [copy.referral_id for copy in copies],
        ),
    ).fetchall()
    return Archive(
        ids=frozenset(row[0] for row in rows),
        numbers=frozenset(row[1] for row in rows),
        letters=frozenset((row[2], DocumentKind(row[3])) for row in rows if row[2] is not None),
    )


def _issued_at_the_centre(settings: PlatformSettings, copies: Sequence[LetterCopy]) -> dict[UUID, datetime] | None:
    """When the coordinator issued each of these letters' referrals (those whose watch the backup does not hold);
    None when its database cannot be read."""
    case_ids = sorted({copy.case_id for copy in copies})
    referral_ids = sorted({str(copy.referral_id) for copy in copies})
    try:
        with psycopg.connect(settings.admin_database_url("coordinator"), connect_timeout=10) as centre:
            return dict(centre.execute(ISSUED_AT_THE_CENTRE, (case_ids, referral_ids)).fetchall())
    except psycopg.Error:
        return None


def _subjects_at_the_centre(settings: PlatformSettings, case_ids: list[str]) -> dict[str, CaseSubject]:
    """The coordinator's category and division of cases the restored database holds no assignment of; none when its
    database cannot be read (those letters then name the case by its number alone)."""
    if not case_ids:
        return {}
    try:
        with psycopg.connect(settings.admin_database_url("coordinator"), connect_timeout=10) as centre:
            rows = centre.execute(ASSIGNED_AT_THE_CENTRE, (case_ids,)).fetchall()
    except psycopg.Error:
        return {}
    return {case_id: CaseSubject(category, division) for case_id, category, division in rows}


@contextmanager
def _counting_by(years: list[Any]) -> Iterator[None]:
    """The years loaded at the centre (supervision's copy, `calendar_years`) in this process's working-day arithmetic
    for the block, then as they were."""
    replaced = [(stored.calendar.year, load_year(stored.calendar.days())) for stored in years]
    try:
        yield
    finally:
        for year, previous in reversed(replaced):
            unload_year(year, previous)


def _write(settings: PlatformSettings, letters: list[Recovered], at: datetime) -> None:
    """Each letter a new row of the archive, in one transaction (supervision is stopped: nothing else numbers)."""
    if not letters:
        return

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(settings.admin_database_url("supervision"), row_factory=dict_row, connect_timeout=10)

    try:
        with transaction(connect) as tx:
            store = PostgresSupervisionStore(tx)
            for letter in letters:
                store.archive_document(archived_again(letter, at))
    except (psycopg.Error, StoreError) as exc:
        raise _not_archived(settings, exc) from None


def archived_again(letter: Recovered, at: datetime) -> ArchivedDocument:
    """The archive's row of a letter archived again at `at`: under its first id and 文号, rendered from its facts."""
    copy = letter.copy
    return ArchivedDocument(
        id=copy.document_id,
        number=copy.number,
        kind=copy.kind,
        year=letter.year,
        seq=letter.seq,
        units=[copy.unit, letter.superior] if letter.superior else [copy.unit],
        issued_at=datetime.fromisoformat(letter.facts["issued_at"]),
        facts=letter.facts,
        html=render_html(document_text(letter.facts)),
        issued_by=TIMER_ISSUER,  # letters come from the deadline timer alone
        case_id=copy.case_id,
        referral_id=copy.referral_id,
        unit=copy.unit,
        superior_unit=letter.superior,
        recovered_at=at,
    )


def _not_archived(settings: PlatformSettings, exc: Exception) -> BackupError:
    said = said_of(settings, "supervision", exc)
    return BackupError(
        "letters_not_archived_again",
        "supervision 的数据库已恢复，但备份之后发出、各单位已收到的提醒函、督办函未能重新存档"
        f"（{said.message}）：排除后重新运行本命令即可补存（已存档的不会重复）；"
        "在此之前这些函件不在督办文书中，但不会重发",
        said.detail,
        said.fields(),
    )
