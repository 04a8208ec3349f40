"""The coordinator's handlers: triage into referrals, reports only from the agency a unit belongs to, case closure."""

from dataclasses import replace
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.coordinator.dependencies import coordination_for
from services.coordinator.service import Coordinator
from shared.auth.principal import Forbidden, Principal, Role
from shared.clock import now
from shared.contracts.messages import (
    CaseAssigned,
    CaseClosed,
    CaseRegistered,
    CaseResolved,
    FollowUpRated,
    ReferralAccepted,
    ReferralClosed,
    ReferralDeclined,
    ReferralIssued,
    RepeatReportLinked,
    ResultReported,
    UnitDesignated,
)
from shared.http import BadInput
from shared.persistence.errors import NotFound
from shared.refusal import Refused
from tests.fakes.coordinator import FakeCaseStore
from tests.fakes.unit_of_work import FakeUnitOfWork

CASE_ID = "430426-20261122-00001"
OTHER_CASE_ID = "430426-20261122-00002"
POLICE_STATION = "police:430426101"
JUSTICE_OFFICE = "justice:430426101"
ZHANG_SAN_PHONE = "13800138000"
LI_SI_PHONE = "13900139000"

INTAKE_USER = "wuyuan.intake"
POLICE_USER = "wuyuan.police_link"
JUSTICE_USER = "wuyuan.justice_link"
SUPERVISION_USER = "wuyuan.supervision"
# The signed-in member of the coordination group, as the token verifier hands them to the service.
COORDINATOR = Principal("chen.zhuren", "陈主任", frozenset({Role.COORDINATOR}))


@pytest.fixture
def coordinator_store() -> FakeCaseStore:
    return FakeCaseStore()


@pytest.fixture
def uow(coordinator_store) -> FakeUnitOfWork[FakeCaseStore]:
    return FakeUnitOfWork(coordinator_store)


@pytest.fixture
def coordinator(uow, platform) -> Coordinator:
    return worker_factory(
        Coordinator, uow=uow, desk=coordination_for(replace(platform, service="coordinator")), caller=COORDINATOR
    )


def deliver(service: Coordinator, message, broker_user: str) -> None:
    """What the inbox does: the broker vouches for the publishing user, the handler runs."""
    service.sender = broker_user
    service_method = {
        "CaseRegistered": service.on_case_registered,
        "RepeatReportLinked": service.on_repeat_report_linked,
        "ReferralAccepted": service.on_referral_accepted,
        "ResultReported": service.on_result_reported,
        "ReferralDeclined": service.on_referral_declined,
        "FollowUpRated": service.on_follow_up_rated,
    }[message.type]
    service_method(message)


_ids = iter(range(1, 10_000))


def next_message_id() -> UUID:
    return UUID(int=next(_ids))


def police_call(source="police_call", category="neighbour", flags=(), case_id=CASE_ID) -> CaseRegistered:
    return CaseRegistered.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=case_id,
        sender="centre:430426",
        recipient="centre:430426",
        source=source,
        category=category,
        division_code="430426101",
        summary="邻里因宅基地界址争吵，派出所出警后移交调解。",
        flags=list(flags),
        parties=[
            {"role": "applicant", "kind": "person", "name": "张三", "phone": ZHANG_SAN_PHONE},
            {"role": "respondent", "kind": "person", "name": "李四", "phone": LI_SI_PHONE},
        ],
    )


def accepted(referral: ReferralIssued, unit: str | None = None) -> ReferralAccepted:
    return ReferralAccepted.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=unit or referral.recipient,
        recipient="centre:430426",
        referral_id=referral.referral_id,
        officer="刘警官",
    )


def result(referral: ReferralIssued, unit: str | None = None, outcome="resolved") -> ResultReported:
    return ResultReported.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=unit or referral.recipient,
        recipient="centre:430426",
        referral_id=referral.referral_id,
        officer="刘警官",
        outcome=outcome,
        summary="双方达成调解协议，重新划定界址。",
    )


def referral_to(uow, unit: str) -> ReferralIssued:
    [referral] = [m for m in uow.sent_of(ReferralIssued) if m.recipient == unit]
    return referral


@pytest.fixture
def triaged(coordinator, uow):
    """A police call triaged to the township's police station (lead) and justice office (co-unit)."""
    deliver(coordinator, police_call(), INTAKE_USER)
    return referral_to(uow, POLICE_STATION), referral_to(uow, JUSTICE_OFFICE)


# --- triage ------------------------------------------------------------------------------


def test_a_referral_names_the_feeding_agencys_record_the_case_came_from(coordinator, uow):
    filing = police_call(source="court_filing", category="debt").model_copy(
        update={"source_record_id": "(2026)湘0426民诉前123号"}
    )
    deliver(coordinator, filing, INTAKE_USER)

    referrals = uow.sent_of(ReferralIssued)
    assert referrals and {r.source_record_id for r in referrals} == {"(2026)湘0426民诉前123号"}


def test_the_case_shows_the_feeding_agencys_record_number(coordinator, http):
    filing = police_call(source="petition", category="wages").model_copy(
        update={"source_record_id": "XF430426-2026-0312"}
    )
    deliver(coordinator, filing, INTAKE_USER)

    assert http.body(coordinator.show_case(http.get(), CASE_ID))["source_record_id"] == "XF430426-2026-0312"


def test_a_case_registered_at_the_window_sends_no_record_number(coordinator, uow):
    deliver(coordinator, police_call(source="walk_in"), INTAKE_USER)

    assert {r.source_record_id for r in uow.sent_of(ReferralIssued)} == {None}


def test_triage_issues_one_referral_per_unit_and_announces_the_assignment(coordinator, uow, coordinator_store):
    deliver(coordinator, police_call(), INTAKE_USER)

    referrals = uow.sent_of(ReferralIssued)
    assert sorted((r.recipient, r.role.value) for r in referrals) == [
        (JUSTICE_OFFICE, "co_unit"),
        (POLICE_STATION, "lead"),
    ]
    # One event starts every unit's clock: the assignment carries the referrals with their deadlines.
    assert uow.sent_of(UnitDesignated) == []
    [assigned] = uow.sent_of(CaseAssigned)
    assert (assigned.mode.value, assigned.lead_unit, assigned.co_units) == ("joint", POLICE_STATION, [JUSTICE_OFFICE])
    assert sorted((s.referral_id, s.unit, s.due_at) for s in assigned.referrals) == sorted(
        (r.referral_id, r.recipient, r.due_at) for r in referrals
    )
    assert all(r.due_at > r.occurred_at for r in referrals)
    assert coordinator_store.case(CASE_ID).status.value == "assigned"


def test_only_the_lead_unit_receives_the_parties_phone_numbers(coordinator, uow, triaged):
    lead, co_unit = triaged

    assert [p.phone for p in lead.parties] == [ZHANG_SAN_PHONE, LI_SI_PHONE]
    assert [p.phone for p in co_unit.parties] == [None, None]
    assert [p.name for p in co_unit.parties] == ["张三", "李四"]


def test_a_consultation_settled_at_the_window_goes_straight_to_the_follow_up(coordinator, uow):
    deliver(coordinator, police_call(source="walk_in", category="consultation"), INTAKE_USER)

    assert uow.sent_of(ReferralIssued) == []
    [resolved] = uow.sent_of(CaseResolved)
    assert resolved.lead_unit is None


def test_case_facts_name_the_cases_source_in_their_routing_key(coordinator, uow):
    deliver(coordinator, police_call(), INTAKE_USER)
    deliver(coordinator, police_call(source="walk_in", category="consultation", case_id=OTHER_CASE_ID), INTAKE_USER)

    [assigned] = [m for m in uow.sent_of(CaseAssigned) if m.case_id == CASE_ID]
    assert uow.routing_keys[assigned.message_id] == "CaseAssigned.police_call"  # police_link may take it
    [resolved] = uow.sent_of(CaseResolved)
    assert resolved.case_id == OTHER_CASE_ID
    assert uow.routing_keys[resolved.message_id] == "CaseResolved.walk_in"  # police_link is not bound to it
    [referral, *_] = uow.sent_of(ReferralIssued)
    assert uow.routing_keys[referral.message_id] == f"police_link.{referral.type}"  # documents as before


def test_case_facts_name_the_cases_flags_after_its_source_so_stability_may_take_the_risky_ones(coordinator, uow):
    deliver(coordinator, police_call(flags=("violence_risk", "group")), INTAKE_USER)
    deliver(coordinator, police_call(source="walk_in", category="consultation", case_id=OTHER_CASE_ID), INTAKE_USER)

    [assigned] = [m for m in uow.sent_of(CaseAssigned) if m.case_id == CASE_ID]
    assert uow.routing_keys[assigned.message_id] == "CaseAssigned.police_call.group.violence_risk"
    [resolved] = uow.sent_of(CaseResolved)
    assert uow.routing_keys[resolved.message_id] == "CaseResolved.walk_in"  # a case with no flags, as before


def test_a_redelivered_case_registered_is_triaged_once(coordinator, uow):
    message = police_call()

    deliver(coordinator, message, INTAKE_USER)
    deliver(coordinator, message, INTAKE_USER)

    assert len(uow.sent_of(ReferralIssued)) == 2
    assert len(uow.sent_of(CaseAssigned)) == 1


def test_a_case_registered_published_by_an_agency_is_rejected(coordinator, uow, coordinator_store):
    with pytest.raises(Refused, match=INTAKE_USER):
        deliver(coordinator, police_call(), POLICE_USER)

    assert coordinator_store.rows == {}
    assert uow.sent == []


# --- reports from the units ---------------------------------------------------------------


def test_a_result_published_by_another_agencys_service_is_rejected(coordinator, uow, coordinator_store, triaged):
    lead, _ = triaged
    sent_before = len(uow.sent)

    with pytest.raises(Refused, match=POLICE_USER):
        deliver(coordinator, result(lead), JUSTICE_USER)

    assert len(uow.sent) == sent_before
    assert coordinator_store.case(CASE_ID).referral(lead.referral_id).status.value == "issued"


def test_a_unit_cannot_report_a_result_on_another_units_referral(coordinator, uow, coordinator_store, triaged):
    lead, _ = triaged
    sent_before = len(uow.sent)

    with pytest.raises(Refused, match="wrong_unit"):
        deliver(coordinator, result(lead, unit=JUSTICE_OFFICE), JUSTICE_USER)

    assert len(uow.sent) == sent_before
    assert uow.rollbacks == 1
    assert coordinator_store.case(CASE_ID).referral(lead.referral_id).outcome is None


def test_a_unit_accepting_again_is_taken_quietly_and_changes_nothing(coordinator, uow, coordinator_store, triaged):
    """The police service's database was restored to before its 签收, and its officer redid it as `wuyuan reconcile`
    said: a new message id for an acceptance the centre holds. No refusal (so no dead letter, no MessageRejected,
    no 拒收反馈 on the timeline); the case, its time of update and its timeline stay as they were."""
    lead, _ = triaged
    deliver(coordinator, accepted(lead), POLICE_USER)
    row = dict(coordinator_store.rows[CASE_ID])
    timeline, sent = list(coordinator_store.timeline[CASE_ID]), len(uow.sent)
    again = accepted(lead)

    deliver(coordinator, again, POLICE_USER)

    assert again.message_id in uow.claimed
    assert coordinator_store.rows[CASE_ID] == row
    assert coordinator_store.timeline[CASE_ID] == timeline
    assert len(uow.sent) == sent


def test_a_unit_reporting_its_result_or_decline_again_changes_nothing(coordinator, uow, coordinator_store, triaged):
    lead, co_unit = triaged
    deliver(coordinator, accepted(lead), POLICE_USER)
    deliver(coordinator, result(lead), POLICE_USER)
    deliver(coordinator, declined(co_unit), JUSTICE_USER)
    row = dict(coordinator_store.rows[CASE_ID])
    timeline, sent = list(coordinator_store.timeline[CASE_ID]), len(uow.sent)

    deliver(coordinator, result(lead), POLICE_USER)
    deliver(coordinator, declined(co_unit), JUSTICE_USER)

    assert coordinator_store.rows[CASE_ID] == row
    assert coordinator_store.timeline[CASE_ID] == timeline
    assert len(uow.sent) == sent
    # A different result is no repeat: refused, as any report on a closed referral.
    with pytest.raises(Refused, match="referral_closed"):
        deliver(coordinator, result(lead, outcome="unresolved"), POLICE_USER)


def test_an_acceptance_handled_after_the_units_result_is_kept_without_reopening(
    coordinator, uow, coordinator_store, triaged
):
    lead, _ = triaged
    acceptance = accepted(lead)
    deliver(coordinator, result(lead), POLICE_USER)

    deliver(coordinator, acceptance, POLICE_USER)

    assert coordinator_store.case(CASE_ID).referral(lead.referral_id).status.value == "reported"
    assert coordinator_store.timeline[CASE_ID][-1]["kind"] == "referral_accepted"
    assert acceptance.message_id in uow.claimed


def test_a_report_about_an_unknown_case_is_retried_rather_than_rejected(coordinator, uow):
    stray = ReferralAccepted.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id="430426-20261122-00077",
        sender=POLICE_STATION,
        recipient="centre:430426",
        referral_id=UUID(int=77),
        officer="刘警官",
    )

    # NotFound is not Refused: the inbox parks it for a later retry, in case the case arrives late.
    with pytest.raises(NotFound):
        deliver(coordinator, stray, POLICE_USER)
    assert stray.message_id not in uow.claimed


def test_results_from_both_units_resolve_the_case_and_a_satisfied_rating_closes_it(
    coordinator, uow, coordinator_store, triaged
):
    lead, co_unit = triaged
    for referral, user in ((lead, POLICE_USER), (co_unit, JUSTICE_USER)):
        deliver(coordinator, accepted(referral), user)
        deliver(coordinator, result(referral), user)

    # The lead's part ended while the co-unit worked on; the co-unit's result ended the round.
    assert [c.unit for c in uow.sent_of(ReferralClosed)] == [POLICE_STATION]
    [resolved] = uow.sent_of(CaseResolved)
    assert (resolved.lead_unit, resolved.round) == (POLICE_STATION, 1)

    rating = FollowUpRated.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
        sender="centre:430426",
        recipient="centre:430426",
        rating="satisfied",
        rated_by="zhou.hui",
    )
    deliver(coordinator, rating, SUPERVISION_USER)

    [closed] = uow.sent_of(CaseClosed)
    assert closed.rating.value == "satisfied"
    assert coordinator_store.case(CASE_ID).status.value == "closed"
    closing = coordinator_store.timeline[CASE_ID][-1]
    assert (closing["kind"], closing["detail"]["rated_by"]) == ("case_closed", "zhou.hui")


def test_a_rating_before_the_case_is_resolved_is_rejected(coordinator, uow, triaged):
    rating = FollowUpRated.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
        sender="centre:430426",
        recipient="centre:430426",
        rating="satisfied",
    )

    with pytest.raises(Refused, match="wrong_status"):
        deliver(coordinator, rating, SUPERVISION_USER)


def test_a_repeat_report_is_counted_on_the_case(coordinator, coordinator_store, triaged):
    repeat = RepeatReportLinked.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
        sender="centre:430426",
        recipient="centre:430426",
        source="hotline",
        reason="same parties and category within 30 days",
    )

    deliver(coordinator, repeat, INTAKE_USER)

    assert coordinator_store.case(CASE_ID).repeat_reports == 1
    assert coordinator_store.timeline[CASE_ID][-1]["kind"] == "repeat_linked"


def test_a_petition_linked_as_a_repeat_brings_the_county_s_petition_bureau_in_naming_the_petition(
    coordinator, coordinator_store, uow, triaged
):
    repeat = RepeatReportLinked.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
        sender="centre:430426",
        recipient="centre:430426",
        source="petition",
        source_record_id="XF-2026-0311",
        reason="same parties and category within 30 days",
    )

    deliver(coordinator, repeat, INTAKE_USER)

    [joined] = [m for m in uow.sent_of(ReferralIssued) if m.recipient.startswith("petition:")]
    assert (joined.recipient, joined.role.value, joined.source_record_id) == (
        "petition:430426",
        "co_unit",
        "XF-2026-0311",
    )
    assert joined.source.value == "police_call"  # the case's own source, as every referral of it says
    assert joined.parties[0].phone is None  # a co-unit: names and roles only
    assert [r.unit for r in coordinator_store.case(CASE_ID).referrals if r.is_open][-1] == "petition:430426"


# --- centre staff ------------------------------------------------------------------------


def test_staff_see_the_case_with_its_lead_co_units_and_timeline(coordinator, http, triaged):
    response = coordinator.show_case(http.get(), CASE_ID)

    assert response.status_code == 200
    view = http.body(response)
    assert (view["status"], view["mode"], view["lead_unit"]) == ("assigned", "joint", POLICE_STATION)
    assert view["co_units"] == [JUSTICE_OFFICE]
    assert [line["kind"] for line in view["timeline"]] == ["case_triaged", "referral_issued", "referral_issued"]


def test_listing_cases_by_an_unknown_status_names_the_status_field(coordinator, http):
    with pytest.raises(BadInput) as refused:
        coordinator.list_cases(http.get({"status": "lost"}))

    assert refused.value.fields[0]["field"] == "status"


def test_assigning_by_hand_to_an_unknown_agency_names_the_unit_field(coordinator, http, triaged):
    with pytest.raises(BadInput) as refused:
        coordinator.assign(http.post({"unit": "fire:430426"}), CASE_ID)

    assert [f["field"] for f in refused.value.fields] == ["unit"]


def test_a_staff_name_typed_into_the_body_is_refused(coordinator, http, triaged):
    with pytest.raises(BadInput) as refused:
        coordinator.assign(http.post({"unit": "court:430426", "staff": "王主任"}), CASE_ID)

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("staff", "extra_forbidden")]


def test_assigning_by_hand_records_the_signed_in_coordinator_on_the_timeline(coordinator, uow, http, triaged):
    _decline_until_staff_must_assign(coordinator, uow, http)

    view = http.body(coordinator.assign(http.post({"unit": "court:430426"}), CASE_ID))

    assert (view["status"], view["lead_unit"]) == ("assigned", "court:430426")
    [line] = [line for line in view["timeline"] if line["kind"] == "manually_assigned"]
    assert line["detail"]["staff"] == "chen.zhuren"


def test_only_the_holding_centres_staff_fill_a_gap_by_hand(coordinator, uow, http, triaged):
    """A township's coordinator cannot fill the gap of a case another centre holds, as they cannot call units in."""
    _decline_until_staff_must_assign(coordinator, uow, http)
    sent_before = len(uow.sent)
    coordinator.caller = Principal(
        "li.ganshi", "李干事", frozenset({Role.COORDINATOR}), frozenset({"centre:430426102"})
    )

    with pytest.raises(Forbidden, match="is held by centre:430426"):
        coordinator.assign(http.post({"unit": "court:430426"}), CASE_ID)

    assert _status(coordinator, http) == "awaiting_manual_triage"
    assert len(uow.sent) == sent_before


def test_a_gap_is_filled_only_by_a_unit_of_the_county(coordinator, uow, http, triaged):
    """A referral to another county's court would reach no officer here, and the case would stall."""
    _decline_until_staff_must_assign(coordinator, uow, http)
    sent_before = len(uow.sent)

    with pytest.raises(Refused, match="police:110101 is not a unit of the county 430426"):
        coordinator.assign(http.post({"unit": "police:110101"}), CASE_ID)

    assert _status(coordinator, http) == "awaiting_manual_triage"
    assert len(uow.sent) == sent_before


def test_a_gap_is_filled_only_by_a_unit_at_a_township_the_county_has(coordinator, uow, http, triaged):
    """430426199 is under the county's code, but no township of it (config/divisions.toml): no officer is there."""
    _decline_until_staff_must_assign(coordinator, uow, http)
    sent_before = len(uow.sent)

    with pytest.raises(Refused) as refused:
        coordinator.assign(http.post({"unit": "police:430426199"}), CASE_ID)

    assert (refused.value.code, refused.value.detail) == ("bad_unit", {"unit": "police:430426199"})
    assert _status(coordinator, http) == "awaiting_manual_triage"
    assert len(uow.sent) == sent_before


def test_a_gap_is_not_filled_by_a_unit_below_its_agencys_level(coordinator, uow, http, triaged):
    """Courts stand at the county: no officer account can be bound to a court at 砖塘镇, so a referral to it would
    never be accepted and the case would stall where nobody sees it."""
    _decline_until_staff_must_assign(coordinator, uow, http)
    sent_before = len(uow.sent)

    with pytest.raises(Refused) as refused:
        coordinator.assign(http.post({"unit": "court:430426101"}), CASE_ID)

    assert refused.value.code == "below_agency_level"
    assert refused.value.detail == {"unit": "court:430426101", "agency": "court", "unit_for_place": "court:430426"}
    assert "court:430426101 (砖塘镇人民法院) is below court's units" in refused.value.reason
    assert _status(coordinator, http) == "awaiting_manual_triage"
    assert len(uow.sent) == sent_before


def test_the_triage_queue_says_why_each_case_waits_and_which_units_declined_it(coordinator, uow, http, triaged):
    _decline_until_staff_must_assign(coordinator, uow, http)
    leads = [m.recipient for m in uow.sent_of(ReferralIssued) if m.role.value == "lead"]

    [row] = http.body(coordinator.list_cases(http.get({"status": "awaiting_manual_triage"})))["cases"]

    assert row["case_id"] == CASE_ID
    assert row["declined_units"] == sorted(set(leads))
    [gap] = row["gaps"]
    assert (gap["role"], gap["code"], gap["unit"]) == ("lead", "lead_declined", leads[-1])
    # The case's own page says the same.
    shown = http.body(coordinator.show_case(http.get(), CASE_ID))
    assert (shown["declined_units"], shown["gaps"]) == (row["declined_units"], row["gaps"])


def _decline_until_staff_must_assign(coordinator, uow, http) -> None:
    """Each lead declines in turn until no competent unit is left and the case waits for centre staff."""
    assert _status(coordinator, http) == "assigned"
    for _ in range(5):
        if _status(coordinator, http) == "awaiting_manual_triage":
            break
        current = [m for m in uow.sent_of(ReferralIssued) if m.role.value == "lead"][-1]
        coordinator.sender = f"wuyuan.{uow.registry.service_for_unit(current.recipient)}"
        coordinator.on_referral_declined(declined(current))
    assert _status(coordinator, http) == "awaiting_manual_triage"


def _status(coordinator, http) -> str:
    return str(http.body(coordinator.show_case(http.get(), CASE_ID))["status"])


def declined(referral: ReferralIssued) -> ReferralDeclined:
    return ReferralDeclined.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=referral.recipient,
        recipient="centre:430426",
        referral_id=referral.referral_id,
        officer="liu.yang",
        reason="不属于本单位职责。",
    )


def test_the_centre_forgets_the_parties_phones_once_the_lead_has_accepted(coordinator, uow, coordinator_store, triaged):
    lead, co_unit = triaged
    case_id = lead.case_id
    phones = lambda: [p["phone"] for p in coordinator_store.rows[case_id]["registered"]["parties"]]  # noqa: E731

    deliver(coordinator, accepted(co_unit), JUSTICE_USER)
    assert phones() == [ZHANG_SAN_PHONE, LI_SI_PHONE]  # a co-unit taking part changes nothing

    deliver(coordinator, accepted(lead), POLICE_USER)
    assert phones() == [None, None]
    assert [p["name"] for p in coordinator_store.rows[case_id]["registered"]["parties"]] == ["张三", "李四"]
