"""After supervision's database is restored to an earlier point: its 文号 series moved past the numbers the agencies
already hold, and each scheduled 通报 the archive lost given back the number it went out under.

Supervision numbers each 提醒函, 督办函 and 通报 per series and year (`临澧综治〔2026〕督办第3号`,
services/supervision/documents.py) from counters that the restore takes back to the backup's point, while the
agencies keep what they received since, 文号 included: the letters in their referrals' logs, the 通报 in `notices`.
The next document would take a number already given to another. So the restore reads the highest number of each
series and year from every agency's database (the operator's tool reaches them, as a backup does) and moves
supervision's counters past it.

The monthly 通报 the archive no longer holds is issued again by supervision's timer, under the same id and the same
message ids (documents.scheduled_notice_id), which the units' inboxes have taken already; the restore writes the
number the units hold for it, for the timer to archive it under that number rather than a new one. The timer issues
last month's 通报 only: an earlier month's, or one issued on demand, is not issued again, and the restore names it,
as the archive no longer holds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from services.supervision.documents import DocumentKind, numbered_as, previous_month, scheduled_notice_id
from services.supervision.documents_recovered import LetterCopy, read_copies
from services.supervision.domain import LetterKind
from shared.workdays import CHINA_TZ
from wuyuan.agencies import has_database, is_external
from wuyuan.backup import BackupError, said_of
from wuyuan.counters import move_forward
from wuyuan.settings import PlatformSettings

LETTERS_HELD = "SELECT DISTINCT detail ->> 'document_number' FROM referral_log WHERE detail ? 'document_number'"
# Each referral's 提醒函 and 督办函 as its units took them, for restore_letters_held: the first of each kind, at the
# letter's own time where the agency kept it (else when the unit took it). A 督办函's copy to the unit's superior is
# logged on the same referral under another kind: it stands for the letter too, whose own copy may still be queued.
LETTERS_TAKEN = (
    "SELECT referral_id, kind, min(coalesce((detail ->> 'issued_at')::timestamptz, at)) FROM referral_log"
    " WHERE kind IN ('reminder', 'overdue_notice', 'overdue_notice_superior') GROUP BY referral_id, kind"
)
LETTER_KIND_LOGGED = {
    "reminder": LetterKind.REMINDER,
    "overdue_notice": LetterKind.OVERDUE,
    "overdue_notice_superior": LetterKind.OVERDUE,
}
# Every numbered letter its units hold, with its referral, for restore_letters_archived to archive again what the
# restored archive lacks (documents_recovered.read_copies). Letters logged before version 2 had no 文号 and no archive.
LETTER_COPIES = """
SELECT (l.detail ->> 'document_id')::uuid AS document_id, l.detail ->> 'document_number' AS number,
       l.kind AS logged_as, (l.detail ->> 'due_at')::timestamptz AS due_at,
       (l.detail ->> 'issued_at')::timestamptz AS issued_at, l.at, r.referral_id, r.case_id, r.unit, r.role
FROM referral_log l JOIN referrals r USING (referral_id)
WHERE l.kind IN ('reminder', 'overdue_notice', 'overdue_notice_superior')
  AND l.detail ->> 'document_number' IS NOT NULL AND l.detail ->> 'document_id' IS NOT NULL
ORDER BY l.id
"""
NOTICES_HELD = "SELECT DISTINCT document_id, document_number, period_from, period_to FROM notices"
# A scheduled 通报 the restored archive lacks gets its first number back; one it holds is left as it is.
GIVE_NUMBER = """
INSERT INTO notice_numbers_given (document_id, number, year, seq)
SELECT %(id)s, %(number)s, %(year)s, %(seq)s WHERE NOT EXISTS (SELECT 1 FROM documents WHERE id = %(id)s)
ON CONFLICT (document_id) DO NOTHING
"""
ARCHIVED = "SELECT id FROM documents WHERE id = ANY(%s)"


@dataclass
class NumbersHeld:
    """The highest 文号 of each series and year the agencies hold, the 通报 they hold by id (scheduled or issued on
    demand), and the agencies that could not be read."""

    highest: dict[tuple[DocumentKind, int], int] = field(default_factory=dict)
    scheduled_notices: dict[UUID, tuple[str, date, date]] = field(default_factory=dict)  # number, period
    notices_on_demand: dict[UUID, str] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    # The agencies read, and the letters their units took by referral and kind (restore_letters_held).
    read: list[str] = field(default_factory=list)
    letters: dict[UUID, dict[LetterKind, datetime]] = field(default_factory=dict)
    # Every numbered letter they hold, one copy each (restore_letters_archived).
    copies: list[LetterCopy] = field(default_factory=list)

    def count(self, number: str) -> None:
        found = numbered_as(number)
        if found is not None:
            kind, year, seq = found
            self.highest[(kind, year)] = max(seq, self.highest.get((kind, year), 0))


def numbers_held(settings: PlatformSettings) -> NumbersHeld:
    """Every agency's letters and 通报, as their databases keep them. An agency run elsewhere, or one whose database
    cannot be read, is named: what it holds is not counted."""
    held = NumbersHeld()
    centre = settings.registry.centre_unit(settings.county)
    for agency in settings.registry.agency_services():
        if is_external(settings, agency) or not has_database(settings, agency):
            held.unreadable.append(agency)
            continue
        try:
            with psycopg.connect(settings.admin_database_url(agency), connect_timeout=10) as conn:
                letters, taken, notices, copies = [], [], [], []
                if conn.execute("SELECT to_regclass('referral_log')").fetchone() != (None,):
                    letters = [row[0] for row in conn.execute(LETTERS_HELD).fetchall()]
                    taken = conn.execute(LETTERS_TAKEN).fetchall()
                    with conn.cursor(row_factory=dict_row) as rows:
                        copies = read_copies(rows.execute(LETTER_COPIES).fetchall(), agency)
                if conn.execute("SELECT to_regclass('notices')").fetchone() != (None,):
                    notices = conn.execute(NOTICES_HELD).fetchall()
        except psycopg.Error:
            held.unreadable.append(agency)
            continue
        held.read.append(agency)
        for number in letters:
            held.count(str(number))
        for referral_id, logged_as, at in taken:
            kinds = held.letters.setdefault(referral_id, {})
            kind = LETTER_KIND_LOGGED[logged_as]
            kinds[kind] = min(at, kinds.get(kind, at))
        held.copies.extend(copies)
        for document_id, number, period_from, period_to in notices:
            held.count(number)
            if document_id == scheduled_notice_id(centre, period_from, period_to):
                held.scheduled_notices[document_id] = (number, period_from, period_to)
            else:
                held.notices_on_demand[document_id] = number
    return held


def advance_document_numbers(settings: PlatformSettings, held: NumbersHeld) -> dict[str, object]:
    """Move supervision's series past what the agencies hold, right after the data is back: what moved, and what
    could not be counted."""
    advanced = []
    try:
        with psycopg.connect(settings.admin_database_url("supervision"), connect_timeout=10) as conn:
            for (kind, year), last in sorted(held.highest.items()):
                if move_forward(conn, "document_numbers", {"kind": kind.value, "year": year}, last):
                    advanced.append({"kind": kind.value, "year": year, "last": last})
    except psycopg.Error as exc:
        said = said_of(settings, "supervision", exc)
        raise BackupError(
            "document_numbers_not_advanced",
            f"supervision 的数据库已恢复，但文号未能续在各机构已收到的编号之后（{said.message}）："
            "启动 supervision 前请排除后重新运行本命令，否则新发的提醒函、督办函、通报会与已发出的重号",
            said.detail,
            said.fields(),
        ) from None
    return {"advanced": advanced, "unreadable": held.unreadable}


def give_back_notice_numbers(
    settings: PlatformSettings, held: NumbersHeld, now: datetime | None = None
) -> dict[str, list[str]]:
    """Once the restored database has every migration (a backup may predate `notice_numbers_given`): give the
    scheduled 通报 the timer will issue again (last month's; the timer issues no other) its first number if the
    archive lost it; the 通报 to be archived again, and the lost ones it will not issue again (on demand, or of an
    earlier month), by number."""
    due = previous_month((now or datetime.now(CHINA_TZ)).astimezone(CHINA_TZ).date())
    given = []
    gone = dict(held.notices_on_demand)
    try:
        with psycopg.connect(settings.admin_database_url("supervision"), connect_timeout=10) as conn:
            for document_id, (number, *period) in sorted(held.scheduled_notices.items(), key=lambda item: item[1]):
                found = numbered_as(number)
                if tuple(period) != due or found is None:
                    gone[document_id] = number
                    continue
                _, year, seq = found
                given_now = {"id": document_id, "number": number, "year": year, "seq": seq}
                if conn.execute(GIVE_NUMBER, given_now).rowcount:
                    given.append(number)
            archived = {row[0] for row in conn.execute(ARCHIVED, (list(gone),)).fetchall()}
    except psycopg.Error as exc:
        said = said_of(settings, "supervision", exc)
        raise BackupError(
            "notice_numbers_not_given",
            f"supervision 的数据库已恢复，但上月通报的原文号未能写回（{said.message}）："
            "启动 supervision 前请排除后重新运行本命令，否则定时任务会以新文号重新签发该通报",
            said.detail,
            said.fields(),
        ) from None
    lost = [number for document_id, number in gone.items() if document_id not in archived]
    return {"notices_reissued": given, "notices_lost": sorted(lost, key=_place_in_series)}


def _place_in_series(number: str) -> tuple[int, int, str]:
    """第9号 before 第12号: by year and place, as the series runs."""
    found = numbered_as(number)
    return (found[1], found[2], number) if found is not None else (0, 0, number)
