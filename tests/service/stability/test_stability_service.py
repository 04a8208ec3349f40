"""The political-legal committee's service: risky cases enter the risk register in their colour, once."""

from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.stability.service import Stability
from shared.auth.principal import Forbidden, Principal, Role
from shared.contracts.messages import CaseAssigned, RegisterDispute
from shared.refusal import Refused
from tests.fakes.agency import FakeStabilityStore
from tests.fakes.unit_of_work import FakeUnitOfWork

CENTRE = "centre:430426"
NOTED_AT = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
# Signed-in callers, as the token verifier hands them to the service.
PLC_OFFICER = Principal("sun.wei", "孙伟", frozenset({Role.OFFICER}), frozenset({"plc:430426"}))
POLICE_OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))
COORDINATOR = Principal("wang.fang", "王芳", frozenset({Role.COORDINATOR}))
LEADER = Principal("li.shuji", "李书记", frozenset({Role.LEADER}))
SUPERVISOR = Principal("zhou.hui", "周慧", frozenset({Role.SUPERVISOR}))


@pytest.fixture
def stability_store() -> FakeStabilityStore:
    return FakeStabilityStore()


@pytest.fixture
def uow(stability_store) -> FakeUnitOfWork[FakeStabilityStore]:
    return FakeUnitOfWork(stability_store)


@pytest.fixture
def stability(uow, platform) -> Stability:
    return worker_factory(
        Stability,
        uow=uow,
        platform=replace(platform, service="stability", now=lambda: NOTED_AT),
        sender="wuyuan.coordinator",
        caller=PLC_OFFICER,
    )


def assigned(case_number: int, *flags: str) -> CaseAssigned:
    case_id = f"430426-20261123-{case_number:05d}"
    return CaseAssigned.build(
        message_id=UUID(int=case_number),
        occurred_at=NOTED_AT,
        case_id=case_id,
        sender=CENTRE,
        recipient=CENTRE,
        mode="joint",
        source="police_call",
        category="land",
        division_code="430426101203",
        flags=list(flags),
        lead_unit="police:430426101",
        co_units=["justice:430426101"],
        referrals=[],
    )


def test_a_case_at_risk_of_a_killing_enters_the_register_red(stability, stability_store, http):
    stability.on_case_assigned(assigned(1, "high_risk", "violence_risk"))

    [entry] = http.body(stability.risk_register(http.get()))["cases"]
    assert (entry["case_id"], entry["colour"]) == ("430426-20261123-00001", "red")
    assert entry["flags"] == ["high_risk", "violence_risk"]
    assert (entry["lead_unit"], entry["division_code"]) == ("police:430426101", "430426101203")


def test_violence_or_a_group_dispute_is_yellow_and_a_calm_case_stays_out(stability, stability_store):
    stability.on_case_assigned(assigned(2, "violence_risk"))
    stability.on_case_assigned(assigned(3, "group"))
    stability.on_case_assigned(assigned(4))

    colours = {case_id: row["colour"] for case_id, row in stability_store.register.items()}
    assert colours == {"430426-20261123-00002": "yellow", "430426-20261123-00003": "yellow"}


def test_the_same_assignment_delivered_twice_is_entered_once(stability, stability_store, uow):
    message = assigned(5, "group")

    stability.on_case_assigned(message)
    stability.on_case_assigned(message)

    assert list(stability_store.register) == ["430426-20261123-00005"]
    assert message.message_id in uow.claimed


def test_a_stability_lead_coloured_red_is_fed_in_as_high_risk(stability, uow, http):
    record = {
        "record_id": "WW-2026-0042",
        "category": "land",
        "division_code": "430426101203",
        "summary": "两村因山林界址多次聚集，有械斗苗头。",
        "parties": [{"role": "applicant", "name": "甲村村委会"}, {"role": "respondent", "name": "乙村村委会"}],
        "details": {"colour": "red", "source_control": True},
    }

    stability.feed_record(http.post(record))

    [register] = uow.sent_of(RegisterDispute)
    assert [f.value for f in register.report.flags] == ["high_risk"]
    assert (register.report.source.value, register.sender) == ("stability_lead", "plc:430426")


def test_an_assignment_not_published_by_the_coordinator_is_refused_and_not_registered(stability, stability_store):
    stability.sender = "wuyuan.police_link"

    with pytest.raises(Refused, match=r"must come from wuyuan\.coordinator"):
        stability.on_case_assigned(assigned(6, "high_risk"))

    assert stability_store.register == {}


@pytest.mark.parametrize("caller", [PLC_OFFICER, COORDINATOR, LEADER], ids=lambda p: p.subject)
def test_the_committees_officers_the_coordinators_and_leaders_read_the_register(stability, http, caller):
    stability.on_case_assigned(assigned(7, "high_risk"))
    stability.caller = caller

    [entry] = http.body(stability.risk_register(http.get()))["cases"]

    assert entry["colour"] == "red"


@pytest.mark.parametrize("caller", [POLICE_OFFICER, SUPERVISOR], ids=lambda p: p.subject)
def test_an_officer_of_another_agency_may_not_read_the_register(stability, http, caller):
    stability.on_case_assigned(assigned(8, "high_risk"))
    stability.caller = caller

    with pytest.raises(Forbidden):
        stability.risk_register(http.get())


def test_only_the_committees_officers_may_feed_its_leads(stability, uow, stability_store, http):
    stability.caller = POLICE_OFFICER
    record = {
        "record_id": "WW-2026-0043",
        "category": "land",
        "division_code": "430426101203",
        "summary": "两村因山林界址多次聚集。",
        "parties": [{"role": "applicant", "name": "甲村村委会"}, {"role": "respondent", "name": "乙村村委会"}],
        "details": {"colour": "yellow"},
    }

    with pytest.raises(Forbidden, match="is not an officer of plc"):
        stability.feed_record(http.post(record))

    assert uow.sent == []
    assert stability_store.records == {}
