"""高频线索预警 in supervision: kept only from intake, listed while open, marked handled by a supervisor."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.supervision.service import Supervision
from services.supervision.spot_checks import SpotCheckRules
from shared.auth.principal import Principal, Role
from shared.contracts.messages import HighFrequencyAlertRaised
from shared.contracts.vocabulary import AlertKind
from shared.http import BadInput
from shared.persistence.errors import NotFound
from shared.refusal import Refused
from tests.fakes.supervision import FakeSupervisionStore
from tests.fakes.unit_of_work import FakeUnitOfWork

CENTRE = "centre:430426"
SUPERVISOR = Principal("zhou.hui", "回访员小周", frozenset({Role.SUPERVISOR}))
ALERT_ID = UUID("a1e27000-0000-4000-8000-000000000001")
RAISED = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
CASES = ["430426-20261101-00001", "430426-20261110-00002", "430426-20261130-00003"]


def raised(message_id: int = 1, alert_id: UUID = ALERT_ID) -> HighFrequencyAlertRaised:
    return HighFrequencyAlertRaised.build(
        message_id=UUID(int=message_id),
        occurred_at=RAISED,
        case_id=CASES[-1],
        sender=CENTRE,
        recipient=CENTRE,
        alert_id=alert_id,
        kind=AlertKind.REPEATED_APPLICANT,
        person_ref="0123456789abcdef0123456789abcdef",
        masked_name="张*",
        count=3,
        threshold=3,
        window_days=30,
        window_start=RAISED - timedelta(days=30),
        case_ids=CASES,
        division_code="430426101",
    )


@pytest.fixture
def uow() -> FakeUnitOfWork[FakeSupervisionStore]:
    return FakeUnitOfWork(FakeSupervisionStore())


def supervision(uow, platform, sender: str = "wuyuan.intake") -> Supervision:
    return worker_factory(
        Supervision,
        sent_again=None,
        uow=uow,
        platform=replace(platform, service="supervision"),
        sender=sender,
        caller=SUPERVISOR,
        spot_check_rules=SpotCheckRules(),
    )


def test_a_list_of_alerts_longer_than_a_page_says_older_ones_exist(uow, platform, http, monkeypatch):
    monkeypatch.setattr("services.supervision.alerts_handlers.MAX_LIST", 1)
    service = supervision(uow, platform)
    service.on_high_frequency_alert_raised(raised(1))

    assert http.body(service.list_alerts(http.get()))["truncated"] is False

    service.on_high_frequency_alert_raised(raised(3, alert_id=UUID(int=4242)))
    listed = http.body(service.list_alerts(http.get()))

    assert (len(listed["alerts"]), listed["truncated"]) == (1, True)


def test_an_alert_from_intake_is_listed_with_its_cases_until_handled(uow, platform, http):
    service = supervision(uow, platform)
    service.on_high_frequency_alert_raised(raised(1))
    service.on_high_frequency_alert_raised(raised(2))  # the same alert again: kept once

    [alert] = http.body(service.list_alerts(http.get()))["alerts"]
    assert (alert["alert_id"], alert["kind"], alert["count"], alert["case_ids"]) == (
        str(ALERT_ID),
        "repeated_applicant",
        3,
        CASES,
    )
    assert alert["handled"] is False and alert["masked_name"] == "张*"

    handled = http.body(service.mark_alert_handled(http.post({"note": "已约谈，纳入重点关注"}), str(ALERT_ID)))
    assert (handled["handled_by"], handled["note"], handled["handled"]) == ("zhou.hui", "已约谈，纳入重点关注", True)
    assert http.body(service.list_alerts(http.get()))["alerts"] == []
    assert len(http.body(service.list_alerts(http.get({"open": "false"})))["alerts"]) == 1
    with pytest.raises(Refused, match="already_handled"):
        service.mark_alert_handled(http.post({}), str(ALERT_ID))


def test_an_alert_from_anyone_but_intake_is_refused(uow, platform, http):
    service = supervision(uow, platform, sender="wuyuan.coordinator")
    with pytest.raises(Refused, match="wrong_sender"):
        service.on_high_frequency_alert_raised(raised())
    assert http.body(service.list_alerts(http.get()))["alerts"] == []


def test_an_unknown_or_malformed_alert_id(uow, platform, http):
    service = supervision(uow, platform)
    with pytest.raises(NotFound):
        service.mark_alert_handled(http.post({}), str(ALERT_ID))
    with pytest.raises(BadInput):
        service.mark_alert_handled(http.post({}), "not-a-uuid")


def test_an_alert_not_addressed_to_the_countys_centre_is_refused(uow, platform, http):
    service = supervision(uow, platform)
    with pytest.raises(Refused, match="wrong_recipient"):
        service.on_high_frequency_alert_raised(raised().model_copy(update={"recipient": "centre:430481"}))
    assert http.body(service.list_alerts(http.get()))["alerts"] == []
