"""Supervision's documents (两函一通报): issue, number, archive and deliver them; list and show them."""

import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator
from werkzeug.wrappers import Response

from services.supervision import domain
from services.supervision.documents import (
    TITLES,
    DocumentKind,
    UnitFigures,
    document_number,
    document_text,
    letter_facts,
    monthly_notice_due,
    notice_facts,
    scheduled_notice_copy_id,
    scheduled_notice_id,
    select_for_notice,
    subject_place,
    superior_of,
    year_of,
)
from services.supervision.documents_font import PdfFont
from services.supervision.documents_render import render_html, render_pdf
from services.supervision.documents_settings import Documents, NoticeSchedule
from services.supervision.documents_store import ArchivedDocument, DocumentFilter
from services.supervision.periods import FinishedPeriod
from services.supervision.store import SupervisionStore
from shared.auth.principal import Forbidden, Principal, Role
from shared.contracts.dates import CalendarDate, check_year
from shared.contracts.identifiers import CaseId, UnitCode
from shared.contracts.messages import NoticeCirculated, OverdueNoticeIssued, ReminderIssued
from shared.downloads import DownloadName, document_file
from shared.http import BadInput
from shared.known_filters import require_known
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform
from shared.wording import TIMER_ISSUER
from shared.workdays import CHINA_TZ, works

Work = UnitOfWork[SupervisionStore]
MAX_LIST = 500
# Letter-issuing transactions take their numbers one at a time (an advisory lock, taken before any
# counter), so two instances numbering 提醒函 and 督办函 in different orders never deadlock.
LETTER_NUMBERS_LOCK = "supervision:letter-numbers"
NOTICE_LOCK = "supervision:notice:"  # + the period: one scheduled 通报 per period across instances
_READERS = frozenset({Role.SUPERVISOR, Role.COORDINATOR, Role.LEADER})


class DocumentsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    unit: UnitCode | None = None  # that unit and the units below it
    case_id: CaseId | None = None
    kind: DocumentKind | None = None
    month: str | None = Field(None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")  # issued in that month (Beijing time)
    from_: CalendarDate | None = Field(None, alias="from")  # issued on or after (China local date)
    to: CalendarDate | None = None  # issued on or before
    limit: int = Field(MAX_LIST, ge=1, le=MAX_LIST)

    @field_validator("month")
    @classmethod
    def _a_month_of_our_years(cls, month: str | None) -> str | None:
        if month is not None:
            check_year(int(month[:4]))
        return month


class IssueNotice(FinishedPeriod):
    """A 通报 on demand over a period of China local dates, both included, at most a year, ended by today: a 通报 of
    a future period would call deadlines to come overdue."""


def document_id_in_path(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise BadInput([{"field": "document_id", "message": "must be a UUID", "type": "uuid_parsing"}]) from None


def pdf_response(file: DownloadName, pdf: bytes) -> Response:
    """Inline, so a browser shows it to print; saved, the file is named by its kind and 文号."""
    response = Response(pdf, status=200, mimetype="application/pdf")
    response.headers["Content-Disposition"] = file.disposition(inline=True)
    return response


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), CHINA_TZ)


# --- 提醒函 and 督办函, from the deadline timer --------------------------------------------------


def issue_letter(
    letter: domain.Letter, watch: domain.Watch, at: datetime, uow: Work, platform: Platform, documents: Documents
) -> None:
    """Number, render and archive a letter, and send it to the unit (a 督办函 also to the unit's superior);
    called inside the timer's transaction, so the letter, its number and its messages commit together."""
    kind = DocumentKind(letter.kind.value)
    uow.store.serialise_case(LETTER_NUMBERS_LOCK)
    year = year_of(at)
    seq = uow.store.next_document_seq(kind, year)
    number = document_number(documents.prefix, kind, year, seq)
    superior = superior_of(watch.unit, platform.centre_unit) if kind is DocumentKind.OVERDUE else None
    subject = uow.store.case_subject(watch.case_id)
    facts = letter_facts(
        kind=kind,
        number=number,
        centre_unit=platform.centre_unit,
        centre_name=documents.name(platform.centre_unit),
        case_id=watch.case_id,
        referral_id=str(watch.referral_id),
        unit=watch.unit,
        unit_name=documents.name(watch.unit),
        role=watch.role.value,
        referral_issued_at=watch.issued_at,
        due_at=letter.due_at,
        superior=superior,
        superior_name=documents.name(superior) if superior else None,
        issued_at=at,
        subject=subject,
        place=subject_place(subject.division_code, documents.places) if subject else None,
    )
    document_id = platform.new_id()
    uow.store.archive_document(
        ArchivedDocument(
            id=document_id,
            number=number,
            kind=kind,
            year=year,
            seq=seq,
            units=[watch.unit, superior] if superior else [watch.unit],
            issued_at=at,
            facts=facts,
            html=render_html(document_text(facts)),
            issued_by=TIMER_ISSUER,
            case_id=watch.case_id,
            referral_id=watch.referral_id,
            unit=watch.unit,
            superior_unit=superior,
        )
    )
    model = OverdueNoticeIssued if kind is DocumentKind.OVERDUE else ReminderIssued
    fields: dict[str, Any] = {
        "occurred_at": at,
        "case_id": watch.case_id,
        "sender": platform.centre_unit,
        "referral_id": watch.referral_id,
        "due_at": letter.due_at,
        "document_number": number,
        "document_id": document_id,
    }
    uow.send(model.build(message_id=platform.new_id(), recipient=watch.unit, **fields))
    # Above a county-level unit stands the centre itself: its copy is the archive, no message.
    if superior is not None and superior != platform.centre_unit:
        uow.send(
            OverdueNoticeIssued.build(message_id=platform.new_id(), recipient=superior, about_unit=watch.unit, **fields)
        )


# --- 通报 --------------------------------------------------------------------------------------


def issue_notice(
    command: IssueNotice,
    issued_by: str,
    uow: Work,
    platform: Platform,
    documents: Documents,
    issued_by_name: str | None = None,
) -> dict[str, object]:
    """A 通报 on demand, issued by the signed-in supervisor `issued_by` (the caller's account, never the body's),
    who is recorded as its 签发人: by the account, and by `issued_by_name`, the caller's name as the token gave it,
    which the 通报 prints beside the account."""
    if issued_by == TIMER_ISSUER:  # the archive's word for the timers: an account of that name would read as them
        raise Forbidden(f"the account {issued_by} may not issue a 通报: its name stands for supervision's timers")
    name = _printable(issued_by_name)
    return _issue_notice(command, issued_by, uow, platform, documents, scheduled=False, issued_by_name=name)


def _printable(name: str | None) -> str | None:
    """A display name as a document may print it: control characters dropped (a line break would forge a line,
    and PostgreSQL's JSON keeps no NUL) and runs of spaces made one; None when nothing is left."""
    if name is None:
        return None
    kept = "".join(c for c in name if unicodedata.category(c) != "Cc" or c.isspace())
    return " ".join(kept.split()) or None


def _issue_notice(
    command: IssueNotice,
    issued_by: str,
    uow: Work,
    platform: Platform,
    documents: Documents,
    scheduled: bool,
    issued_by_name: str | None = None,
) -> dict[str, object]:
    """A 通报 over the period: the units overdue at its end and those repeatedly sent 督办函, the ranking by
    on-time rate; numbered, archived, and sent to each unit it names or ranks."""
    at = platform.now()
    with uow:
        if scheduled:
            uow.store.serialise_case(f"{NOTICE_LOCK}{command.from_}/{command.to}")
            if uow.store.scheduled_notice(command.from_, command.to) is not None:
                return {}
            # A platform first started after the period (a new county's first day is in the month after) has nothing
            # to circulate for it: an empty 通报 to 各成员单位 would take the year's first number. A month with facts
            # kept and nothing late in it still gets its 通报, as does a restored platform's.
            if not uow.store.holds_facts_before(_day_start(command.to + timedelta(days=1))):
                return {}
        # Overdue as of the period's end, or as of now for a period that ends today: a deadline later today is not
        # one the unit has missed yet.
        end = min(_day_start(command.to + timedelta(days=1)), at)
        figures = uow.store.notice_figures(_day_start(command.from_), end)
        selection = select_for_notice(figures)
        document_id = platform.new_id()
        given = None
        if scheduled:
            document_id = scheduled_notice_id(platform.centre_unit, command.from_, command.to)
            given = uow.store.number_given(document_id)  # issued once already, before a restore
        if given is not None:
            number, year, seq = given
        else:
            year = year_of(at)
            seq = uow.store.next_document_seq(DocumentKind.NOTICE, year)
            number = document_number(documents.prefix, DocumentKind.NOTICE, year, seq)
        names = {f.unit: documents.name(f.unit) for f in figures}
        facts = notice_facts(
            number=number,
            centre_name=documents.name(platform.centre_unit),
            period_from=command.from_,
            period_to=command.to,
            selection=selection,
            names=names,
            issued_at=at,
            scheduled=scheduled,
            issued_by=issued_by,
            issued_by_name=issued_by_name,
        )
        document = ArchivedDocument(
            id=document_id,
            number=number,
            kind=DocumentKind.NOTICE,
            year=year,
            seq=seq,
            units=selection.units,
            issued_at=at,
            facts=facts,
            html=render_html(document_text(facts)),
            issued_by=issued_by,
            period_from=command.from_,
            period_to=command.to,
        )
        uow.store.archive_document(document)
        ranks = {r.figures.unit: r.rank for r in selection.ranking}
        by_unit: dict[str, UnitFigures] = {f.unit: f for f in figures}
        for unit in selection.units:
            uow.send(
                NoticeCirculated.build(
                    message_id=scheduled_notice_copy_id(document_id, unit) if scheduled else platform.new_id(),
                    occurred_at=at,
                    sender=platform.centre_unit,
                    recipient=unit,
                    document_number=number,
                    document_id=document.id,
                    period_from=command.from_,
                    period_to=command.to,
                    overdue=by_unit[unit].overdue,
                    overdue_letters=by_unit[unit].overdue_letters,
                    on_time_rate=by_unit[unit].on_time_rate,
                    rank=ranks.get(unit),
                )
            )
    return {**_listed(_as_row(document)), "named_units": selection.named_units, "ranking": facts["ranking"]}


def issue_scheduled_notice(uow: Work, platform: Platform, documents: Documents) -> None:
    """The monthly 通报, from the first working day of the month on, once per month across instances; in a year whose
    calendar is not loaded, the first weekday that is no statutory holiday (元旦, 劳动节, 国庆节 fall on the 1st)."""
    if documents.schedule is NoticeSchedule.OFF:
        return
    period = monthly_notice_due(platform.now(), works)
    if period is None:
        return
    _issue_notice(IssueNotice(from_=period[0], to=period[1]), TIMER_ISSUER, uow, platform, documents, scheduled=True)


# --- reading --------------------------------------------------------------------------------


def _own_units(caller: Principal) -> frozenset[str] | None:
    """None for the centre's readers (every document); an officer's own units otherwise."""
    if caller.roles & _READERS:
        return None
    if Role.OFFICER in caller.roles and caller.units:
        return caller.units
    raise Forbidden(f"{caller.subject} may not read supervision's documents")


def list_documents(query: DocumentsQuery, caller: Principal, uow: Work, platform: Platform) -> dict[str, object]:
    """The documents the caller may read that match the query, the newest first; a unit the county does not have is
    refused (shared/known_filters.py), not answered with none."""
    require_known(platform, unit=query.unit)
    start = _day_start(query.from_) if query.from_ else None
    end = _day_start(query.to + timedelta(days=1)) if query.to else None
    if query.month is not None:
        first = date.fromisoformat(f"{query.month}-01")
        after = (first + timedelta(days=32)).replace(day=1)
        start = max(filter(None, (start, _day_start(first))))
        end = min(filter(None, (end, _day_start(after))))
    found = DocumentFilter(
        unit=query.unit,
        units=_own_units(caller),
        case_id=query.case_id,
        kind=query.kind,
        start=start,
        end=end,
        limit=query.limit,
    )
    with uow:
        rows = uow.store.list_documents(found)
    return {"documents": [_listed(row) for row in rows]}


def _readable(document_id: UUID, caller: Principal, uow: Work) -> dict[str, Any]:
    own = _own_units(caller)
    with uow:
        row = uow.store.get_document(document_id)
    if own is not None and not any(caller.acts_for(unit) for unit in row["units"]):
        raise Forbidden(f"{caller.subject} acts for none of the units of document {row['number']}")
    return row


def show_document(document_id: UUID, caller: Principal, uow: Work) -> dict[str, object]:
    row = _readable(document_id, caller, uow)
    return {**_listed(row), "facts": row["facts"]}


def document_html(document_id: UUID, caller: Principal, uow: Work) -> str:
    """The document exactly as issued."""
    return str(_readable(document_id, caller, uow)["html"])


def document_pdf(document_id: UUID, caller: Principal, uow: Work, font: PdfFont) -> tuple[DownloadName, bytes]:
    """The PDF, rendered from the facts archived with the document (so always the same text), and its file's name:
    its kind and 文号."""
    row = _readable(document_id, caller, uow)
    kind = DocumentKind(row["kind"])
    return document_file(kind.value, TITLES[kind], str(row["number"])), render_pdf(document_text(row["facts"]), font)


def _as_row(document: ArchivedDocument) -> dict[str, Any]:
    return {
        "id": document.id,
        "number": document.number,
        "kind": document.kind.value,
        "case_id": document.case_id,
        "referral_id": document.referral_id,
        "unit": document.unit,
        "superior_unit": document.superior_unit,
        "units": document.units,
        "period_from": document.period_from,
        "period_to": document.period_to,
        "issued_at": document.issued_at,
        "issued_by": document.issued_by,
        "issued_by_name": document.facts.get("issued_by_name"),
        "recovered_at": document.recovered_at,
    }


def _listed(row: dict[str, Any]) -> dict[str, object]:
    def iso(value: Any) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "id": str(row["id"]),
        "number": row["number"],
        "kind": row["kind"],
        "case_id": row["case_id"],
        "referral_id": None if row["referral_id"] is None else str(row["referral_id"]),
        "unit": row["unit"],
        "superior_unit": row["superior_unit"],
        "units": list(row["units"]),
        "period_from": iso(row["period_from"]),
        "period_to": iso(row["period_to"]),
        "issued_at": iso(row["issued_at"]),
        "issued_by": row["issued_by"],  # the supervisor's account, "timer", or null: not recorded (older 通报)
        "issued_by_name": row.get("issued_by_name"),  # that supervisor's name, where the 通报 recorded it
        # When a restore archived the letter again from what its units hold (its text says so); null as issued.
        "recovered_at": iso(row.get("recovered_at")),
        "html": f"/api/v1/documents/{row['id']}/html",
        "pdf": f"/api/v1/documents/{row['id']}/pdf",
    }
