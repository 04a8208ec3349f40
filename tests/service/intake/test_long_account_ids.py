"""A clerk or a feeding officer whose account id is longer than short text registers cases like any other,
and the coordinator is told who registered each in full."""

from dataclasses import replace
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.intake.frequency import DEFAULT_RULES
from services.intake.service import Intake
from shared.auth.principal import Principal, Role
from shared.clock import now
from shared.contracts.disputes import DisputeReport
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH
from shared.contracts.messages import CaseRegistered, RegisterDispute
from tests.fakes.intake import FakeIntakeStore
from tests.fakes.unit_of_work import FakeUnitOfWork

# The longest username the embedded issuer gives out, and a court officer's OIDC subject as long as any token's.
LONG_USERNAME = "wang.fang.qidong-county-comprehensive-governance-centre.window.1"
OIDC_SUBJECT = "zhao.li." + "x" * (ACCOUNT_ID_MAX_LENGTH - len("zhao.li.@fy.qidong.gov.cn")) + "@fy.qidong.gov.cn"
CLERK = Principal(LONG_USERNAME, "王芳", frozenset({Role.INTAKE_STAFF}))
WALK_IN = {
    "source": "walk_in",
    "category": "neighbour",
    "division_code": "430426101",
    "summary": "李四家装修占用公共楼道，张三多次协商未果。",
    "parties": [{"role": "applicant", "name": "张三"}, {"role": "respondent", "name": "李四"}],
}


@pytest.fixture
def intake_store() -> FakeIntakeStore:
    return FakeIntakeStore()


@pytest.fixture
def uow(intake_store) -> FakeUnitOfWork[FakeIntakeStore]:
    return FakeUnitOfWork(intake_store)


@pytest.fixture
def intake(uow, platform) -> Intake:
    return worker_factory(
        Intake,
        uow=uow,
        platform=replace(platform, service="intake"),
        sender="wuyuan.court_link",
        party_key_secret=b"a deployment secret of 32 bytes!",
        alert_rules=DEFAULT_RULES,
        caller=CLERK,
    )


def test_the_long_account_ids_are_as_long_as_they_say():
    assert (len(LONG_USERNAME), len(OIDC_SUBJECT)) == (64, ACCOUNT_ID_MAX_LENGTH)


def test_a_clerk_with_a_64_character_username_registers_a_case_in_their_own_name(intake, uow, intake_store, http):
    response = intake.register_dispute(http.post(WALK_IN))

    assert response.status_code == 201
    [registered] = uow.sent_of(CaseRegistered)
    assert registered.case_id == http.body(response)["case_id"]
    assert registered.registered_by == LONG_USERNAME
    assert [r["registered_by"] for r in intake_store.reports] == [LONG_USERNAME]


def test_a_record_fed_by_an_officer_with_a_200_character_subject_is_registered_in_their_name(intake, uow, intake_store):
    fed = RegisterDispute.build(
        message_id=UUID("00000000-0000-4000-8000-0000000000c8"),
        occurred_at=now(),
        case_id=None,
        sender="court:430426",
        recipient="centre:430426",
        report=DisputeReport.model_validate(
            {**WALK_IN, "source": "court_filing", "source_record_id": "(2026)湘0426民诉前调1234号"}
        ),
        fed_by=OIDC_SUBJECT,
    )

    intake.on_register_dispute(RegisterDispute.model_validate_json(fed.model_dump_json()))

    [registered] = uow.sent_of(CaseRegistered)
    assert registered.registered_by == OIDC_SUBJECT
    assert [r["registered_by"] for r in intake_store.reports] == [OIDC_SUBJECT]
