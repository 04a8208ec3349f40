"""Which documents a restored agency is sent again, and what its officers are told to redo."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from services.coordinator.domain.model import Referral, ReferralStatus
from services.coordinator.domain.reconciliation import (
    DEADLINE_CHANGED,
    ISSUED,
    WITHDRAWN,
    Gap,
    Redo,
    SentDocument,
    plan_referral,
)
from services.coordinator.reconcile_handlers import rebuilt
from shared.contracts.vocabulary import ReferralRole
from tests.messages import referral_issued

ISSUED_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BACKUP = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)  # the restored backup was taken then
AFTER = BACKUP + timedelta(hours=3)
BEFORE = BACKUP - timedelta(hours=3)


def referral(**changes: object) -> Referral:
    fields: dict[str, object] = {
        "referral_id": UUID("5f0c3a57-0000-4000-8000-000000000001"),
        "unit": "court:430426",
        "role": ReferralRole.LEAD,
        "round": 1,
        "issued_at": ISSUED_AT,
        "due_at": ISSUED_AT + timedelta(days=10),
    }
    fields.update(changes)
    return Referral(**fields)  # type: ignore[arg-type]


def document(kind: str, at: datetime, referral_id: UUID | None = None, **body: object) -> SentDocument:
    about = referral_id or referral().referral_id
    return SentDocument(uuid4(), kind, about, {"referral_id": str(about), **body}, at)


def test_an_open_referral_is_sent_again_with_its_latest_deadline():
    issued = document(ISSUED, ISSUED_AT)
    first, second = document(DEADLINE_CHANGED, BEFORE, revision=1), document(DEADLINE_CHANGED, AFTER, revision=2)
    plan = plan_referral("C1", referral(), [second, issued, first], BACKUP)
    assert plan is not None
    assert plan.resend == (issued, second)
    assert plan.redo == () and plan.gaps == ()


def test_another_referrals_documents_are_not_sent():
    other = document(ISSUED, ISSUED_AT, referral_id=uuid4())
    plan = plan_referral("C1", referral(), [other], BACKUP)
    assert plan is not None and plan.resend == () and plan.gaps == (Gap.ISSUED_UNKNOWN,)


def test_what_the_agency_did_after_the_backup_is_for_officers_to_redo():
    accepted_before = referral(status=ReferralStatus.ACCEPTED, accepted_at=BEFORE, last_progress_at=AFTER)
    plan = plan_referral("C1", accepted_before, [document(ISSUED, ISSUED_AT)], BACKUP)
    assert plan is not None and plan.redo == (Redo.PROGRESS,)
    accepted_after = referral(status=ReferralStatus.ACCEPTED, accepted_at=AFTER)
    plan = plan_referral("C1", accepted_after, [document(ISSUED, ISSUED_AT)], BACKUP)
    assert plan is not None and plan.redo == (Redo.ACCEPT,)


def test_a_result_reported_after_the_backup_is_redone_not_resent():
    reported = referral(status=ReferralStatus.REPORTED, accepted_at=BEFORE, closed_at=AFTER, outcome="resolved")
    plan = plan_referral("C1", reported, [document(ISSUED, ISSUED_AT)], BACKUP)
    assert plan is not None
    assert plan.resend == () and plan.redo == (Redo.RESULT,)


def test_a_referral_closed_before_the_backup_is_no_concern():
    reported = referral(status=ReferralStatus.REPORTED, accepted_at=BEFORE, closed_at=BEFORE, outcome="resolved")
    assert plan_referral("C1", reported, [document(ISSUED, ISSUED_AT)], BACKUP) is None
    assert plan_referral("C1", reported, [document(ISSUED, ISSUED_AT)], None) is None


def test_a_withdrawal_after_the_backup_goes_again_after_its_referral():
    issued, withdrawn = document(ISSUED, ISSUED_AT), document(WITHDRAWN, AFTER)
    escalated = referral(status=ReferralStatus.ESCALATED, closed_at=AFTER)
    plan = plan_referral("C1", escalated, [withdrawn, issued], BACKUP)
    assert plan is not None and plan.resend == (issued, withdrawn) and plan.redo == ()


def test_without_a_backup_time_everything_the_centre_holds_is_listed():
    accepted = referral(status=ReferralStatus.ACCEPTED, accepted_at=BEFORE)
    plan = plan_referral("C1", accepted, [document(ISSUED, ISSUED_AT)], None)
    assert plan is not None and plan.redo == (Redo.ACCEPT,)


def test_a_referral_is_rebuilt_as_it_was_sent_from_what_was_kept_and_the_registration():
    registered = {
        "summary": "邻里因宅基地界址争吵。",
        "parties": [
            {"role": "applicant", "kind": "person", "name": "张三", "phone": "13800138000"},
            {"role": "respondent", "kind": "person", "name": "李四", "phone": None},
        ],
    }
    for role in ("lead", "co_unit"):
        sent = referral_issued(uuid4(), "court:430426", role=role, parties=minimised(registered, role))
        # What referral_documents keeps of it (migration 0007): all but the parties and the summary.
        kept = {k: v for k, v in sent.model_dump(mode="json").items() if k not in ("parties", "summary")}
        document = SentDocument(sent.message_id, ISSUED, sent.referral_id, kept, ISSUED_AT)
        assert rebuilt(document, registered) == sent


def minimised(registered: dict, role: str) -> list[dict]:
    """As the coordinator issued it: only the lead is given the phones."""
    return [p if role == "lead" else {**p, "phone": None} for p in registered["parties"]]
