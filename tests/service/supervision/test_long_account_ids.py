"""A supervisor whose account id is longer than short text enters ratings and spot-check findings like any
other, and the coordinator is told who entered each in full."""

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.supervision.domain import FollowUp
from services.supervision.service import Supervision
from services.supervision.spot_checks import SpotCheckRules
from shared.auth.principal import Principal, Role
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH
from shared.contracts.messages import CaseClosed, CaseResolved, FollowUpRated, SpotCheckFound
from shared.contracts.vocabulary import Rating
from shared.workdays import CHINA_TZ
from tests.fakes.supervision import FakeSupervisionStore
from tests.fakes.unit_of_work import FakeUnitOfWork

CASE_ID = "430426-20261101-00001"
LEAD = "police:430426101"
CENTRE = "centre:430426"
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=CHINA_TZ)
NOVEMBER = datetime(2026, 11, 10, 9, 0, tzinfo=CHINA_TZ)
# The longest username the embedded issuer gives out, and an OIDC subject as long as any token's.
LONG_USERNAME = "zhou.hui.qidong-county-comprehensive-governance-centre.inspector"
OIDC_SUBJECT = "zhou.hui." + "x" * (ACCOUNT_ID_MAX_LENGTH - len("zhou.hui.@zzw.qidong.gov.cn")) + "@zzw.qidong.gov.cn"


@pytest.fixture
def store() -> FakeSupervisionStore:
    return FakeSupervisionStore()


@pytest.fixture
def uow(store) -> FakeUnitOfWork[FakeSupervisionStore]:
    return FakeUnitOfWork(store)


def supervision_as(subject: str, uow, platform) -> Supervision:
    return worker_factory(
        Supervision,
        sent_again=None,
        uow=uow,
        platform=replace(platform, service="supervision", now=lambda: NOW),
        sender="wuyuan.coordinator",
        caller=Principal(subject, "回访员小周", frozenset({Role.SUPERVISOR})),
        spot_check_rules=SpotCheckRules(Decimal(100)),  # every closed case is drawn
    )


def test_the_long_account_ids_are_as_long_as_they_say():
    assert (len(LONG_USERNAME), len(OIDC_SUBJECT)) == (64, ACCOUNT_ID_MAX_LENGTH)


@pytest.mark.parametrize("subject", [LONG_USERNAME, OIDC_SUBJECT])
def test_a_supervisor_with_a_long_account_id_rates_a_follow_up_in_their_own_name(uow, store, platform, http, subject):
    supervision = supervision_as(subject, uow, platform)
    supervision.on_case_resolved(
        CaseResolved.build(
            message_id=UUID(int=501),
            occurred_at=NOW,
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            lead_unit=LEAD,
            round=1,
        )
    )

    response = supervision.rate(http.post({"rating": "satisfied"}), CASE_ID)

    assert response.status_code == 202
    [rated] = uow.sent_of(FollowUpRated)
    assert rated.rated_by == subject  # so the coordinator's timeline names who entered it
    assert FollowUpRated.model_validate_json(rated.model_dump_json()).rated_by == subject
    assert store.follow_ups[(CASE_ID, 1)]["visitor"] == subject


@pytest.mark.parametrize("subject", [LONG_USERNAME, OIDC_SUBJECT])
def test_a_supervisor_with_a_long_account_id_records_a_spot_check_finding(uow, store, platform, http, subject):
    store.open_follow_up(FollowUp(CASE_ID, LEAD, 1, NOVEMBER - timedelta(days=1)), {})
    store.save_rating(FollowUp(CASE_ID, LEAD, 1, NOVEMBER, Rating.SATISFIED, NOVEMBER), None, "zhou.hui")
    store.record_fact(
        CaseClosed.build(
            message_id=UUID(int=11),
            occurred_at=NOVEMBER,
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            rating=Rating.SATISFIED,
        )
    )
    supervision = supervision_as(subject, uow, platform)
    supervision.draw_spot_checks()

    response = supervision.record_spot_check_finding(http.post({"rating": "dissatisfied"}), CASE_ID)

    assert http.body(response)["case_will"] == "reopen"
    [found] = uow.sent_of(SpotCheckFound)
    assert found.checked_by == subject
    assert SpotCheckFound.model_validate_json(found.model_dump_json()).checked_by == subject
