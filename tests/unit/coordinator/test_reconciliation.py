"""Which documents a restored agency is sent again, and what its officers are told to redo."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from services.coordinator.domain.model import Case, CaseFacts, CaseStatus, Plan, Referral, ReferralStatus
from services.coordinator.domain.reconciliation import (
    DEADLINE_CHANGED,
    ISSUED,
    WITHDRAWN,
    Gap,
    Redo,
    SentDocument,
    agency_had_numbers,
    documents_again,
    numbers_dropped_at,
    plan_referral,
)
from services.coordinator.reconcile_handlers import rebuilt
from shared.contracts.vocabulary import Category, HandlingMode, ReferralRole, Source
from tests.messages import referral_issued
from wuyuan.reconcile import report_lines

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


def police_case() -> Case:
    facts = CaseFacts("430426-20261102-00001", Source.POLICE_CALL, Category.NEIGHBOUR, "430426101203")
    plan = Plan(0, HandlingMode.SINGLE_UNIT, ("court:430426",), (), (), 10)
    return Case(facts=facts, plan=plan, status=CaseStatus.IN_PROGRESS)


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


def test_a_referral_issued_and_finished_after_the_backup_is_neither_resent_nor_redone():
    """The restored agency never had it: there is nothing its officers could redo; the centre's record stands."""
    issued_after = dict(issued_at=AFTER, accepted_at=AFTER, closed_at=AFTER + timedelta(hours=1))
    for finished in (
        referral(status=ReferralStatus.DECLINED, **issued_after),
        referral(status=ReferralStatus.REPORTED, outcome="resolved", **issued_after),
    ):
        plan = plan_referral("C1", finished, [document(ISSUED, AFTER)], BACKUP)
        assert plan is not None
        assert (plan.resend, plan.redo, plan.gaps) == ((), (), (Gap.FINISHED_NOT_RESENT,))


def test_a_decline_after_the_backup_of_a_referral_the_agency_had_is_redone():
    declined = referral(status=ReferralStatus.DECLINED, closed_at=AFTER)
    plan = plan_referral("C1", declined, [document(ISSUED, ISSUED_AT)], BACKUP)
    assert plan is not None and plan.redo == (Redo.DECLINE,) and plan.gaps == ()


def test_an_escalated_referral_is_sent_with_its_withdrawal_and_nothing_is_redone():
    escalated = referral(status=ReferralStatus.ESCALATED, accepted_at=AFTER, closed_at=AFTER)
    plan = plan_referral("C1", escalated, [document(ISSUED, ISSUED_AT), document(WITHDRAWN, AFTER)], BACKUP)
    assert plan is not None and plan.redo == ()


def test_a_clock_paused_or_resumed_after_the_backup_is_for_officers_to_bring_in_line():
    paused = referral(status=ReferralStatus.ACCEPTED, accepted_at=BEFORE, paused_at=AFTER, pauses=2)
    plan = plan_referral("C1", paused, [document(ISSUED, ISSUED_AT)], BACKUP)
    assert plan is not None and plan.redo == (Redo.PAUSE,)
    resumed = referral(status=ReferralStatus.ACCEPTED, accepted_at=BEFORE, pauses=1)
    moved = document(DEADLINE_CHANGED, AFTER, revision=2)
    plan = plan_referral("C1", resumed, [document(ISSUED, ISSUED_AT), moved], BACKUP)
    assert plan is not None and plan.redo == (Redo.RESUME,) and plan.resend[-1] == moved
    # Resumed before the backup: the agency's copy says so already.
    earlier = document(DEADLINE_CHANGED, BEFORE, revision=2)
    plan = plan_referral("C1", resumed, [document(ISSUED, ISSUED_AT), earlier], BACKUP)
    assert plan is not None and plan.redo == ()


def test_a_lead_referral_sent_again_to_an_agency_that_held_the_numbers_waits_for_intake_to_give_them_back():
    lost = referral(status=ReferralStatus.ACCEPTED, issued_at=AFTER, accepted_at=AFTER + timedelta(hours=1))
    plan = plan_referral("C1", lost, [document(ISSUED, AFTER)], BACKUP, agency_had_numbers=True)
    assert plan is not None and plan.awaits_contacts and plan.gaps == ()
    assert [d.message_type for d in plan.resend] == [ISSUED]  # what goes once intake answers
    # Issued before the backup is no proof the agency had it then (it may have been down): it waits too, and an
    # agency that still has it skips it.
    held = referral(status=ReferralStatus.ACCEPTED, accepted_at=AFTER)
    plan = plan_referral("C1", held, [document(ISSUED, ISSUED_AT)], BACKUP, agency_had_numbers=True)
    assert plan is not None and plan.awaits_contacts
    # A co-unit never waits; nor a lead whose agency never held them; nor one taken back (escalated).
    co_unit = referral(role=ReferralRole.CO_UNIT, issued_at=AFTER)
    escalated = referral(status=ReferralStatus.ESCALATED, issued_at=AFTER, closed_at=AFTER + timedelta(days=1))
    documents = [document(ISSUED, AFTER), document(WITHDRAWN, AFTER + timedelta(days=1))]
    for plan in (
        plan_referral("C1", co_unit, [document(ISSUED, AFTER)], BACKUP, agency_had_numbers=True),
        plan_referral("C1", lost, [document(ISSUED, AFTER)], BACKUP, agency_had_numbers=False),
        plan_referral("C1", escalated, documents, BACKUP, agency_had_numbers=True),
    ):
        assert plan is not None and not plan.awaits_contacts and plan.resend


def test_what_goes_again_is_the_issue_its_latest_deadline_and_its_withdrawal():
    issued, withdrawn = document(ISSUED, ISSUED_AT), document(WITHDRAWN, AFTER)
    first = document(DEADLINE_CHANGED, ISSUED_AT + timedelta(days=1), revision=1)
    latest = document(DEADLINE_CHANGED, ISSUED_AT + timedelta(days=2), revision=2)
    elsewhere = document(ISSUED, ISSUED_AT, referral_id=uuid4())
    assert documents_again(referral(), [issued, first, latest, withdrawn, elsewhere]) == (issued, latest, withdrawn)
    assert documents_again(referral(), [first, withdrawn]) == ()  # its issue not kept: nothing to build on


def test_an_agency_held_the_numbers_when_one_of_its_lead_referrals_came_before_they_were_dropped():
    dropped = AFTER
    first_lead = referral(issued_at=ISSUED_AT)  # to court:430426
    later_round = referral(referral_id=uuid4(), issued_at=dropped + timedelta(days=5), round=2)
    county_unit = referral(referral_id=uuid4(), unit="court:430426000", issued_at=dropped + timedelta(days=6))
    other_agency = referral(referral_id=uuid4(), unit="justice:430426", issued_at=dropped + timedelta(days=7))
    co_unit = referral(referral_id=uuid4(), unit="court:430426", role=ReferralRole.CO_UNIT)
    case = replace(police_case(), referrals=(first_lead, later_round, county_unit, other_agency, co_unit))
    # The agency copied them from its first lead referral into later ones (another round, its county unit).
    assert agency_had_numbers(case, first_lead, dropped)
    assert agency_had_numbers(case, later_round, dropped)
    assert agency_had_numbers(case, county_unit, dropped)
    # A lead of another agency, issued after they were dropped, first went without them; co-units never get them.
    assert not agency_had_numbers(case, other_agency, dropped)
    assert not agency_had_numbers(case, co_unit, dropped)
    assert not agency_had_numbers(case, first_lead, None)  # the centre still holds them: nothing to wait for


def test_the_centre_dropped_the_numbers_when_a_lead_first_took_the_case():
    taken = AFTER + timedelta(hours=1)
    lead = referral(status=ReferralStatus.ACCEPTED, accepted_at=taken)
    case = replace(police_case(), referrals=(lead,))
    kept = [{"role": "applicant", "kind": "person", "name": "张三", "phone": "13800138000"}]
    dropped = [{**kept[0], "phone": None}]
    organisations = [{"role": "applicant", "kind": "organisation", "name": "某物业公司", "phone": None}]
    assert numbers_dropped_at(case, dropped) == taken
    assert numbers_dropped_at(case, kept) is None
    assert numbers_dropped_at(case, organisations) is None
    assert numbers_dropped_at(case, []) is None
    assert numbers_dropped_at(replace(case, referrals=(referral(),)), dropped) is None
    # A lead that reported without accepting took the case too; the first lead to take it says when.
    reported = referral(status=ReferralStatus.REPORTED, closed_at=taken - timedelta(minutes=5))
    later = referral(referral_id=uuid4(), status=ReferralStatus.ACCEPTED, accepted_at=taken + timedelta(days=3))
    assert numbers_dropped_at(replace(case, referrals=(reported, later)), dropped) == taken - timedelta(minutes=5)


def test_officers_read_what_to_redo_what_the_centre_takes_quietly_and_where_the_numbers_are():
    """`wuyuan reconcile`'s report, from the coordinator's answer."""
    answer = {
        "service": "police_link",
        "since": BACKUP.isoformat(),
        "resent": 1,
        "awaiting_contacts": 1,
        "referrals": [
            {
                "case_id": "430426-20261205-00001",
                "referral_id": "r-1",
                "unit": "police:430426101",
                "status": "accepted",
                "redo": ["accept", "pause"],
                "gaps": [],
                "awaiting_contacts": [{"message_id": "m-1", "type": "ReferralIssued"}],
                "accepted_at": AFTER.isoformat(),
                "paused_at": AFTER.isoformat(),
                "paused": True,
                "pauses": 2,
            },
            {
                "case_id": "430426-20261205-00002",
                "referral_id": "r-2",
                "unit": "police:430426101",
                "status": "reported",
                "redo": ["result"],
                "gaps": [],
                "closed_at": AFTER.isoformat(),
                "result": "mediated",
            },
            {
                "case_id": "430426-20261205-00003",
                "referral_id": "r-3",
                "unit": "police:430426101",
                "status": "declined",
                "redo": [],
                "gaps": ["finished_not_resent"],
            },
        ],
    }
    text = "\n".join(report_lines(answer))
    assert "· 重办受理（中心于 2026-11-05 13:00 收到）" in text
    assert "重办暂停计时（中心于 2026-11-05 13:00 收到；中心记录共暂停 2 次，现暂停中）" in text
    assert "直至第 2 次暂停" in text
    assert "· 重办办理结果：调解成功（中心于 2026-11-05 13:00 收到）" in text
    assert "另有 1 份交办文书待信息收集组补回当事人手机号后重发" in text
    assert "待信息收集组（受理窗口）补回手机号后即重发，送达后再按上列重办" in text
    assert "机构恢复后的数据库中本无此件" in text
    assert "不会重复计入，也不会拒收" in text
    for code in ("awaiting_contacts", "ReferralIssued", "finished_not_resent", "pause", "accept"):
        assert code not in text  # staff read words, not codes
