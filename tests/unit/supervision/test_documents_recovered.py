"""A 提醒函 or 督办函 a restore lost from supervision's archive, archived again from what its units hold: as issued
where the units kept every fact, saying what they did not keep otherwise, and never over a document the archive
holds."""

from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

import pytest

from services.supervision import documents as d
from services.supervision.documents_recovered import (
    Archive,
    LetterCopy,
    NotRecovered,
    read_copies,
    recover_letters,
)
from services.supervision.documents_render import render_html
from shared.workdays import CHINA_TZ

CENTRE = "centre:430426"
STATION = "police:430426101"
NAMES = {
    CENTRE: "祁东县综治中心",
    STATION: "砖塘镇派出所",
    "police:430426": "祁东县公安局",
    "court:430426": "祁东县人民法院",
}
REFERRAL = UUID("11111111-1111-4111-8111-111111111111")
ISSUED = datetime(2026, 11, 2, 9, 0, tzinfo=CHINA_TZ)  # the referral, a Monday
DUE = datetime(2026, 11, 16, 17, 30, tzinfo=CHINA_TZ)  # a Monday, close of business
LATE = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)  # the 督办函, Friday: four working days past it
RESTORED = datetime(2026, 11, 23, 10, 0, tzinfo=CHINA_TZ)
NOTHING_ARCHIVED = Archive(frozenset(), frozenset(), frozenset())


def overdue_copy(**changes: object) -> LetterCopy:
    """The 督办函 of 20 November as the police station's agency holds it, its own time kept."""
    copy = LetterCopy(
        document_id=UUID(int=3),
        number="祁东综治〔2026〕督办第3号",
        kind=d.DocumentKind.OVERDUE,
        referral_id=REFERRAL,
        case_id="430426-20261102-00007",
        unit=STATION,
        role="lead",
        due_at=DUE,
        issued_at=LATE,
        received_at=LATE + timedelta(seconds=2),
        held_by="police_link",
    )
    return replace(copy, **changes)  # type: ignore[arg-type]


def as_issued(copy: LetterCopy) -> dict[str, object]:
    """The facts supervision's timer archived with the letter (documents_handlers.issue_letter)."""
    superior = d.superior_of(copy.unit, CENTRE) if copy.kind is d.DocumentKind.OVERDUE else None
    return d.letter_facts(
        kind=copy.kind,
        number=copy.number,
        centre_unit=CENTRE,
        centre_name=NAMES[CENTRE],
        case_id=copy.case_id,
        referral_id=str(copy.referral_id),
        unit=copy.unit,
        unit_name=NAMES[copy.unit],
        role=copy.role,
        referral_issued_at=ISSUED,
        due_at=copy.due_at,
        superior=superior,
        superior_name=NAMES[superior] if superior else None,
        issued_at=LATE,
    )


def recover(*copies: LetterCopy, archive: Archive = NOTHING_ARCHIVED, centre_read: bool = True, known: bool = True):
    return recover_letters(
        copies,
        archive,
        {REFERRAL: ISSUED} if known else {},
        centre_read=centre_read,
        centre_unit=CENTRE,
        name=NAMES.__getitem__,
        at=RESTORED,
    )


def test_a_letter_archived_again_names_the_dispute_as_it_did_when_issued():
    copy = overdue_copy()
    subject = d.CaseSubject("land", "430426101203")
    places = {"430426101203": "砖塘镇新塘村"}

    [letter] = recover_letters(
        [copy],
        NOTHING_ARCHIVED,
        {REFERRAL: ISSUED},
        centre_read=True,
        centre_unit=CENTRE,
        name=NAMES.__getitem__,
        at=RESTORED,
        subjects={copy.case_id: subject},
        place=places.get,
    ).recovered

    assert (letter.facts["category"], letter.facts["place"]) == ("land", "砖塘镇新塘村")
    assert "号矛盾纠纷（砖塘镇新塘村，土地山林纠纷）于" in d.letter_text(letter.facts).paragraphs[0]
    [unknown] = recover(copy).recovered  # no assignment kept anywhere: the number alone, as before
    assert (unknown.facts["category"], unknown.facts["place"]) == (None, None)


def test_a_letter_whose_units_kept_its_time_is_archived_again_as_it_was_issued():
    copy = overdue_copy()

    [letter] = recover(copy).recovered

    original = as_issued(copy)
    assert {key: value for key, value in letter.facts.items() if key != "recovered"} == original
    assert (letter.year, letter.seq, letter.superior) == (2026, 3, "police:430426")
    assert letter.facts["recovered"] == {
        "at": RESTORED.isoformat(),
        "from": "police_link",
        "issued_at_exact": True,
        "received_at": copy.received_at.isoformat(),
    }
    # It reads as the original did, with one more line saying it was archived again, and from what.
    text, first = d.letter_text(letter.facts), d.letter_text(original)
    assert text.paragraphs[:-1] == first.paragraphs
    assert (text.copy_to, text.issued_on) == (first.copy_to, "2026年11月20日")
    assert text.paragraphs[-1].startswith("注：本函原存档在检查督导组数据库恢复到较早时点时遗失，于2026年11月23日")
    assert "（文号、办理期限和发文时间）" in text.paragraphs[-1] and "未留存" not in text.paragraphs[-1]
    assert text.paragraphs[-1] in render_html(text)


def test_a_letter_whose_units_kept_no_time_is_dated_as_they_took_it_and_says_so():
    # Logged before the agencies kept a letter's own time: the station took it on Monday, the next working day.
    taken = datetime(2026, 11, 23, 8, 30, tzinfo=CHINA_TZ)
    copy = overdue_copy(issued_at=None, received_at=taken)

    [letter] = recover(copy).recovered

    assert letter.facts["issued_at"] == taken.isoformat() and letter.facts["working_days"] == 5
    assert letter.facts["recovered"]["issued_at_exact"] is False
    note = d.letter_text(letter.facts).paragraphs[-1]
    assert "（文号和办理期限）" in note
    assert "收函单位未留存本函的发文时间：文中“截至”时间和落款日期为收函单位最早收到本函的时间" in note
    assert "超期工作日和反馈期限据此推算" in note


def test_a_reminder_dated_as_taken_says_its_working_days_left_are_counted_so():
    reminder = overdue_copy(kind=d.DocumentKind.REMINDER, number="祁东综治〔2026〕提醒第9号", issued_at=None)

    [letter] = recover(reminder).recovered

    assert letter.superior is None and letter.facts["copy_to"] is None
    assert "剩余工作日据此推算" in d.letter_text(letter.facts).paragraphs[-1]


def test_a_county_level_unit_s_overdue_letter_keeps_the_centre_as_its_superior_and_no_copy_line():
    [letter] = recover(overdue_copy(unit="court:430426")).recovered

    assert letter.superior == CENTRE and letter.facts["copy_to"] is None


def test_a_letter_the_archive_holds_is_left_as_it_is():
    copy = overdue_copy()
    archive = Archive(frozenset({copy.document_id}), frozenset({copy.number}), frozenset({(REFERRAL, copy.kind)}))

    recovery = recover(copy, archive=archive)

    assert recovery.recovered == [] and recovery.not_recovered == []


@pytest.mark.parametrize(
    "archive",
    [
        # its 文号 under another id, or another letter of its kind for its referral
        Archive(frozenset({UUID(int=99)}), frozenset({"祁东综治〔2026〕督办第3号"}), frozenset()),
        Archive(frozenset({UUID(int=99)}), frozenset(), frozenset({(REFERRAL, d.DocumentKind.OVERDUE)})),
    ],
)
def test_a_letter_whose_number_or_referral_s_letter_the_archive_gave_another_is_named_not_written(archive):
    recovery = recover(overdue_copy(), archive=archive)

    assert recovery.recovered == []
    assert recovery.not_recovered == [(overdue_copy(), NotRecovered.NUMBER_TAKEN)]


def test_of_two_letters_of_a_kind_for_one_referral_the_first_numbered_is_archived_and_the_other_named():
    later = overdue_copy(document_id=UUID(int=12), number="祁东综治〔2026〕督办第12号")

    recovery = recover(later, overdue_copy())

    assert [letter.copy.number for letter in recovery.recovered] == ["祁东综治〔2026〕督办第3号"]
    assert recovery.not_recovered == [(later, NotRecovered.NUMBER_TAKEN)]


@pytest.mark.parametrize(
    ("centre_read", "reason"), [(True, NotRecovered.REFERRAL_UNKNOWN), (False, NotRecovered.CENTRE_UNREADABLE)]
)
def test_a_letter_whose_referral_s_issue_time_is_nowhere_is_named_with_the_reason(centre_read, reason):
    recovery = recover(overdue_copy(), centre_read=centre_read, known=False)

    assert recovery.recovered == [] and recovery.not_recovered == [(overdue_copy(), reason)]


@pytest.mark.parametrize("number", ["某某〔2026〕函第3号", "祁东综治〔2026〕提醒第3号"])
def test_a_letter_whose_number_supervision_did_not_give_for_its_kind_is_named(number):
    recovery = recover(overdue_copy(number=number))

    assert recovery.not_recovered == [(overdue_copy(number=number), NotRecovered.NUMBER_UNREADABLE)]


def log_line(logged_as: str, at: datetime, issued_at: datetime | None) -> dict[str, object]:
    """A row of restore_document_numbers.LETTER_COPIES: one line of an agency's referral log, with its referral."""
    return {
        "document_id": UUID(int=3),
        "number": "祁东综治〔2026〕督办第3号",
        "logged_as": logged_as,
        "due_at": DUE,
        "issued_at": issued_at,
        "at": at,
        "referral_id": REFERRAL,
        "case_id": "430426-20261102-00007",
        "unit": STATION,
        "role": "lead",
    }


def test_a_unit_s_copy_and_its_superior_s_are_one_letter_taken_first_by_either():
    # The superior's copy was taken first; only the unit's own line kept the letter's time (logged after the change).
    rows = [
        log_line("overdue_notice_superior", LATE + timedelta(seconds=1), None),
        log_line("overdue_notice", LATE + timedelta(seconds=4), LATE),
    ]

    [copy] = read_copies(rows, "police_link")

    assert copy == overdue_copy(received_at=LATE + timedelta(seconds=1))
