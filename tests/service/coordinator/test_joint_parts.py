"""共同办: the units of a joint case read each other's parts at the centre, beside where their referral's case is held:
the lead what each co-unit came to, with the mediators' signed agreement (a court confirms it, the petition bureau
replies to the petitioner with it); a co-unit the lead's part. Co-units do not read each other's."""

from dataclasses import replace

import pytest
from nameko.testing.services import worker_factory

from services.coordinator.dependencies import coordination_for
from services.coordinator.service import Coordinator
from shared.auth.principal import Principal, Role
from shared.clock import now
from shared.contracts.messages import FollowUpRated, ReferralIssued, ResultReported
from tests.service.coordinator.test_coordinator_service import (
    CASE_ID,
    INTAKE_USER,
    JUSTICE_OFFICE,
    JUSTICE_USER,
    POLICE_STATION,
    POLICE_USER,
    SUPERVISION_USER,
    accepted,
    declined,
    deliver,
    next_message_id,
    police_call,
    referral_to,
    result,
)

AGREEMENT = {
    "number": "砖司调字〔2026〕第18号",
    "signed_on": "2026-11-22",
    "terms": "李四于十日内拆除越界围墙，张三（电话13800138000）不再主张赔偿。",
}


def officer_of(unit: str) -> Principal:
    return Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({unit}))


def at_the_centre(uow, platform, http, referral, unit: str) -> dict:
    desk = coordination_for(replace(platform, service="coordinator"))
    asking = worker_factory(Coordinator, uow=uow, desk=desk, caller=officer_of(unit))
    return http.body(asking.referral_at_the_centre(http.get(), CASE_ID, str(referral.referral_id)))


@pytest.fixture
def mediated(coordinator, uow):
    """The station leads a police call; the township's mediators, co-unit, settle it with a signed agreement."""
    deliver(coordinator, police_call(), INTAKE_USER)
    lead, co_unit = referral_to(uow, POLICE_STATION), referral_to(uow, JUSTICE_OFFICE)
    deliver(coordinator, accepted(co_unit), JUSTICE_USER)
    report = ResultReported.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=JUSTICE_OFFICE,
        recipient="centre:430426",
        referral_id=co_unit.referral_id,
        officer="zhao.lei",
        result="mediated",
        agreement=AGREEMENT,
        summary="经司法所调解，双方签订人民调解协议书（联系人电话13800138000）。",
    )
    deliver(coordinator, report, JUSTICE_USER)
    return lead, co_unit


def test_the_lead_reads_what_its_co_unit_came_to_with_the_signed_agreement(uow, platform, http, mediated):
    lead, co_unit = mediated

    answer = at_the_centre(uow, platform, http, lead, POLICE_STATION)

    assert answer["role"] == "lead"
    [part] = answer["other_parts"]
    assert (part["unit"], part["role"], part["status"], part["result"], part["outcome"]) == (
        JUSTICE_OFFICE,
        "co_unit",
        "reported",
        "mediated",
        "resolved",
    )
    assert part["referral_id"] == str(co_unit.referral_id) and part["reported_at"] is not None
    assert (part["agreement"]["number"], part["agreement"]["signed_on"]) == ("砖司调字〔2026〕第18号", "2026-11-22")
    # Numbers in what an officer typed are masked, as everywhere the centre shows free text to another unit.
    assert "13800138000" not in part["agreement"]["terms"] and "拆除越界围墙" in part["agreement"]["terms"]
    assert "13800138000" not in part["summary"] and "人民调解协议书" in part["summary"]


def test_a_co_unit_reads_the_leads_part_still_at_work(uow, platform, http, mediated):
    _, co_unit = mediated

    answer = at_the_centre(uow, platform, http, co_unit, JUSTICE_OFFICE)

    assert answer["role"] == "co_unit"
    assert [(p["unit"], p["role"], p["result"], p["agreement"]) for p in answer["other_parts"]] == [
        (POLICE_STATION, "lead", None, None)  # still at work: nothing reported yet
    ]


def test_co_units_do_not_read_each_others_parts(coordinator, uow, platform, http):
    """A group dispute brings the political-legal committee in as a second co-unit beside the mediators."""
    deliver(coordinator, police_call(flags=("group",)), INTAKE_USER)
    co_unit = referral_to(uow, JUSTICE_OFFICE)

    seen_by_the_mediators = at_the_centre(uow, platform, http, co_unit, JUSTICE_OFFICE)["other_parts"]
    seen_by_the_lead = at_the_centre(uow, platform, http, referral_to(uow, POLICE_STATION), POLICE_STATION)

    assert [p["unit"] for p in seen_by_the_mediators] == [POLICE_STATION]
    assert sorted(p["unit"] for p in seen_by_the_lead["other_parts"]) == [JUSTICE_OFFICE, "plc:430426"]


def test_a_co_unit_reads_only_the_lead_the_round_has_now(coordinator, uow, platform, http):
    """The station declines; no other lead is routed, so the centre's staff designate the county court by hand."""
    deliver(coordinator, police_call(), INTAKE_USER)
    first_lead, co_unit = referral_to(uow, POLICE_STATION), referral_to(uow, JUSTICE_OFFICE)
    deliver(coordinator, declined(first_lead), POLICE_USER)
    coordinator.assign(http.post({"unit": "court:430426"}), CASE_ID)
    new_leads = [m for m in uow.sent_of(ReferralIssued) if m.role.value == "lead" and m.recipient != POLICE_STATION]

    seen = at_the_centre(uow, platform, http, co_unit, JUSTICE_OFFICE)["other_parts"]

    assert len(new_leads) == 1
    assert [(p["unit"], p["status"]) for p in seen] == [(new_leads[0].recipient, "issued")]


def test_a_lead_that_declined_reads_nothing_more_of_the_co_units_parts(coordinator, uow, platform, http):
    """The station declines the lead; the mediators go on and settle it with a signed agreement. The station, out of the
    case, reads where the case is held but none of what the mediators did or agreed since."""
    deliver(coordinator, police_call(), INTAKE_USER)
    first_lead, co_unit = referral_to(uow, POLICE_STATION), referral_to(uow, JUSTICE_OFFICE)
    assert [p["unit"] for p in at_the_centre(uow, platform, http, first_lead, POLICE_STATION)["other_parts"]] == [
        JUSTICE_OFFICE
    ]
    deliver(coordinator, declined(first_lead), POLICE_USER)
    deliver(coordinator, accepted(co_unit), JUSTICE_USER)
    deliver(coordinator, result(co_unit), JUSTICE_USER)

    seen = at_the_centre(uow, platform, http, first_lead, POLICE_STATION)

    assert seen["unit"] == POLICE_STATION and seen["other_parts"] == [] and seen["earlier_round"] == []


def test_the_lead_of_a_reopened_round_reads_what_every_unit_did_and_agreed_in_the_round_before(
    coordinator, uow, platform, http, mediated
):
    """The citizen is dissatisfied: the station takes the case up again against the agreement the mediators made."""
    lead, _ = mediated
    deliver(coordinator, accepted(lead), POLICE_USER)
    deliver(coordinator, result(lead), POLICE_USER)
    rating = FollowUpRated.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
        sender="centre:430426",
        recipient="centre:430426",
        rating="dissatisfied",
        comment="围墙还没拆",
        rated_by="zhou.hui",
    )
    deliver(coordinator, rating, SUPERVISION_USER)
    [round_two] = [m for m in uow.sent_of(ReferralIssued) if m.recipient == POLICE_STATION and m.round == 2]

    answer = at_the_centre(uow, platform, http, round_two, POLICE_STATION)

    assert [(p["unit"], p["role"], p["result"]) for p in answer["earlier_round"]] == [
        (POLICE_STATION, "lead", "handled"),
        (JUSTICE_OFFICE, "co_unit", "mediated"),
    ]
    assert answer["earlier_round"][1]["agreement"]["number"] == "砖司调字〔2026〕第18号"
    assert at_the_centre(uow, platform, http, lead, POLICE_STATION)["earlier_round"] == []  # the first round has none
