"""A filing's life at the court: filed, or diverted → mediated (司法确认 applied for and decided) or returned (转立案).

进得来、回得去: a diverted filing comes back to the court either with an agreement, which the court may
confirm (司法确认), or with a failed mediation, which the court then files (调解不成，转立案).
"""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from services.court_link.domain.screening import (
    AdministrativeMatter,
    CaseType,
    FilingDecision,
    Screening,
    ScreeningFacts,
)
from services.court_link.domain.terms import (
    APPLICATION_TERM_DAYS,
    DECISION_EXTENSION_DAYS,
    DECISION_TERM_DAYS,
    MEDIATION_TERM_DAYS,
    term_end,
)
from shared.contracts.disputes import Agreement, PartyNotice
from shared.contracts.vocabulary import Category
from shared.refusal import Refused


class FilingStatus(StrEnum):
    FILED = "filed"  # 立案: not diverted
    IN_MEDIATION = "in_mediation"  # 诉前调解中
    MEDIATED = "mediated"  # 调解成功: the parties signed an agreement
    RETURNED = "returned"  # 调解不成，转立案


class ConfirmationStatus(StrEnum):
    PENDING = "pending"  # 已受理，待裁定
    CONFIRMED = "confirmed"  # 裁定调解协议有效
    REFUSED = "refused"  # 裁定驳回申请 (民事诉讼法 第二百零六条): the parties may change the agreement or sue


class FilingRefusal(StrEnum):
    NOT_DIVERTED = "not_diverted"  # a filed filing was never in mediation
    ALREADY_RETURNED = "already_returned"  # mediation failed and the court filed it
    ALREADY_MEDIATED = "already_mediated"  # an agreement is recorded; only a refused confirmation reopens it
    CONFIRMATION_PENDING = "confirmation_pending"  # the court has yet to decide the application it accepted
    ALREADY_CONFIRMED = "already_confirmed"  # the agreement is confirmed: nothing further at the court
    APPLICATION_LATE = "application_late"  # applied after the 30 days of 民事诉讼法 第二百零五条
    NO_PENDING_CONFIRMATION = "no_pending_confirmation"  # nothing to extend or decide
    ALREADY_EXTENDED = "already_extended"  # the one extension of 10 days was granted


@dataclass(frozen=True)
class FilingFacts:
    """A filing as the court registered it; it does not change afterwards."""

    case_type: CaseType
    filed_on: date
    category: Category
    division_code: str
    summary: str
    parties: tuple[PartyNotice, ...]  # names and roles: ID and mobile numbers go to intake alone
    claim_amount_yuan: Decimal | None
    screening_facts: ScreeningFacts
    administrative_matter: AdministrativeMatter | None
    screening: Screening


@dataclass(frozen=True)
class Filing:
    """Where a filing stands."""

    number: str  # 案号, e.g. (2026)湘0426民初123号; the record id it was fed to the centre under
    unit: str  # the court unit that answers for it
    decision: FilingDecision
    status: FilingStatus
    diverted_on: date | None = None
    mediation_due_on: date | None = None  # 诉前调解期限
    agreement: Agreement | None = None
    mediated_on: date | None = None  # the day the agreement was signed
    returned_on: date | None = None
    return_reason: str | None = None
    litigation_number: str | None = None  # the 案号 it was filed under on its return, if the court gave one


@dataclass(frozen=True)
class Confirmation:
    """One application for 司法确认 of a diverted filing's agreement; a refused one may be followed by another."""

    filing_number: str
    seq: int  # 1, then 2 … after a refusal, for a changed or new agreement
    agreement: Agreement
    effective_on: date  # the day the agreement took effect (人民调解法 第二十九条: when all have signed)
    applied_on: date
    application_due_on: date  # the last day the parties could apply
    accepted_on: date  # 受理: the decision term runs from here
    decision_due_on: date
    status: ConfirmationStatus = ConfirmationStatus.PENDING
    extended: bool = False
    extension_reason: str | None = None
    decided_on: date | None = None
    decision_reason: str | None = None

    def overdue(self, today: date) -> bool:
        """Still undecided after the decision term's last day."""
        return self.status is ConfirmationStatus.PENDING and today > self.decision_due_on


def register(number: str, unit: str, screening: Screening, today: date) -> Filing:
    """A filing as screened today: filed, or diverted with its 30-day mediation term running from today."""
    if not screening.diverted:
        return Filing(number, unit, FilingDecision.FILED, FilingStatus.FILED)
    return _diverted(number, unit, today)


def _diverted(number: str, unit: str, on: date) -> Filing:
    """A filing diverted on a day: in 诉前调解, its 30-day term running from that day."""
    return Filing(
        number,
        unit,
        FilingDecision.DIVERTED,
        FilingStatus.IN_MEDIATION,
        diverted_on=on,
        mediation_due_on=term_end(on, MEDIATION_TERM_DAYS),
    )


def register_fed(number: str, unit: str, facts: FilingFacts, fed_on: date) -> tuple[Filing, FilingFacts]:
    """A filing the court fed to the centre as its record on `fed_on`, before registering it here: the case has
    been in 诉前调解 at the centre since then, and the centre's report counted it diverted then. So it is
    diverted on that day, and its term runs from it, whatever 立案审查 finds now: filed, the court would say
    otherwise than the report, and could record neither the agreement the centre reaches (signed since the
    feed) nor a return. Its screening facts are kept as found; its reasons, why it was not diverted, are none."""
    return _diverted(number, unit, fed_on), replace(facts, screening=Screening(FilingDecision.DIVERTED, ()))


def mediation_overdue(filing: Filing, today: date) -> bool:
    """Still in mediation after the term's last day: the court should file it or note the parties' extension."""
    due = filing.mediation_due_on
    return filing.status is FilingStatus.IN_MEDIATION and due is not None and today > due


def record_agreement(filing: Filing, agreement: Agreement) -> Filing:
    """调解成功: the parties signed an agreement, whether or not they will apply for 司法确认."""
    _require_diverted(filing)
    if filing.status is FilingStatus.MEDIATED:
        raise Refused(FilingRefusal.ALREADY_MEDIATED, f"filing {filing.number} already has an agreement")
    return replace(filing, status=FilingStatus.MEDIATED, agreement=agreement, mediated_on=agreement.signed_on)


def request_confirmation(
    filing: Filing,
    latest: Confirmation | None,
    agreement: Agreement,
    effective_on: date,
    applied_on: date,
    accepted_on: date,
) -> tuple[Filing, Confirmation]:
    """The court accepts an application for 司法确认 of the agreement; its decision is due in 15 days.

    Refused when the parties applied more than 30 days after the agreement took effect, while an
    application awaits its decision, or once an agreement is confirmed. The agreement applied for
    becomes the filing's: a first agreement, or a changed one after a refusal (第二百零六条).
    """
    _require_diverted(filing)
    _require_no_open_confirmation(filing, latest)
    due = term_end(effective_on, APPLICATION_TERM_DAYS)
    if applied_on > due:
        raise Refused(
            FilingRefusal.APPLICATION_LATE,
            f"the application for judicial confirmation of filing {filing.number}'s agreement was due by"
            f" {due.isoformat()}, within {APPLICATION_TERM_DAYS} days of the agreement taking effect on"
            f" {effective_on.isoformat()} (民事诉讼法 第二百零五条); it was made on {applied_on.isoformat()}",
        )
    confirmation = Confirmation(
        filing_number=filing.number,
        seq=latest.seq + 1 if latest else 1,
        agreement=agreement,
        effective_on=effective_on,
        applied_on=applied_on,
        application_due_on=due,
        accepted_on=accepted_on,
        decision_due_on=term_end(accepted_on, DECISION_TERM_DAYS),
    )
    mediated = replace(filing, status=FilingStatus.MEDIATED, agreement=agreement, mediated_on=agreement.signed_on)
    return mediated, confirmation


def pending_confirmation(number: str, latest: Confirmation | None) -> Confirmation:
    """The application awaiting the court's decision: the filing's latest, if it is still pending."""
    if latest is None:
        raise Refused(
            FilingRefusal.NO_PENDING_CONFIRMATION, f"no application for judicial confirmation of filing {number}"
        )
    _require_pending(latest)
    return latest


def extend_decision_term(confirmation: Confirmation, reason: str) -> Confirmation:
    """因特殊情况 the president approves 10 more days, once: 25 days from acceptance in all."""
    _require_pending(confirmation)
    if confirmation.extended:
        raise Refused(
            FilingRefusal.ALREADY_EXTENDED,
            f"the decision on filing {confirmation.filing_number}'s application was already extended once by"
            f" {DECISION_EXTENSION_DAYS} days",
        )
    return replace(
        confirmation,
        extended=True,
        extension_reason=reason,
        decision_due_on=term_end(confirmation.accepted_on, DECISION_TERM_DAYS + DECISION_EXTENSION_DAYS),
    )


def decide_confirmation(confirmation: Confirmation, confirmed: bool, reason: str | None, on: date) -> Confirmation:
    """The court's ruling (裁定): the agreement confirmed, or the application refused. A late one still counts."""
    _require_pending(confirmation)
    status = ConfirmationStatus.CONFIRMED if confirmed else ConfirmationStatus.REFUSED
    return replace(confirmation, status=status, decided_on=on, decision_reason=reason)


def return_to_litigation(
    filing: Filing, latest: Confirmation | None, reason: str, on: date, litigation_number: str | None
) -> Filing:
    """调解不成，转立案: the court files a diverted filing whose mediation failed, or whose agreement it refused
    to confirm; not one whose agreement stands or awaits the court's decision."""
    _require_diverted(filing)
    if filing.status is FilingStatus.MEDIATED:
        if latest is None:
            raise Refused(
                FilingRefusal.ALREADY_MEDIATED,
                f"filing {filing.number} was mediated (agreement signed {_iso(filing.mediated_on)}); a breach is"
                " a new action on the agreement, not a return",
            )
        _require_no_open_confirmation(filing, latest)
    return replace(
        filing, status=FilingStatus.RETURNED, returned_on=on, return_reason=reason, litigation_number=litigation_number
    )


def recount_mediation_term(filing: Filing) -> Filing:
    """A filing still in mediation with its term counted again, by a calendar year loaded since it was counted;
    the same filing when the term ends where it did, or is no longer running."""
    if filing.status is not FilingStatus.IN_MEDIATION or filing.diverted_on is None:
        return filing
    due = term_end(filing.diverted_on, MEDIATION_TERM_DAYS)
    return filing if due == filing.mediation_due_on else replace(filing, mediation_due_on=due)


def recount_decision_term(confirmation: Confirmation) -> Confirmation:
    """An application awaiting the court's decision with its term (and extension) counted again, by a calendar
    year loaded since; the same application when the term ends where it did, or was decided."""
    if confirmation.status is not ConfirmationStatus.PENDING:
        return confirmation
    days = DECISION_TERM_DAYS + (DECISION_EXTENSION_DAYS if confirmation.extended else 0)
    due = term_end(confirmation.accepted_on, days)
    return confirmation if due == confirmation.decision_due_on else replace(confirmation, decision_due_on=due)


def _require_diverted(filing: Filing) -> None:
    if filing.decision is not FilingDecision.DIVERTED:
        raise Refused(FilingRefusal.NOT_DIVERTED, f"filing {filing.number} was filed, not diverted to mediation")
    if filing.status is FilingStatus.RETURNED:
        raise Refused(
            FilingRefusal.ALREADY_RETURNED,
            f"filing {filing.number} was returned to the court and filed on {_iso(filing.returned_on)}",
        )


def _require_no_open_confirmation(filing: Filing, latest: Confirmation | None) -> None:
    if latest is None or latest.status is ConfirmationStatus.REFUSED:
        return
    if latest.status is ConfirmationStatus.PENDING:
        raise Refused(
            FilingRefusal.CONFIRMATION_PENDING,
            f"filing {filing.number}'s application for judicial confirmation awaits the court's decision,"
            f" due by {latest.decision_due_on.isoformat()}",
        )
    raise Refused(
        FilingRefusal.ALREADY_CONFIRMED,
        f"filing {filing.number}'s agreement was judicially confirmed on {_iso(latest.decided_on)}",
    )


def _require_pending(confirmation: Confirmation) -> None:
    if confirmation.status is not ConfirmationStatus.PENDING:
        raise Refused(
            FilingRefusal.NO_PENDING_CONFIRMATION,
            f"filing {confirmation.filing_number}'s application was already decided ({confirmation.status.value})",
        )


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "?"
