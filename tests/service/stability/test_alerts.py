"""高频线索预警 at the political-legal committee: kept only from intake, listed for the committee's own officers."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.stability.service import Stability
from shared.auth.principal import Forbidden, Principal, Role
from shared.contracts.messages import StabilityAlertRaised
from shared.contracts.vocabulary import AlertKind
from shared.refusal import Refused
from tests.fakes.agency import FakeStabilityStore
from tests.fakes.unit_of_work import FakeUnitOfWork

PLC_OFFICER = Principal("sun.wei", "孙伟", frozenset({Role.OFFICER}), frozenset({"plc:430426"}))
OTHER_COUNTY_OFFICER = Principal("he.ping", "何平", frozenset({Role.OFFICER}), frozenset({"plc:430481"}))
POLICE_OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))
RAISED = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
CASES = ["430426-20261101-00001", "430426-20261110-00002", "430426-20261130-00003"]


def raised(message_id: int = 1, alert_id: int = 77) -> StabilityAlertRaised:
    return StabilityAlertRaised.build(
        message_id=UUID(int=message_id),
        occurred_at=RAISED,
        case_id=CASES[-1],
        sender="centre:430426",
        recipient="plc:430426",
        alert_id=UUID(int=alert_id),
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


def stability(uow, platform, caller=PLC_OFFICER, sender="wuyuan.intake") -> Stability:
    return worker_factory(
        Stability, uow=uow, platform=replace(platform, service="stability"), sender=sender, caller=caller
    )


@pytest.fixture
def uow() -> FakeUnitOfWork[FakeStabilityStore]:
    return FakeUnitOfWork(FakeStabilityStore())


def test_an_alert_from_intake_is_listed_for_the_committees_officers(uow, platform, http):
    service = stability(uow, platform)
    service.on_stability_alert_raised(raised(1))
    service.on_stability_alert_raised(raised(2))  # the same alert redelivered under a new id: kept once

    [alert] = http.body(service.list_alerts(http.get()))["alerts"]
    assert (alert["kind"], alert["count"], alert["case_ids"], alert["masked_name"]) == (
        "repeated_applicant",
        3,
        CASES,
        "张*",
    )
    assert http.body(stability(uow, platform, OTHER_COUNTY_OFFICER).list_alerts(http.get()))["alerts"] == []


def test_a_list_of_alerts_longer_than_a_page_lists_the_latest_and_says_older_ones_exist(
    uow, platform, http, monkeypatch
):
    monkeypatch.setattr("services.stability.alerts.MAX_LIST", 1)
    service = stability(uow, platform)
    service.on_stability_alert_raised(raised(1))
    assert http.body(service.list_alerts(http.get()))["truncated"] is False

    service.on_stability_alert_raised(raised(2, alert_id=78))
    listed = http.body(service.list_alerts(http.get()))

    assert (len(listed["alerts"]), listed["truncated"]) == (1, True)


def test_only_intake_may_raise_an_alert(uow, platform, http):
    with pytest.raises(Refused, match="wrong_sender"):
        stability(uow, platform, sender="wuyuan.coordinator").on_stability_alert_raised(raised())


def test_another_agencys_officer_may_not_read_the_alerts(uow, platform, http):
    with pytest.raises(Forbidden):
        stability(uow, platform, POLICE_OFFICER).list_alerts(http.get())


def test_an_alert_addressed_to_another_agency_is_refused(uow, platform, http):
    with pytest.raises(Refused, match="wrong_unit"):
        stability(uow, platform).on_stability_alert_raised(raised().model_copy(update={"recipient": "police:430426"}))
