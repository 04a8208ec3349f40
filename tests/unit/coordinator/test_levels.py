"""三级: a case goes up from the village to the township to the county, and is flagged for the leaders at the top."""

import tomllib
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest

from services.coordinator.deadlines import deadline_for
from services.coordinator.domain.decisions import (
    AnnounceManualTriage,
    CloseReferral,
    Decision,
    IssueReferral,
    WithdrawReferral,
)
from services.coordinator.domain.levels import call_in, escalate_overdue, hold, record_beyond_level
from services.coordinator.domain.model import Case, CaseFacts, CaseStatus, GapCode, ReferralStatus, TimelineKind
from services.coordinator.domain.rules import triage, unchanged
from services.coordinator.routing import parse_routing_table
from shared.centres import Centres, load_centres
from shared.contracts.vocabulary import Category, ReferralRole, Source
from shared.refusal import Refused
from shared.registry import DEFAULT_CONFIG_DIR, load_registry, parse_registry

CST = timezone(timedelta(hours=8))
REGISTERED = datetime(2025, 9, 15, 9, 0, tzinfo=CST)
LATE = datetime(2025, 11, 3, 10, 0, tzinfo=CST)
# A county whose justice bureau has units in the villages (村人民调解委员会), and that sends small neighbour
# disputes to them (小事不出村).
_AGENCIES = tomllib.loads((DEFAULT_CONFIG_DIR / "agencies.toml").read_text())
_AGENCIES["agencies"]["justice"]["unit_digits"] = 12
REGISTRY = parse_registry(_AGENCIES)
CENTRES: Centres = load_centres(DEFAULT_CONFIG_DIR, "430426", load_registry())
VILLAGE_FIRST = parse_routing_table(
    {
        "rules": [
            {"category": "neighbour", "mode": "single_unit", "lead": ["justice"], "deadline_working_days": 5},
            {"category": "*", "mode": "single_unit", "lead": ["court"], "deadline_working_days": 5},
        ]
    },
    set(REGISTRY.agencies),
)

_ids = iter(range(1, 10_000))


def new_id() -> UUID:
    return UUID(int=next(_ids))


def triaged(category: Category = Category.NEIGHBOUR) -> Case:
    facts = CaseFacts("430426-20250915-00001", Source.WALK_IN, category, "430426101203")
    return hold(triage(facts, VILLAGE_FIRST, REGISTRY, REGISTERED, deadline_for, new_id), CENTRES).case


def lead_of(case: Case) -> str:
    lead = case.current_lead()
    assert lead is not None
    return lead.unit


def test_a_village_dispute_goes_up_to_the_township_then_the_county_then_the_leaders():
    case = triaged()
    assert (case.centre, lead_of(case)) == ("430426101203", "justice:430426101203")

    declined = record_beyond_level(
        case, case.referrals[0].referral_id, "justice:430426101203", "wang", "调委会无力调处", CENTRES,
        REGISTERED, deadline_for, new_id,
    )  # fmt: skip
    assert declined is not None
    case = declined.case
    assert (case.centre, lead_of(case)) == ("430426101", "justice:430426101")

    township = case.referrals[-1]
    up = escalate_overdue(case, township.referral_id, township.unit, 3, CENTRES, LATE, deadline_for, new_id)
    case = up.case
    assert (case.centre, lead_of(case), case.status) == ("430426", "justice:430426", CaseStatus.ASSIGNED)
    assert case.referral(township.referral_id).status is ReferralStatus.ESCALATED  # type: ignore[union-attr]
    assert [e.reason for e in up.effects if isinstance(e, CloseReferral)] == ["escalated"]
    assert [e.referral.unit for e in up.effects if isinstance(e, IssueReferral)] == ["justice:430426"]
    # the township office did not end its part itself: it is told the part was taken back, and by whom
    assert [(e.referral_id, e.unit, e.reason, e.successor) for e in up.effects if isinstance(e, WithdrawReferral)] == [
        (township.referral_id, "justice:430426101", "escalated", "justice:430426")
    ]

    county = case.referrals[-1]
    at_top = escalate_overdue(case, county.referral_id, county.unit, 6, CENTRES, LATE + timedelta(days=40),
                              deadline_for, new_id)  # fmt: skip
    assert (at_top.case.centre, lead_of(at_top.case)) == ("430426", "justice:430426")
    assert [(e.cause, e.from_centre, e.to_centre) for e in at_top.case.escalations] == [
        ("beyond_level", "430426101203", "430426101"),
        ("overdue", "430426101", "430426"),
        ("overdue", "430426", None),
    ]
    assert [line.kind for line in at_top.timeline] == [TimelineKind.LEADERS_ALERTED]


def test_a_unit_already_at_the_upper_level_leaves_the_part_to_the_upper_centre_s_staff():
    case = hold(
        triage(
            CaseFacts("430426-20250915-00002", Source.WALK_IN, Category.DEBT, "430426101203"),
            VILLAGE_FIRST, REGISTRY, REGISTERED, deadline_for, new_id,
        ),
        CENTRES,
    ).case  # fmt: skip
    assert (case.centre, lead_of(case)) == ("430426", "court:430426")  # the county court: the county's case
    # Held lower by hand, a court's delay takes it up with nobody of the court's above it.
    lower = Case(**{**case.__dict__, "centre": "430426101"})
    [court] = lower.referrals

    up = escalate_overdue(lower, court.referral_id, court.unit, 4, CENTRES, LATE, deadline_for, new_id)

    assert up.case.status is CaseStatus.AWAITING_MANUAL_TRIAGE
    [gap] = up.case.gaps
    assert (gap.role, gap.code, gap.unit) == (ReferralRole.LEAD, GapCode.ESCALATED, "court:430426")
    assert any(isinstance(e, AnnounceManualTriage) for e in up.effects)
    assert [(e.unit, e.successor) for e in up.effects if isinstance(e, WithdrawReferral)] == [("court:430426", None)]


def test_a_unit_declining_again_as_beyond_its_level_takes_the_case_up_no_further():
    """The village committee's service, restored to an earlier point, redoes the decline `wuyuan reconcile` lists: the
    case went up once, and is not taken up again from the township it reached."""
    case = triaged()
    [village] = case.referrals
    up = record_beyond_level(
        case, village.referral_id, village.unit, "wang", "调委会无力调处", CENTRES, REGISTERED, deadline_for, new_id
    )
    assert up is not None

    again = record_beyond_level(
        up.case, village.referral_id, village.unit, "wang", "调委会无力调处", CENTRES, LATE, deadline_for, new_id
    )

    assert again == unchanged(up.case)


def test_an_escalation_for_a_part_already_ended_changes_nothing():
    case = triaged()
    [lead] = case.referrals

    nothing: Decision = escalate_overdue(case, lead.referral_id, lead.unit, 3, CENTRES, REGISTERED, deadline_for)

    assert (nothing.case, nothing.effects, nothing.timeline) == (case, (), ())


def test_a_department_the_centre_may_not_call_in_is_refused():
    case = triaged()  # held by 新塘村's station, which may call police and justice only

    with pytest.raises(Refused) as refused:
        call_in(case, ["court:430426"], "请法院报到", "chen", frozenset(), CENTRES, REGISTERED, deadline_for)

    assert refused.value.code == "not_callable"
