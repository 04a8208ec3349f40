"""Accounts whose ids are longer than short text: the coordinator takes their reports and registrations, names them
on the case's timeline, and an operator so named loads a calendar year."""

from dataclasses import replace
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.coordinator.dependencies import coordination_for
from services.coordinator.service import Coordinator
from shared.auth.principal import Principal, Role
from shared.clock import now
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH
from shared.contracts.messages import CalendarYearLoaded, CaseRegistered, ReferralAccepted, ReferralIssued
from shared.workdays import unload_year
from tests.calendar_years import TEST_2027
from tests.fakes.coordinator import FakeCaseStore
from tests.fakes.unit_of_work import FakeUnitOfWork

CASE_ID = "430426-20261122-00001"
POLICE_STATION = "police:430426101"
CENTRE = "centre:430426"
# The longest username the embedded issuer gives out, and an OIDC subject as long as any token's.
LONG_USERNAME = "wang.fang.qidong-county-comprehensive-governance-centre.window.1"


def oidc_subject(name: str, domain: str) -> str:
    """An OIDC provider's e-mail subject as long as a token's may be."""
    return f"{name}.{'x' * (ACCOUNT_ID_MAX_LENGTH - len(name) - len(domain) - 2)}@{domain}"


OIDC_SUBJECT = oidc_subject("liu.yang", "gaj.qidong.gov.cn")
OPERATOR = Principal(oidc_subject("yunwei.wang", "zzw.qidong.gov.cn"), "王运维", frozenset({Role.OPERATOR}))
STAFF = Principal("chen.zhuren", "陈主任", frozenset({Role.COORDINATOR}))


@pytest.fixture(autouse=True)
def forget_2027():
    yield
    unload_year(2027)


@pytest.fixture
def uow() -> FakeUnitOfWork[FakeCaseStore]:
    return FakeUnitOfWork(FakeCaseStore())


@pytest.fixture
def coordinator(uow, platform) -> Coordinator:
    desk = coordination_for(replace(platform, service="coordinator"))
    return worker_factory(Coordinator, uow=uow, desk=desk, caller=OPERATOR)


def registered_by(account: str) -> CaseRegistered:
    return CaseRegistered.build(
        message_id=UUID(int=1),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        source="police_call",
        category="neighbour",
        division_code="430426101",
        summary="邻里因宅基地界址争吵。",
        flags=[],
        parties=[
            {"role": "applicant", "kind": "person", "name": "张三"},
            {"role": "respondent", "kind": "person", "name": "李四"},
        ],
        registered_by=account,
    )


def test_the_long_account_ids_are_as_long_as_they_say():
    assert (len(LONG_USERNAME), len(OIDC_SUBJECT), len(OPERATOR.subject)) == (64, 200, 200)


def test_a_case_registered_and_accepted_by_long_named_accounts_names_them_on_its_timeline(coordinator, uow, http):
    coordinator.sender = "wuyuan.intake"
    coordinator.on_case_registered(registered_by(LONG_USERNAME))
    [lead] = [m for m in uow.sent_of(ReferralIssued) if m.recipient == POLICE_STATION]
    accepted = ReferralAccepted.build(
        message_id=UUID(int=2),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=POLICE_STATION,
        recipient=CENTRE,
        referral_id=lead.referral_id,
        officer=OIDC_SUBJECT,
    )

    coordinator.sender = "wuyuan.police_link"
    coordinator.on_referral_accepted(ReferralAccepted.model_validate_json(accepted.model_dump_json()))

    coordinator.caller = STAFF
    case = http.body(coordinator.show_case(http.get(), CASE_ID))
    assert case["registered_by"] == LONG_USERNAME
    [line] = [e for e in case["timeline"] if e["kind"] == "referral_accepted"]
    assert line["detail"]["officer"] == OIDC_SUBJECT


def test_an_operator_with_a_200_character_subject_loads_a_calendar_year_in_their_own_name(coordinator, uow, http):
    request = http.post(TEST_2027)
    request.environ["REQUEST_METHOD"] = "PUT"

    assert http.body(coordinator.load_calendar_year(request, "2027"))["changed"] is True

    [year] = uow.sent_of(CalendarYearLoaded)
    assert year.loaded_by == OPERATOR.subject
    assert CalendarYearLoaded.model_validate_json(year.model_dump_json()).loaded_by == OPERATOR.subject
