"""The 提醒函 and 督办函 a restore of supervision's database lost from its archive, archived again from what their units
hold: which can be, their facts, and why any other cannot (wuyuan/restore_letters_archived.py reads and writes).

Each agency logs every letter its units take on the referral it is about (shared/agency/handlers.handle_letter): its
文号, its id at supervision, the deadline it named and, from the time the agencies kept it, the letter's own time; the
referral row gives the case, the unit and its role. The one fact of a letter the units never held is when the referral
was issued: the restored watch keeps it, or the coordinator, whose referral it is. Names are read from the registry as
they read now, and a letter whose units kept no issue time is dated as its first unit took it; the letter says both.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from services.supervision.documents import CaseSubject, DocumentKind, letter_facts, numbered_as, superior_of


@dataclass(frozen=True)
class LetterCopy:
    """One letter as its units hold it: the unit's own copy and, for a 督办函, its superior's, read as one."""

    document_id: UUID
    number: str
    kind: DocumentKind  # reminder or overdue
    referral_id: UUID
    case_id: str
    unit: str  # the unit it was addressed to: the referral's
    role: str
    due_at: datetime
    issued_at: datetime | None  # the letter's own time, where its units kept it
    received_at: datetime  # the earliest a unit took it
    held_by: str  # the agency service whose database holds it


class NotRecovered(StrEnum):
    """Why a letter the units hold is not archived again."""

    REFERRAL_UNKNOWN = "referral_unknown"  # neither the restored watches nor the coordinator hold its referral
    CENTRE_UNREADABLE = "centre_unreadable"  # its watch is not restored, and the coordinator could not be read
    NUMBER_TAKEN = "number_taken"  # the archive holds another document under its 文号, or its referral's letter of
    # its kind (one of each per referral)
    NUMBER_UNREADABLE = "number_unreadable"  # its 文号 is not one supervision gives for its kind


@dataclass(frozen=True)
class Archive:
    """What the restored archive holds that a letter archived again could collide with."""

    ids: frozenset[UUID]
    numbers: frozenset[str]
    letters: frozenset[tuple[UUID, DocumentKind]]  # (referral, kind): one letter of a kind per referral


@dataclass(frozen=True)
class Recovered:
    copy: LetterCopy
    year: int
    seq: int
    superior: str | None
    facts: dict[str, Any]


@dataclass(frozen=True)
class Recovery:
    recovered: list[Recovered]
    not_recovered: list[tuple[LetterCopy, NotRecovered]]


def recover_letters(
    copies: Iterable[LetterCopy],
    archive: Archive,
    referral_issued: Mapping[UUID, datetime],
    *,
    centre_read: bool,
    centre_unit: str,
    name: Callable[[str], str],
    at: datetime,
    subjects: Mapping[str, CaseSubject] | None = None,
    place: Callable[[str], str | None] = lambda _division: None,
) -> Recovery:
    """The letters the archive lacks, each archived again from its copy with the referral's issue time
    (`referral_issued`: the restored watches' and the coordinator's, which `centre_read` says could be read), in
    the order they were numbered; a letter the archive holds (its id) is left, and any other the archive cannot take
    is named with the reason. A case's `subjects` (its category and division, by case) and `place` (a division's
    name) let the letter name the dispute as it did when issued."""
    recovered: list[Recovered] = []
    not_recovered: list[tuple[LetterCopy, NotRecovered]] = []
    numbers, letters = set(archive.numbers), set(archive.letters)
    for copy in sorted(copies, key=_place_in_series):
        if copy.document_id in archive.ids:
            continue  # issued before the backup, or archived again by an earlier restore
        found = numbered_as(copy.number)
        if found is None or found[0] is not copy.kind:
            not_recovered.append((copy, NotRecovered.NUMBER_UNREADABLE))
            continue
        if copy.number in numbers or (copy.referral_id, copy.kind) in letters:
            not_recovered.append((copy, NotRecovered.NUMBER_TAKEN))
            continue
        referral_issued_at = referral_issued.get(copy.referral_id)
        if referral_issued_at is None:
            missing = NotRecovered.REFERRAL_UNKNOWN if centre_read else NotRecovered.CENTRE_UNREADABLE
            not_recovered.append((copy, missing))
            continue
        _, year, seq = found
        superior = superior_of(copy.unit, centre_unit) if copy.kind is DocumentKind.OVERDUE else None
        subject = (subjects or {}).get(copy.case_id)
        facts = letter_facts(
            kind=copy.kind,
            number=copy.number,
            centre_unit=centre_unit,
            centre_name=name(centre_unit),
            case_id=copy.case_id,
            referral_id=str(copy.referral_id),
            unit=copy.unit,
            unit_name=name(copy.unit),
            role=copy.role,
            referral_issued_at=referral_issued_at,
            due_at=copy.due_at,
            superior=superior,
            superior_name=name(superior) if superior else None,
            issued_at=copy.issued_at or copy.received_at,
            subject=subject,
            place=place(subject.division_code) if subject else None,
        )
        facts["recovered"] = {
            "at": at.isoformat(),
            "from": copy.held_by,
            "issued_at_exact": copy.issued_at is not None,
            "received_at": copy.received_at.isoformat(),
        }
        recovered.append(Recovered(copy, year, seq, superior, facts))
        numbers.add(copy.number)
        letters.add((copy.referral_id, copy.kind))
    return Recovery(recovered, not_recovered)


def _place_in_series(copy: LetterCopy) -> tuple[str, int, int, str]:
    """By kind, year and place (第9号 before 第12号): a referral's earlier letter of a kind is the one archived."""
    found = numbered_as(copy.number)
    return (copy.kind.value, *(found[1:] if found else (0, 0)), copy.number)


def read_copies(rows: Iterable[Mapping[str, Any]], held_by: str) -> list[LetterCopy]:
    """One agency's log lines of numbered letters (the unit's own copy, and a 督办函's copy to its superior) as one
    copy per letter: the letter's own time from any line that kept it, and the earliest a unit took it."""
    by_id: dict[UUID, LetterCopy] = {}
    for row in rows:
        issued_at = row["issued_at"]
        copy = LetterCopy(
            document_id=row["document_id"],
            number=row["number"],
            kind=LOGGED_AS[row["logged_as"]],
            referral_id=row["referral_id"],
            case_id=row["case_id"],
            unit=row["unit"],
            role=row["role"],
            due_at=row["due_at"],
            issued_at=issued_at,
            received_at=row["at"],
            held_by=held_by,
        )
        seen = by_id.get(copy.document_id)
        if seen is not None:
            copy = replace(
                seen, issued_at=seen.issued_at or issued_at, received_at=min(seen.received_at, copy.received_at)
            )
        by_id[copy.document_id] = copy
    return list(by_id.values())


# The agencies' log kinds of a letter: the unit's own copy, and the 督办函's copy to its superior (the same letter).
LOGGED_AS = {
    "reminder": DocumentKind.REMINDER,
    "overdue_notice": DocumentKind.OVERDUE,
    "overdue_notice_superior": DocumentKind.OVERDUE,
}
