"""The coordinator's handlers: triage into referrals, reports only from the agency a unit belongs to, case closure."""

import json
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory
from pydantic import TypeAdapter

from services.coordinator import store
from services.coordinator.domain import Case
from services.coordinator.service import Coordinator
from shared.clock import now
from shared.contracts.messages import (
    CaseAssigned,
    CaseClosed,
    CaseRegistered,
    CaseResolved,
    FollowUpRated,
    ReferralAccepted,
    ReferralClosed,
    ReferralIssued,
    RepeatReportLinked,
    ResultReported,
    UnitDesignated,
)
from shared.http import BadInput
from shared.messaging.inbox import Rejected
from shared.persistence.errors import Conflict, NotFound

CASE_ID = "430426-20261122-00001"
POLICE_STATION = "police:430426101"
JUSTICE_OFFICE = "justice:430426101"
ZHANG_SAN_PHONE = "13800138000"
LI_SI_PHONE = "13900139000"

INTAKE_USER = "wuyuan.intake"
POLICE_USER = "wuyuan.police_link"
JUSTICE_USER = "wuyuan.justice_link"
SUPERVISION_USER = "wuyuan.supervision"

_case_codec = TypeAdapter(Case)


class FakeCoordinatorStore:
    """Cases kept as the JSON documents the real store writes, so state must survive a round trip."""

    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}
        self.timeline: dict[str, list[dict]] = {}

    def add_case(self, uow, case, registered, trace, at):
        if case.case_id in self.rows:
            raise Conflict(f"duplicate case {case.case_id}")
        self.rows[case.case_id] = {
            "state": _as_json(_case_codec.dump_python(case, mode="json")),
            "registered": _as_json(registered),
            "trace": trace,
            "updated_at": at,
        }

    def lock_case(self, uow, case_id):
        row = self._row(case_id)
        return _case_codec.validate_python(row["state"]), row["registered"], row["trace"]

    def save_case(self, uow, case, at):
        row = self._row(case.case_id)
        row["state"] = _as_json(_case_codec.dump_python(case, mode="json"))
        row["updated_at"] = at

    def append_timeline(self, uow, case_id, entries):
        lines = self.timeline.setdefault(case_id, [])
        for entry in entries:
            assert entry.seq == len(lines) + 1, "timeline numbers must run on without gaps"
            lines.append({"seq": entry.seq, "at": entry.at, "kind": entry.kind.value, "detail": _as_json(entry.detail)})

    def read_case(self, uow, case_id):
        case, registered, trace = self.lock_case(uow, case_id)
        return case, registered, trace, list(self.timeline.get(case_id, []))

    def list_cases(self, uow, status, limit):
        rows = [
            {"case_id": k, "status": self.case(k).status.value, "updated_at": r["updated_at"]}
            for k, r in self.rows.items()
        ]
        return [r for r in rows if status is None or r["status"] == status][:limit]

    def count_by_status(self, uow):
        counts: dict[str, int] = {}
        for case_id in self.rows:
            status = self.case(case_id).status.value
            counts[status] = counts.get(status, 0) + 1
        return counts

    def case(self, case_id: str) -> Case:
        return _case_codec.validate_python(self._row(case_id)["state"])

    def _row(self, case_id: str) -> dict:
        if case_id not in self.rows:
            raise NotFound(f"no case {case_id}")
        return self.rows[case_id]


def _as_json(value):
    """What a jsonb column gives back."""
    return json.loads(json.dumps(value, default=str))


@pytest.fixture
def coordinator_store(install_store) -> FakeCoordinatorStore:
    return install_store(store, FakeCoordinatorStore())


@pytest.fixture
def coordinator(run_as, db, coordinator_store) -> Coordinator:
    run_as("coordinator")
    return worker_factory(Coordinator, db=db, sender_user=INTAKE_USER)


def deliver(service: Coordinator, message, broker_user: str) -> None:
    """What the inbox does: the broker vouches for the publishing user, the handler runs."""
    service.sender_user = broker_user
    service_method = {
        "CaseRegistered": service.on_case_registered,
        "RepeatReportLinked": service.on_repeat_linked,
        "ReferralAccepted": service.on_accepted,
        "ResultReported": service.on_result,
        "FollowUpRated": service.on_rated,
    }[message.type]
    service_method(message)


_ids = iter(range(1, 10_000))


def next_message_id() -> UUID:
    return UUID(int=next(_ids))


def police_call(source="police_call", category="neighbour", flags=()) -> CaseRegistered:
    return CaseRegistered.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
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


def referral_to(db, unit: str) -> ReferralIssued:
    [referral] = [m for m in db.sent_of(ReferralIssued) if m.recipient == unit]
    return referral


@pytest.fixture
def triaged(coordinator, db):
    """A police call triaged to the township's police station (lead) and justice office (co-unit)."""
    deliver(coordinator, police_call(), INTAKE_USER)
    return referral_to(db, POLICE_STATION), referral_to(db, JUSTICE_OFFICE)


# --- triage ------------------------------------------------------------------------------


def test_triage_issues_one_referral_per_unit_and_announces_the_assignment(coordinator, db, coordinator_store):
    deliver(coordinator, police_call(), INTAKE_USER)

    referrals = db.sent_of(ReferralIssued)
    assert sorted((r.recipient, r.role.value) for r in referrals) == [
        (JUSTICE_OFFICE, "co_unit"),
        (POLICE_STATION, "lead"),
    ]
    # One event starts every unit's clock: the assignment carries the referrals with their deadlines.
    assert db.sent_of(UnitDesignated) == []
    [assigned] = db.sent_of(CaseAssigned)
    assert (assigned.mode.value, assigned.lead_unit, assigned.co_units) == ("joint", POLICE_STATION, [JUSTICE_OFFICE])
    assert sorted((s.referral_id, s.unit, s.due_at) for s in assigned.referrals) == sorted(
        (r.referral_id, r.recipient, r.due_at) for r in referrals
    )
    assert all(r.due_at > r.occurred_at for r in referrals)
    assert coordinator_store.case(CASE_ID).status.value == "assigned"


def test_only_the_lead_unit_receives_the_parties_phone_numbers(coordinator, db, triaged):
    lead, co_unit = triaged

    assert [p.phone for p in lead.parties] == [ZHANG_SAN_PHONE, LI_SI_PHONE]
    assert [p.phone for p in co_unit.parties] == [None, None]
    assert [p.name for p in co_unit.parties] == ["张三", "李四"]


def test_a_consultation_settled_at_the_window_goes_straight_to_the_follow_up(coordinator, db):
    deliver(coordinator, police_call(source="walk_in", category="consultation"), INTAKE_USER)

    assert db.sent_of(ReferralIssued) == []
    [resolved] = db.sent_of(CaseResolved)
    assert resolved.lead_unit is None


def test_a_redelivered_case_registered_is_triaged_once(coordinator, db):
    message = police_call()

    deliver(coordinator, message, INTAKE_USER)
    deliver(coordinator, message, INTAKE_USER)

    assert len(db.sent_of(ReferralIssued)) == 2
    assert len(db.sent_of(CaseAssigned)) == 1


def test_a_case_registered_published_by_an_agency_is_rejected(coordinator, db, coordinator_store):
    with pytest.raises(Rejected, match=INTAKE_USER):
        deliver(coordinator, police_call(), POLICE_USER)

    assert coordinator_store.rows == {}
    assert db.sent == []


# --- reports from the units ---------------------------------------------------------------


def test_a_result_published_by_another_agencys_service_is_rejected(coordinator, db, coordinator_store, triaged):
    lead, _ = triaged
    sent_before = len(db.sent)

    with pytest.raises(Rejected, match=POLICE_USER):
        deliver(coordinator, result(lead), JUSTICE_USER)

    assert len(db.sent) == sent_before
    assert coordinator_store.case(CASE_ID).referral(lead.referral_id).status.value == "issued"


def test_a_unit_cannot_report_a_result_on_another_units_referral(coordinator, db, coordinator_store, triaged):
    lead, _ = triaged
    sent_before = len(db.sent)

    with pytest.raises(Rejected, match="wrong_unit"):
        deliver(coordinator, result(lead, unit=JUSTICE_OFFICE), JUSTICE_USER)

    assert len(db.sent) == sent_before
    assert db.rollbacks == 1
    assert coordinator_store.case(CASE_ID).referral(lead.referral_id).outcome is None


def test_accepting_a_referral_twice_is_rejected(coordinator, db, triaged):
    lead, _ = triaged
    deliver(coordinator, accepted(lead), POLICE_USER)

    with pytest.raises(Rejected, match="already_accepted"):
        deliver(coordinator, accepted(lead), POLICE_USER)


def test_an_acceptance_handled_after_the_units_result_is_kept_without_reopening(
    coordinator, db, coordinator_store, triaged
):
    lead, _ = triaged
    acceptance = accepted(lead)
    deliver(coordinator, result(lead), POLICE_USER)

    deliver(coordinator, acceptance, POLICE_USER)

    assert coordinator_store.case(CASE_ID).referral(lead.referral_id).status.value == "reported"
    assert coordinator_store.timeline[CASE_ID][-1]["kind"] == "referral_accepted"
    assert acceptance.message_id in db.claimed


def test_a_report_about_an_unknown_case_is_retried_rather_than_rejected(coordinator, db):
    stray = ReferralAccepted.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id="430426-20261122-00077",
        sender=POLICE_STATION,
        recipient="centre:430426",
        referral_id=UUID(int=77),
        officer="刘警官",
    )

    # NotFound is not Rejected: the inbox parks it for a later retry, in case the case arrives late.
    with pytest.raises(NotFound):
        deliver(coordinator, stray, POLICE_USER)
    assert stray.message_id not in db.claimed


def test_results_from_both_units_resolve_the_case_and_a_satisfied_rating_closes_it(
    coordinator, db, coordinator_store, triaged
):
    lead, co_unit = triaged
    for referral, user in ((lead, POLICE_USER), (co_unit, JUSTICE_USER)):
        deliver(coordinator, accepted(referral), user)
        deliver(coordinator, result(referral), user)

    # The lead's part ended while the co-unit worked on; the co-unit's result ended the round.
    assert [c.unit for c in db.sent_of(ReferralClosed)] == [POLICE_STATION]
    [resolved] = db.sent_of(CaseResolved)
    assert (resolved.lead_unit, resolved.round) == (POLICE_STATION, 1)

    rating = FollowUpRated.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
        sender="centre:430426",
        recipient="centre:430426",
        rating="satisfied",
    )
    deliver(coordinator, rating, SUPERVISION_USER)

    [closed] = db.sent_of(CaseClosed)
    assert closed.rating.value == "satisfied"
    assert coordinator_store.case(CASE_ID).status.value == "closed"


def test_a_rating_before_the_case_is_resolved_is_rejected(coordinator, db, triaged):
    rating = FollowUpRated.build(
        message_id=next_message_id(),
        occurred_at=now(),
        case_id=CASE_ID,
        sender="centre:430426",
        recipient="centre:430426",
        rating="satisfied",
    )

    with pytest.raises(Rejected, match="wrong_status"):
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
        coordinator.assign(http.post({"unit": "fire:430426", "staff": "王主任"}), CASE_ID)

    assert [f["field"] for f in refused.value.fields] == ["unit"]
