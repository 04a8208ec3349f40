"""The court's own service layer, beside the agency base's: filings screened, diverted ones fed in, 司法确认, returns.

Every action on a filing is one transaction: lock the filing, let the rule decide, save it, log
who did it. When a decision ends the court's part of the case the filing became (an agreement
confirmed, a failed mediation filed) and the court holds an accepted referral for that case, the
court's result goes to the centre in the same transaction, through the agency base's steps: the
referral's log, its unit as sender, the case's trace (`acting_on`).
"""

from datetime import date, datetime
from typing import Any

from services.court_link.commands import (
    DecideConfirmation,
    ExtendDecisionTerm,
    FiguresQuery,
    ListFilings,
    RecordAgreement,
    RegisterFiling,
    RequestConfirmation,
    ReturnToLitigation,
    check_order,
)
from services.court_link.domain import filings as rules
from services.court_link.domain.filings import Confirmation, ConfirmationStatus, Filing, FilingFacts
from services.court_link.domain.numbers import official
from services.court_link.domain.records import CourtFiling, flags_for
from services.court_link.domain.screening import FilingDecision, screen
from services.court_link.domain.terms import local_date
from services.court_link.store import CourtStore, confirmation_of, filing_of
from shared.agency import domain as referrals
from shared.agency.commands import ReportResult
from shared.agency.handlers import (
    acting_on,
    keep_fed_record,
    record_dispute,
    require_feeder_of,
    require_officer_of_agency,
    require_place_of_county,
)
from shared.agency.joined import joined_case_view
from shared.agency.link_facts import note_record
from shared.agency.records import FirstFeed
from shared.auth.principal import Principal
from shared.calendar_file import CalendarYear
from shared.calendar_store import keep_calendar_year
from shared.contracts.disputes import Agreement, minimise_parties
from shared.contracts.messages import CalendarYearLoaded, RegisterDispute, ResultReported
from shared.contracts.vocabulary import ResultCode
from shared.delivery.statements import Row
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform
from shared.workdays import is_known, load_year

Work = UnitOfWork[CourtStore]

MAX_SUMMARY_CHARS = 2000  # a result's summary, as the contract takes it


# --- registering a filing ------------------------------------------------------------------------


def register_filing(
    command: RegisterFiling, caller: Principal, uow: Work, platform: Platform
) -> tuple[int, dict[str, Any]]:
    """Screen and keep a filing; a diverted one is fed to intake in the same transaction, as the court's record.

    The filing number, in its official form, is the key: sent again, in whatever form, the filing is not
    screened anew and nothing is fed twice; the answer is what was decided the first time (200 instead of
    201). A filing the court fed as its record before is at the centre already: it is registered as diverted
    on the day it was fed, whatever the screening finds now (`rules.register_fed`).
    """
    require_officer_of_agency(caller, platform)
    agency = platform.registry.by_service(platform.service)
    unit = agency.unit_for(command.division_code)
    caller.require_unit(unit, f"filing {command.filing_number}'s place")
    require_place_of_county(command.division_code, platform)
    at = platform.now()
    today = local_date(at)
    screening = screen(command.case_type, command.screening_facts(), command.administrative_matter)
    facts = FilingFacts(
        case_type=command.case_type,
        filed_on=command.filed_on,
        category=command.category,
        division_code=command.division_code,
        summary=command.summary,
        parties=tuple(minimise_parties(command.parties, with_contact=False)),
        claim_amount_yuan=command.claim_amount_yuan,
        screening_facts=command.screening_facts(),
        administrative_matter=command.administrative_matter,
        screening=screening,
    )
    fed = _fed_dispute(command, caller, platform, at) if screening.diverted else None
    with uow:
        # Held first, so that a record carrying the number fed meanwhile is found here, or finds the filing.
        uow.store.hold_filing_number(command.filing_number)
        # A filing the court fed earlier as its record (POST /api/v1/records) opened its case then, and was counted
        # as registered and diverted (`count_fed_filing`): the filing joins that case, for the record's own place
        # only, and is neither fed nor counted a second time. It is in mediation at the centre since that day,
        # so it is kept diverted from then, whatever the screening finds now: kept as filed, the court would
        # contradict the report and could record nothing of the mediation the centre is conducting.
        earlier = uow.store.record_for_filing(command.filing_number)
        if earlier is None:
            filing, kept = rules.register(command.filing_number, unit, screening, today), facts
            message_id = fed[0].message_id if fed else None
        else:
            fed_on = local_date(earlier["recorded_at"])
            filing, kept = rules.register_fed(command.filing_number, unit, facts, fed_on)
            message_id = earlier["message_id"]
        first_time = uow.store.add_filing(filing, kept, caller.subject, message_id, at)
        if first_time and earlier is not None:
            require_feeder_of(earlier, str(earlier["record_id"]), caller, platform, "filing_number")
            uow.store.log_filing(filing.number, "record_joined", caller.subject, _joined(earlier, filing, facts), at)
        if first_time and earlier is None:
            if fed is not None:
                message, details = fed
                keep_fed_record(uow, message, details, at, caller, platform, field="filing_number")
            diverted = screening.diverted
            once = official(filing.number)
            note_record(uow, platform, "filing_registered", filing.number, unit, at, once_as=once, diverted=diverted)
            note_record(
                uow, platform, "filing_diverted" if diverted else "filing_filed", filing.number, unit, at, once_as=once
            )
        stored = uow.store.get_filing(command.filing_number)
        # Sent again, the number answers with the filing first kept to its own units' officers; to anyone else it is
        # only taken, never whose.
        caller.require_own_number(str(stored["unit"]), "filing_number")
    return (201 if first_time else 200), {**_view(stored, today), "first_time": first_time}


def _joined(record: Row, filing: Filing, facts: FilingFacts) -> dict[str, Any]:
    """The `record_joined` line of a filing registered after its record: the record, the day it was fed (the
    filing's `diverted_on`), and what 立案审查 found when the filing was registered here. A finding of `filed`,
    with its reasons, stands in this line alone: the filing itself is diverted, with no reason not to be."""
    return {
        "record_id": record["record_id"],
        "fed_on": filing.diverted_on,
        "screened": facts.screening.decision.value,
        "screened_reasons": [r.value for r in facts.screening.reasons],
    }


def record_of_filing(filing: CourtFiling, uow: Work) -> str | None:
    """The id a record for the same filing was kept under (its number in any form, as its id or in its details), the
    number held first: fed again under another id, or by an officer's registration, a filing opens no second case."""
    uow.store.hold_filing_number(filing.filing_number)
    kept = uow.store.record_for_filing(filing.filing_number)
    return None if kept is None else str(kept["record_id"])


def count_fed_filing(filing: CourtFiling, feed: FirstFeed) -> None:
    """A filing the court diverted outside the platform and fed as its record counts as the court's decision, as one
    screened here does: registered and diverted, or, registered here and filed before, diverted now. So every case
    the court feeds is in the denominator of 诉前调解成功率 (诉前调解成功数 ÷ 诉前分流至中心数), as its mediation is in
    the numerator. A number registered here as diverted, or fed before under another record id, was counted then:
    one filing is one decision, whatever ids the court's own system fed it under, and whatever form of the
    number they carry (CourtFiling keeps it in its official form; the store compares forms by their key)."""
    uow: Work = feed.uow
    number = filing.filing_number
    uow.store.hold_filing_number(number)
    if uow.store.filing_fed_before(number, feed.record_id):
        return
    decision = uow.store.filing_decision(number)
    if decision is None:
        note_record(
            uow, feed.platform, "filing_registered", number, feed.unit, feed.at, once_as=official(number), diverted=True
        )
    if decision is not FilingDecision.DIVERTED:
        note_record(uow, feed.platform, "filing_diverted", number, feed.unit, feed.at, once_as=official(number))


def _fed_dispute(
    command: RegisterFiling, caller: Principal, platform: Platform, at: datetime
) -> tuple[RegisterDispute, dict[str, Any]]:
    """The diverted filing as the court feeds its records (`POST /api/v1/records` does the same for one it
    diverted elsewhere): source `court_filing`, record id the filing number; and the details kept with it.

    Built here rather than by the base's `feed_record`, which opens a transaction of its own: a filing
    kept as diverted and its feed to intake must commit together or not at all."""
    details = CourtFiling(filing_number=command.filing_number, claim_amount_yuan=command.claim_amount_yuan)
    message = record_dispute(
        command.filing_number,
        command.category,
        command.division_code,
        command.summary,
        command.parties,
        flags_for(details),
        caller,
        platform,
        field="(filing)",
    )
    return message, details.model_dump(mode="json")


# --- reading filings ---------------------------------------------------------------------------------


def list_filings(query: ListFilings, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    units = require_officer_of_agency(caller, platform)
    today = local_date(platform.now())
    with uow:
        rows = uow.store.list_filings(query.decision, query.status, query.limit, units)
    return {"filings": [_view(row, today) for row in rows]}


def show_filing(number: str, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    require_officer_of_agency(caller, platform)
    with uow:
        row = uow.store.get_filing(number)
    caller.require_own(str(row["unit"]), f"filing {number}")
    return _view(row, local_date(platform.now()))


def filing_figures(query: FiguresQuery, caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    units = require_officer_of_agency(caller, platform)
    with uow:
        figures = uow.store.filing_figures(query.first, query.last, units)
    return {"from": query.first.isoformat(), "to": query.last.isoformat(), **figures.as_json()}


def _view(row: Row, today: date) -> dict[str, Any]:
    """A filing as officers read it, with whether its terms have run out today, and whether each is provisional
    (暂定): counted into a year whose official calendar is not known yet, it moves should a holiday fall on its end.
    One filing read with its referrals also names the case it joined (`joined_case`, else null)."""
    view = {
        **row,
        "mediation_overdue": rules.mediation_overdue(filing_of(row), today),
        "mediation_due_provisional": _provisional(row.get("diverted_on"), row.get("mediation_due_on")),
    }
    if "referrals" in row:
        # The case intake linked the filing to as a repeat, named even while the court holds no referral of it.
        view["joined_case"] = joined_case_view(view.pop("record_link", None), row["referrals"])
    if "confirmations" in row:
        view["confirmations"] = [
            {
                **c,
                "decision_overdue": confirmation_of({**c, "filing_number": row["filing_number"]}).overdue(today),
                "decision_due_provisional": _provisional(c.get("accepted_on"), c.get("decision_due_on")),
            }
            for c in row["confirmations"]
        ]
        view["confirmation"] = view["confirmations"][-1] if view["confirmations"] else None
    return view


def _provisional(start: object, due_on: object) -> bool:
    if not isinstance(start, date) or not isinstance(due_on, date):
        return False
    return any(not is_known(year) for year in range(start.year, due_on.year + 1))


# --- what came of a diverted filing's mediation -----------------------------------------------------


def record_agreement(
    number: str, command: RecordAgreement, caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    """调解成功 without (yet) an application for 司法确认; the court's referral result is the officer's to report."""
    at = platform.now()
    with uow:
        filing, _ = _locked(uow, platform, caller, number)
        _check_signed(command.agreement, filing)
        _save(
            uow,
            rules.record_agreement(filing, command.agreement),
            caller,
            "agreement",
            command.model_dump(mode="json"),
            at,
        )
        note_record(uow, platform, "mediation_agreed", filing.number, filing.unit, at, once_as=official(filing.number))
        row = uow.store.get_filing(filing.number)
    return _view(row, local_date(at))


def request_confirmation(
    number: str, command: RequestConfirmation, caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    """The court accepts an application for 司法确认; a late one (民事诉讼法 第二百零五条) is refused, naming why."""
    at = platform.now()
    today = local_date(at)
    effective, applied, accepted = command.days(today)
    with uow:
        filing, latest = _locked(uow, platform, caller, number)
        _check_signed(command.agreement, filing)
        mediated, confirmation = rules.request_confirmation(
            filing, latest, command.agreement, effective, applied, accepted
        )
        uow.store.add_confirmation(confirmation)
        _save(uow, mediated, caller, "confirmation_requested", _confirmation_detail(confirmation), at)
        row = uow.store.get_filing(filing.number)
    return _view(row, today)


def extend_decision_term(
    number: str, command: ExtendDecisionTerm, caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    at = platform.now()
    with uow:
        filing, latest = _locked(uow, platform, caller, number)
        extended = rules.extend_decision_term(rules.pending_confirmation(filing.number, latest), command.reason)
        uow.store.save_confirmation(extended)
        detail = {"seq": extended.seq, "reason": command.reason, "decision_due_on": extended.decision_due_on}
        uow.store.log_filing(filing.number, "confirmation_extended", caller.subject, detail, at)
        row = uow.store.get_filing(filing.number)
    return _view(row, local_date(at))


def decide_confirmation(
    number: str, command: DecideConfirmation, caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    """The court's ruling; a confirmed agreement is reported to the centre as `judicially_confirmed` at once
    when the court holds the case's accepted referral (`reported`, else null: the officer reports it)."""
    units = require_officer_of_agency(caller, platform)
    at = platform.now()
    today = local_date(at)
    with uow:
        filing, latest = _locked(uow, platform, caller, number)
        kept_as = filing.number
        pending = rules.pending_confirmation(kept_as, latest)
        decided_on = command.decided_on or today
        check_order("decided_on", decided_on, ("accepted_on", pending.accepted_on))
        decided = rules.decide_confirmation(pending, command.confirmed, command.reason, decided_on)
        uow.store.save_confirmation(decided)
        detail = {"seq": decided.seq, "decision": decided.status, "reason": command.reason, "decided_on": decided_on}
        uow.store.log_filing(kept_as, "confirmation_decided", caller.subject, detail, at)
        once = f"{official(kept_as)}/{decided.seq}"  # one decision an application: a refused one may be applied again
        note_record(
            uow, platform, "confirmation_decided", kept_as, filing.unit, at, once_as=once, decision=str(decided.status)
        )
        reported = None
        if decided.status is ConfirmationStatus.CONFIRMED:
            summary = f"司法确认：法院裁定确认{kept_as}诉前调解达成的调解协议有效。{command.reason or ''}"
            reported = _report(
                uow, platform, caller, units, kept_as, ResultCode.JUDICIALLY_CONFIRMED, summary, decided.agreement
            )
        row = uow.store.get_filing(kept_as)
    return {**_view(row, today), "reported": reported}


def return_to_litigation(
    number: str, command: ReturnToLitigation, caller: Principal, uow: Work, platform: Platform
) -> dict[str, Any]:
    """调解不成，转立案: the court files the filing, and reports `referred_to_litigation` on the case's accepted
    referral, so the centre's case ends taken into litigation rather than waiting for its staff."""
    units = require_officer_of_agency(caller, platform)
    at = platform.now()
    today = local_date(at)
    with uow:
        filing, latest = _locked(uow, platform, caller, number)
        returned_on = command.returned_on or today
        since = ("diverted_on", filing.diverted_on) if filing.diverted_on else None
        check_order("returned_on", returned_on, since)
        returned = rules.return_to_litigation(filing, latest, command.reason, returned_on, command.litigation_number)
        _save(uow, returned, caller, "returned", command.model_dump(mode="json") | {"returned_on": returned_on}, at)
        filed_as = f"（立案案号{command.litigation_number}）" if command.litigation_number else ""
        summary = f"调解不成，转立案{filed_as}：{command.reason}"
        reported = _report(uow, platform, caller, units, filing.number, ResultCode.REFERRED_TO_LITIGATION, summary)
        note_record(
            uow,
            platform,
            "filing_returned",
            filing.number,
            filing.unit,
            at,
            once_as=official(filing.number),
            reported=reported is not None,
        )
        row = uow.store.get_filing(filing.number)
    return {**_view(row, today), "reported": reported}


# --- the official calendar's years ---------------------------------------------------------------------


def keep_calendar_year_and_recount(
    message: CalendarYearLoaded, sent_by: str | None, uow: Work, platform: Platform
) -> None:
    """CalendarYearLoaded: keep the year, and count again, in the same transaction, every running term it touches.

    A term counted into a year whose official calendar was not known yet (暂定) moved only for weekends and the
    holidays the law fixes by date; by the year's calendar it may end later (a holiday added round a festival)
    or earlier (an adjusted working weekend, 调休). Each term that now ends on another day is kept so, with a
    `term_recounted` line in its filing's log naming the year and who loaded it."""
    keep_calendar_year(
        message, sent_by, uow, platform, then=lambda calendar: _recount_terms(message, calendar, uow, platform.now())
    )


def _recount_terms(message: CalendarYearLoaded, calendar: CalendarYear, uow: Work, at: datetime) -> None:
    in_mediation, pending = uow.store.running_terms_over(date(calendar.year, 1, 1), date(calendar.year, 12, 31))
    # Counted by this message's year, whatever another worker did while the terms were read (one that re-read the
    # table put back the version stored before), and with no round trip between here and the last count.
    load_year(calendar.days())
    filings = [(f, rules.recount_mediation_term(f)) for f in in_mediation]
    applications = [(c, rules.recount_decision_term(c)) for c in pending]
    for filing, recounted in filings:
        if recounted.mediation_due_on != filing.mediation_due_on:
            uow.store.save_mediation_term(recounted, at)
            detail = _recount_detail(message, "mediation", filing.mediation_due_on, recounted.mediation_due_on)
            uow.store.log_filing(filing.number, "term_recounted", message.loaded_by, detail, at)
    for confirmation, recounted_confirmation in applications:
        if recounted_confirmation.decision_due_on != confirmation.decision_due_on:
            uow.store.save_confirmation(recounted_confirmation)
            detail = {
                **_recount_detail(
                    message, "decision", confirmation.decision_due_on, recounted_confirmation.decision_due_on
                ),
                "seq": confirmation.seq,
            }
            uow.store.log_filing(confirmation.filing_number, "term_recounted", message.loaded_by, detail, at)


def _recount_detail(message: CalendarYearLoaded, term: str, was: date | None, now: date | None) -> dict[str, Any]:
    return {
        "term": term,
        "year": message.year,
        "was": was.isoformat() if was else None,
        "now": now.isoformat() if now else None,
    }


# --- steps the actions share --------------------------------------------------------------------------


def _locked(uow: Work, platform: Platform, caller: Principal, number: str) -> tuple[Filing, Confirmation | None]:
    """Inside `with uow`: the filing and its latest application, locked, once the caller is known to act for it.
    `number` may be in any form; what follows is written under the filing's own (`Filing.number`, as kept)."""
    require_officer_of_agency(caller, platform)
    filing, latest = uow.store.lock_filing(number)
    caller.require_own(filing.unit, f"filing {number}")
    return filing, latest


def _check_signed(agreement: Agreement, filing: Filing) -> None:
    """An agreement of the filing's mediation is signed since its diversion (and, the request's own check, by today)."""
    since = ("diverted_on", filing.diverted_on) if filing.diverted_on else None
    check_order("agreement.signed_on", agreement.signed_on, since)


def _save(uow: Work, filing: Filing, caller: Principal, kind: str, detail: dict[str, Any], at: datetime) -> None:
    uow.store.save_filing(filing, at)
    uow.store.log_filing(filing.number, kind, caller.subject, detail, at)


def _confirmation_detail(confirmation: Confirmation) -> dict[str, Any]:
    return {
        "seq": confirmation.seq,
        "agreement": confirmation.agreement.model_dump(mode="json"),
        "effective_on": confirmation.effective_on,
        "applied_on": confirmation.applied_on,
        "application_due_on": confirmation.application_due_on,
        "accepted_on": confirmation.accepted_on,
        "decision_due_on": confirmation.decision_due_on,
    }


def _report(
    uow: Work,
    platform: Platform,
    caller: Principal,
    units: frozenset[str],
    number: str,
    result: ResultCode,
    summary: str,
    agreement: Agreement | None = None,
) -> dict[str, str] | None:
    """Inside `with uow`: the court's result on the accepted referral of the case `number` became, as an officer
    reports it (`POST /api/v1/referrals/<id>/result`); None when the court holds no such referral."""
    referral_id = uow.store.accepted_referral_for(number, units)
    if referral_id is None:
        return None
    clipped = summary if len(summary) <= MAX_SUMMARY_CHARS else summary[: MAX_SUMMARY_CHARS - 1] + "…"
    command = ReportResult(result=result, agreement=agreement, summary=clipped)
    with acting_on(uow, platform, caller, referral_id, "result", command) as action:
        return action.record(
            referrals.report_result(action.referral, command, action.at),
            ResultReported.build(
                result=command.result,
                outcome=command.outcome,
                agreement=command.agreement,
                summary=command.summary,
                **action.report_fields(),
            ),
        )
