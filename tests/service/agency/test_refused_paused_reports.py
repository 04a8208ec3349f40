"""A result or decline sent while the clock stood still, then refused by the centre: the police station and the
coordinator, each with its own store, still agree that the clock is paused, and the station's resume is taken."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.coordinator.dependencies import coordination_for
from services.coordinator.service import Coordinator
from services.police_link.service import PoliceLink
from shared.auth.principal import Principal, Role
from shared.contracts.envelope import Envelope
from shared.contracts.messages import (
    CaseRegistered,
    ClockPaused,
    ClockResumed,
    ReferralAccepted,
    ReferralDeadlineChanged,
    ReferralDeclined,
    ReferralIssued,
    ResultReported,
)
from shared.platform import Platform
from shared.refusal import Refused
from shared.rejections import notice_for, read_refusal
from tests.fakes.agency import FakeAgencyStore
from tests.fakes.coordinator import FakeCaseStore
from tests.fakes.unit_of_work import FakeUnitOfWork

CST = timezone(timedelta(hours=8))
CASE_ID = "430426-20250915-00001"
POLICE_STATION = "police:430426101"
CENTRE = "centre:430426"
INTAKE_USER = "wuyuan.intake"
POLICE_USER = "wuyuan.police_link"
COORDINATOR_USER = "wuyuan.coordinator"
STATION_OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({POLICE_STATION}))
# A police call on Monday 15 September 2025; ten working days end on Sunday 28 September (调休).
REGISTERED = datetime(2025, 9, 15, 9, 0, tzinfo=CST)
DUE = datetime(2025, 9, 28, 17, 30, tzinfo=CST)
# 伤情鉴定 from Wednesday 17 September 10:00 to Friday 19 September 10:00: two working days.
PAUSED = datetime(2025, 9, 17, 10, 0, tzinfo=CST)
RESUMED = datetime(2025, 9, 19, 10, 0, tzinfo=CST)
MOVED_DUE = datetime(2025, 9, 30, 17, 30, tzinfo=CST)
APPRAISAL = {"reason": "appraisal", "note": "等待司法鉴定所出具伤情鉴定意见"}


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class County:
    """The coordinator and a township's police station, each with its own store, passing each other's messages
    as the broker would (through their JSON), each under its own broker user."""

    def __init__(self, platform: Platform) -> None:
        self.clock = Clock(REGISTERED)
        self.centre_platform = replace(platform, service="coordinator", now=self.clock)
        self.centre_uow = FakeUnitOfWork(FakeCaseStore())
        self.centre = worker_factory(Coordinator, uow=self.centre_uow, desk=coordination_for(self.centre_platform))
        self.station_uow = FakeUnitOfWork(FakeAgencyStore())
        self.station = worker_factory(
            PoliceLink,
            uow=self.station_uow,
            platform=replace(platform, service="police_link", now=self.clock),
            sender=COORDINATOR_USER,
            caller=STATION_OFFICER,
        )
        self.referral_id = self._issue()

    def _issue(self) -> UUID:
        self.centre.sender = INTAKE_USER
        self.centre.on_case_registered(
            CaseRegistered.build(
                message_id=UUID(int=1),
                occurred_at=REGISTERED,
                case_id=CASE_ID,
                sender=CENTRE,
                recipient=CENTRE,
                source="police_call",
                category="neighbour",
                division_code="430426101203",
                summary="两户因宅基地界址发生推搡，一方受伤。",
                flags=[],
                parties=[
                    {"role": "applicant", "kind": "person", "name": "张三", "phone": "13800138000"},
                    {"role": "respondent", "kind": "person", "name": "李四"},
                ],
            )
        )
        [issued] = [m for m in self.centre_uow.sent_of(ReferralIssued) if m.recipient == POLICE_STATION]
        self.station.on_referral_issued(carried(issued))
        return UUID(str(issued.referral_id))

    def to_centre(self, model: type[Envelope]) -> Any:
        """The station's latest message of `model`, handled by the coordinator."""
        message = carried(self.station_uow.sent_of(model)[-1])
        self.centre.sender = POLICE_USER
        handle = {
            ReferralAccepted: self.centre.on_referral_accepted,
            ClockPaused: self.centre.on_clock_paused,
            ClockResumed: self.centre.on_clock_resumed,
            ResultReported: self.centre.on_result_reported,
        }[model]
        handle(message)
        return message

    def centre_refuses(self, model: type[Envelope], reason: str = "failed") -> None:
        """The coordinator dead-letters the station's latest message of `model` (its handling failed for good),
        and its notice reaches the station, as shared.runtime.refusals builds it."""
        refused = self.station_uow.sent_of(model)[-1]
        refusal = read_refusal(
            "coordinator", POLICE_USER, reason, f"rejected: {reason} after 5 attempts", refused.model_dump_json()
        )
        notice = notice_for(refusal, self.centre_platform, self.clock())
        assert notice is not None
        self.station.sender = COORDINATOR_USER
        self.station.on_message_rejected(carried(notice))

    def act(self, http: Any, action: str, body: dict[str, Any] | None = None) -> None:
        getattr(self.station, action)(http.post(body or {}), str(self.referral_id))

    def station_view(self, http: Any) -> dict[str, Any]:
        return http.body(self.station.show_referral(http.get(), str(self.referral_id)))

    def centre_view(self, http: Any) -> dict[str, Any]:
        case = http.body(self.centre.show_case(http.get(), CASE_ID))
        [referral] = [r for r in case["referrals"] if r["referral_id"] == str(self.referral_id)]
        return referral


def carried(message: Envelope) -> Any:
    """The message as its receiver reads it off the broker: its JSON, validated against its model."""
    return type(message).model_validate_json(message.model_dump_json())


@pytest.fixture
def county(platform) -> County:
    return County(platform)


@pytest.fixture
def paused(county, http) -> County:
    """The station accepted the referral and paused its clock for an appraisal; the coordinator took both."""
    county.act(http, "accept")
    county.to_centre(ReferralAccepted)
    county.clock.at = PAUSED
    county.act(http, "pause", APPRAISAL)
    county.to_centre(ClockPaused)
    return county


def station_pause(view: dict[str, Any]) -> tuple[Any, ...]:
    since = datetime.fromisoformat(view["paused_at"]) if view["paused_at"] else None
    return (view["status"], since, view["pause_reason"], view["pause_note"], view["pauses"])


def test_a_result_refused_while_paused_leaves_both_sides_paused_and_the_resume_moves_the_deadline(paused, http):
    paused.clock.at = PAUSED + timedelta(hours=4)
    paused.act(http, "result", {"result": "handled", "summary": "已出警调处。"})
    assert paused.station_view(http)["paused_at"] is None  # the centre judges a result as of the pause

    paused.centre_refuses(ResultReported)

    shown = paused.station_view(http)
    assert station_pause(shown) == ("accepted", PAUSED, "appraisal", APPRAISAL["note"], 1)
    assert (shown["result"], shown["refusal"]["reason"]) == (None, "failed")
    centre = paused.centre_view(http)
    assert (centre["status"], centre["paused"], centre["pause_reason"]) == ("accepted", True, "appraisal")

    paused.clock.at = RESUMED
    paused.act(http, "resume")
    resumed = paused.to_centre(ClockResumed)

    assert resumed.pause_number == 1  # the pause the centre holds, not a new one
    centre = paused.centre_view(http)
    assert (centre["paused"], datetime.fromisoformat(centre["due_at"])) == (False, MOVED_DUE)
    [moved] = paused.centre_uow.sent_of(ReferralDeadlineChanged)
    paused.station.on_referral_deadline_changed(carried(moved))
    shown = paused.station_view(http)
    assert (shown["paused_at"], datetime.fromisoformat(shown["due_at"])) == (None, MOVED_DUE)

    paused.act(http, "result", {"result": "handled", "summary": "鉴定意见已出，双方达成和解。"})
    paused.to_centre(ResultReported)
    assert paused.centre_view(http)["status"] == "reported"


def test_a_decline_refused_while_paused_leaves_the_station_paused_and_its_resume_is_taken(paused, http):
    paused.clock.at = PAUSED + timedelta(hours=4)
    paused.act(http, "decline", {"reason": "经查属民间借贷纠纷，不属于本所职责。"})

    paused.centre_refuses(ReferralDeclined)

    shown = paused.station_view(http)
    assert station_pause(shown) == ("accepted", PAUSED, "appraisal", APPRAISAL["note"], 1)
    assert shown["refusal"]["rejected_type"] == "ReferralDeclined"

    paused.clock.at = RESUMED
    paused.act(http, "resume")
    paused.to_centre(ClockResumed)

    centre = paused.centre_view(http)
    assert (centre["paused"], datetime.fromisoformat(centre["due_at"])) == (False, MOVED_DUE)


def test_after_the_refusal_the_station_cannot_pause_again_a_clock_the_centre_holds_paused(paused, http):
    paused.act(http, "result", {"result": "handled", "summary": "已出警调处。"})
    paused.centre_refuses(ResultReported)

    with pytest.raises(Refused, match="already_paused"):
        paused.act(http, "pause", {"reason": "awaiting_party"})

    assert len(paused.station_uow.sent_of(ClockPaused)) == 1
