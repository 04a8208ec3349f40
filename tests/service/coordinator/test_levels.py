"""三级: a township case goes up to the county when a unit declines it as beyond its level or stays overdue,
is flagged for the leaders when overdue at the county, and the holding centre calls departments in (吹哨报到)."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.coordinator.dependencies import coordination_for
from services.coordinator.service import Coordinator
from shared.auth.principal import Forbidden, NotOwn, Principal, Role
from shared.contracts.messages import (
    CaseRegistered,
    EscalateCase,
    ReferralClosed,
    ReferralDeclined,
    ReferralIssued,
    ReferralWithdrawn,
    UnitDesignated,
)
from shared.http import BadInput
from shared.persistence.errors import NotFound
from shared.platform import SenderRefusal
from shared.refusal import Refused
from tests.fakes.coordinator import FakeCaseStore
from tests.fakes.unit_of_work import FakeUnitOfWork
from tests.http_answers import answered

CST = timezone(timedelta(hours=8))
CASE_ID = "430426-20250915-00007"
POLICE_STATION = "police:430426101"
COUNTY_POLICE = "police:430426"
JUSTICE_OFFICE = "justice:430426101"
COUNTY_JUSTICE = "justice:430426"
CENTRE = "centre:430426"
REGISTERED = datetime(2025, 9, 15, 9, 0, tzinfo=CST)  # a Monday; the police call's ten working days end 28 Sep
LATE = datetime(2025, 10, 13, 10, 0, tzinfo=CST)  # past the deadline and the National Day holidays
COUNTY_COORDINATOR = Principal("chen.zhuren", "陈主任", frozenset({Role.COORDINATOR}), frozenset({CENTRE}))
OTHER_TOWNSHIP = Principal("li.ganshi", "李干事", frozenset({Role.COORDINATOR}), frozenset({"centre:430426102"}))


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(REGISTERED)


@pytest.fixture
def uow() -> FakeUnitOfWork[FakeCaseStore]:
    return FakeUnitOfWork(FakeCaseStore())


def coordinator_for(uow, platform, clock, caller: Principal) -> Coordinator:
    desk = coordination_for(replace(platform, service="coordinator", now=clock))
    return worker_factory(Coordinator, uow=uow, desk=desk, caller=caller)


@pytest.fixture
def coordinator(uow, platform, clock) -> Coordinator:
    return coordinator_for(uow, platform, clock, COUNTY_COORDINATOR)


_ids = iter(range(1, 10_000))


def message_id() -> UUID:
    return UUID(int=next(_ids))


def deliver(coordinator: Coordinator, message, broker_user: str) -> None:
    coordinator.sender = broker_user
    handle = {
        "CaseRegistered": coordinator.on_case_registered,
        "ReferralDeclined": coordinator.on_referral_declined,
        "EscalateCase": coordinator.on_escalate_case,
    }[message.type]
    handle(message)


@pytest.fixture
def referrals(coordinator, uow) -> dict[str, ReferralIssued]:
    """A police call from 新塘村: the 砖塘镇 police station leads, its justice office helps."""
    registered = CaseRegistered.build(
        message_id=message_id(),
        occurred_at=REGISTERED,
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        source="police_call",
        category="neighbour",
        division_code="430426101203",
        summary="两户因宅基地界址多次争执，村里调处未果。",
        flags=[],
        parties=[
            {"role": "applicant", "kind": "person", "name": "张三", "phone": "13800138000"},
            {"role": "respondent", "kind": "person", "name": "李四"},
        ],
    )
    deliver(coordinator, registered, "wuyuan.intake")
    return {m.recipient: m for m in uow.sent_of(ReferralIssued)}


def view(coordinator, http) -> dict:
    return http.body(coordinator.show_case(http.get(), CASE_ID))


def beyond_level(referral: ReferralIssued, code: str = "beyond_level") -> ReferralDeclined:
    return ReferralDeclined.build(
        message_id=message_id(),
        occurred_at=REGISTERED,
        case_id=CASE_ID,
        sender=referral.recipient,
        recipient=CENTRE,
        referral_id=referral.referral_id,
        officer="liu.yang",
        reason="涉及多个乡镇的宅基地权属，超出派出所处置能力",
        reason_code=code,
    )


def overdue(referral: ReferralIssued, days: int = 5) -> EscalateCase:
    return EscalateCase.build(
        message_id=message_id(),
        occurred_at=LATE,
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        referral_id=referral.referral_id,
        unit=referral.recipient,
        due_at=referral.due_at,
        overdue_working_days=days,
    )


def test_a_case_led_by_a_township_station_is_held_by_the_township_centre(coordinator, http, referrals):
    case = view(coordinator, http)

    assert (case["centre"], case["level"], case["escalations"]) == ("430426101", "township", [])


def test_a_station_that_declines_as_beyond_its_level_sends_the_case_to_the_county_bureau(
    coordinator, uow, http, referrals
):
    deliver(coordinator, beyond_level(referrals[POLICE_STATION]), "wuyuan.police_link")

    case = view(coordinator, http)
    assert (case["centre"], case["level"], case["lead_unit"], case["status"]) == (
        "430426",
        "county",
        COUNTY_POLICE,
        "assigned",
    )
    [step] = case["escalations"]
    assert (step["cause"], step["from_centre"], step["to_centre"], step["unit"], step["new_unit"]) == (
        "beyond_level",
        "430426101",
        "430426",
        POLICE_STATION,
        COUNTY_POLICE,
    )
    kinds = [line["kind"] for line in case["timeline"]]
    assert kinds[-3:] == ["referral_declined", "case_escalated", "referral_issued"]
    [designated] = uow.sent_of(UnitDesignated)
    assert designated.referral.unit == COUNTY_POLICE


def test_a_station_declining_again_as_beyond_its_level_takes_the_case_up_no_further(coordinator, uow, http, referrals):
    """After the police service's database was restored, its officer redoes the decline `wuyuan reconcile` lists."""
    deliver(coordinator, beyond_level(referrals[POLICE_STATION]), "wuyuan.police_link")
    before, sent = view(coordinator, http), len(uow.sent)

    deliver(coordinator, beyond_level(referrals[POLICE_STATION]), "wuyuan.police_link")  # a new message id

    assert view(coordinator, http) == before
    assert len(uow.sent) == sent


def test_an_ordinary_decline_re_routes_as_before_and_stays_at_the_township(coordinator, http, referrals):
    deliver(coordinator, beyond_level(referrals[POLICE_STATION], "not_competent"), "wuyuan.police_link")

    case = view(coordinator, http)
    assert (case["level"], case["escalations"]) == ("township", [])


def test_an_overdue_co_unit_past_the_threshold_takes_the_case_up_and_its_part_to_the_county(
    coordinator, uow, http, clock, referrals
):
    clock.at = LATE
    deliver(coordinator, overdue(referrals[JUSTICE_OFFICE]), "wuyuan.supervision")

    case = view(coordinator, http)
    assert (case["level"], case["lead_unit"], case["co_units"]) == ("county", POLICE_STATION, [COUNTY_JUSTICE])
    [old] = [r for r in case["referrals"] if r["unit"] == JUSTICE_OFFICE]
    assert old["status"] == "escalated"
    [closed] = uow.sent_of(ReferralClosed)
    assert (closed.unit, closed.reason) == (JUSTICE_OFFICE, "escalated")
    [withdrawn] = uow.sent_of(ReferralWithdrawn)
    assert (withdrawn.recipient, withdrawn.referral_id) == (JUSTICE_OFFICE, referrals[JUSTICE_OFFICE].referral_id)
    assert (withdrawn.reason, withdrawn.successor) == ("escalated", COUNTY_JUSTICE)
    [step] = case["escalations"]
    assert (step["cause"], step["overdue_working_days"], step["new_unit"]) == ("overdue", 5, COUNTY_JUSTICE)


def test_only_supervision_may_ask_for_an_escalation(coordinator, http, clock, referrals):
    clock.at = LATE
    with pytest.raises(Refused) as refused:
        deliver(coordinator, overdue(referrals[JUSTICE_OFFICE]), "wuyuan.justice_link")

    assert refused.value.code == SenderRefusal.WRONG_SENDER
    assert view(coordinator, http)["level"] == "township"


def test_an_escalation_for_a_referral_no_longer_overdue_changes_nothing(coordinator, http, referrals):
    deliver(coordinator, overdue(referrals[JUSTICE_OFFICE]), "wuyuan.supervision")  # the clock says: not late

    case = view(coordinator, http)
    assert (case["level"], case["escalations"]) == ("township", [])


def test_overdue_at_the_county_is_flagged_for_the_leaders_and_stays(coordinator, uow, http, clock, referrals):
    deliver(coordinator, beyond_level(referrals[POLICE_STATION]), "wuyuan.police_link")
    [county] = [m for m in uow.sent_of(ReferralIssued) if m.recipient == COUNTY_POLICE]
    clock.at = LATE

    deliver(coordinator, overdue(county, days=7), "wuyuan.supervision")

    case = view(coordinator, http)
    assert (case["level"], case["lead_unit"]) == ("county", COUNTY_POLICE)
    flag = case["escalations"][-1]
    assert (flag["cause"], flag["to_centre"], flag["overdue_working_days"]) == ("overdue", None, 7)
    assert case["timeline"][-1]["kind"] == "leaders_alerted"


def test_the_holding_centre_calls_a_department_in_as_a_co_unit(coordinator, uow, http, referrals):
    body = {"units": ["petition:430426"], "note": "涉及多户村民联名信访，请信访局报到"}
    # 砖塘镇's centre may call in police and justice only; the county's may call in the petition bureau.
    with pytest.raises(Refused):
        coordinator.call_in(http.post(body), CASE_ID)
    deliver(coordinator, beyond_level(referrals[POLICE_STATION]), "wuyuan.police_link")

    case = http.body(coordinator.call_in(http.post(body), CASE_ID))

    assert case["co_units"] == [JUSTICE_OFFICE, "petition:430426"]
    line = case["timeline"][-2]
    assert (line["kind"], line["detail"]["units"], line["detail"]["staff"]) == (
        "units_called_in",
        ["petition:430426"],
        "chen.zhuren",
    )
    assert uow.sent_of(UnitDesignated)[-1].referral.unit == "petition:430426"


def test_another_townships_coordinator_may_not_call_units_in(uow, platform, clock, http, referrals):
    stranger = coordinator_for(uow, platform, clock, OTHER_TOWNSHIP)

    with pytest.raises(Forbidden):
        stranger.call_in(http.post({"units": [COUNTY_POLICE], "note": "请县公安局报到"}), CASE_ID)


def test_a_call_in_note_keeps_no_id_or_mobile_number_typed_into_it(coordinator, uow, http, referrals):
    deliver(coordinator, beyond_level(referrals[POLICE_STATION]), "wuyuan.police_link")
    note = "请信访局报到，申请人电话13800138000，身份证430426199005201239"

    case = http.body(coordinator.call_in(http.post({"units": ["petition:430426"], "note": note}), CASE_ID))

    [line] = [line for line in case["timeline"] if line["kind"] == "units_called_in"]
    assert "13800138000" not in line["detail"]["note"] and "430426199005201239" not in line["detail"]["note"]
    assert line["detail"]["note"].startswith("请信访局报到，申请人电话138****8000")


def test_a_call_in_naming_an_unknown_agency_names_the_field(coordinator, http, referrals):
    with pytest.raises(BadInput) as refused:
        coordinator.call_in(http.post({"units": [JUSTICE_OFFICE, "fire:430426"], "note": "请报到"}), CASE_ID)

    assert [f["field"] for f in refused.value.fields] == ["units.1"]


def test_a_call_in_of_a_unit_below_its_agencys_level_is_refused_naming_it(coordinator, uow, http, referrals):
    """Police stations stand at townships: a village 'station' has no officer to report, so it is not called in."""
    sent_before = len(uow.sent)

    with pytest.raises(Refused) as refused:
        coordinator.call_in(http.post({"units": ["police:430426101203"], "note": "请报到"}), CASE_ID)

    assert (refused.value.code, refused.value.detail["unit"]) == ("below_agency_level", "police:430426101203")
    assert refused.value.detail["unit_for_place"] == "police:430426101"
    assert len(uow.sent) == sent_before


def test_each_centre_lists_the_cases_it_holds(coordinator, http, referrals):
    def held_by(centre: str) -> list[str]:
        listing = http.body(coordinator.list_cases(http.get({"centre": centre})))
        return [row["case_id"] for row in listing["cases"]]

    assert (held_by("430426101"), held_by("430426")) == ([CASE_ID], [])

    deliver(coordinator, beyond_level(referrals[POLICE_STATION]), "wuyuan.police_link")

    assert (held_by("430426101"), held_by("430426")) == ([], [CASE_ID])
    row = http.body(coordinator.list_cases(http.get()))["cases"][0]
    assert (row["centre"], row["level"]) == ("430426", "county")


def test_a_centre_that_is_no_division_code_names_the_parameter(coordinator, http):
    with pytest.raises(BadInput) as refused:
        coordinator.list_cases(http.get({"centre": "砖塘镇"}))

    assert [f["field"] for f in refused.value.fields] == ["centre"]


def test_at_the_county_a_decline_as_beyond_the_level_re_routes_and_keeps_its_type_on_the_timeline(
    coordinator, uow, http, referrals
):
    """Nothing is above the county centre: the decline is an ordinary one, but the timeline still says which
    type the officer chose, as it does for a township's decline that went up."""
    deliver(coordinator, beyond_level(referrals[POLICE_STATION]), "wuyuan.police_link")
    [county] = [m for m in uow.sent_of(ReferralIssued) if m.recipient == COUNTY_POLICE]

    deliver(coordinator, beyond_level(county), "wuyuan.police_link")

    case = view(coordinator, http)
    assert (case["level"], len(case["escalations"])) == ("county", 1)  # it went up once, and no further
    declines = [line["detail"] for line in case["timeline"] if line["kind"] == "referral_declined"]
    assert [(d["unit"], d.get("reason_code")) for d in declines] == [
        (POLICE_STATION, "beyond_level"),
        (COUNTY_POLICE, "beyond_level"),
    ]
    assert case["timeline"][-1]["kind"] != "case_escalated"


def officer_of(unit: str) -> Principal:
    return Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({unit}))


def level_of(uow, platform, clock, http, referral: ReferralIssued, caller: Principal | None = None) -> dict:
    asking = coordinator_for(uow, platform, clock, caller or officer_of(referral.recipient))
    return http.body(asking.referral_at_the_centre(http.get(), CASE_ID, str(referral.referral_id)))


def test_a_township_stations_officer_learns_the_case_would_go_up_to_the_county(uow, platform, clock, http, referrals):
    level = level_of(uow, platform, clock, http, referrals[POLICE_STATION])

    assert (level["unit"], level["centre"]["name"], level["centre"]["level"]) == (
        POLICE_STATION,
        "砖塘镇综治中心",
        "township",
    )
    assert level["above"] == {"division": "430426", "name": "祁东县综治中心", "level": "county"}


def test_a_township_co_unit_of_a_case_taken_up_to_the_county_has_no_level_above(
    coordinator, uow, platform, clock, http, referrals
):
    """The justice office sits in a township, but the case it helps on is now the county centre's."""
    deliver(coordinator, beyond_level(referrals[POLICE_STATION]), "wuyuan.police_link")

    level = level_of(uow, platform, clock, http, referrals[JUSTICE_OFFICE])

    assert (level["centre"]["division"], level["above"]) == ("430426", None)


def test_a_county_bureau_called_in_to_a_township_case_may_send_it_up(
    coordinator, uow, platform, clock, http, referrals
):
    township = Principal("wang.ganshi", "王干事", frozenset({Role.COORDINATOR}), frozenset({"centre:430426101"}))
    coordinator_for(uow, platform, clock, township).call_in(
        http.post({"units": [COUNTY_JUSTICE], "note": "请县司法局报到"}), CASE_ID
    )
    [called] = [m for m in uow.sent_of(ReferralIssued) if m.recipient == COUNTY_JUSTICE]

    level = level_of(uow, platform, clock, http, called)

    assert (level["centre"]["name"], level["above"]["name"]) == ("砖塘镇综治中心", "祁东县综治中心")


def test_a_first_designation_needs_no_reason(uow, platform, clock, http, referrals):
    assert level_of(uow, platform, clock, http, referrals[POLICE_STATION])["issued_because"] is None


def test_the_county_bureau_reads_that_its_station_declined_the_case_as_beyond_its_level_and_why(
    coordinator, uow, platform, clock, http, referrals
):
    deliver(coordinator, beyond_level(referrals[POLICE_STATION]), "wuyuan.police_link")
    [bureau] = [m for m in uow.sent_of(ReferralIssued) if m.recipient == COUNTY_POLICE]

    why = level_of(uow, platform, clock, http, bureau)["issued_because"]

    assert (why["cause"], why["escalation_cause"], why["from_unit"]) == ("escalated", "beyond_level", POLICE_STATION)
    assert why["reason"] == "涉及多个乡镇的宅基地权属，超出派出所处置能力"


def test_the_unit_assigned_by_hand_after_a_decline_reads_who_declined_it_and_why(
    coordinator, uow, platform, clock, http, referrals
):
    """No other lead was left to route to: the centre's staff chose the county justice bureau by hand."""
    deliver(coordinator, beyond_level(referrals[POLICE_STATION], "not_competent"), "wuyuan.police_link")
    coordinator.assign(http.post({"unit": COUNTY_JUSTICE}), CASE_ID)
    [bureau] = [m for m in uow.sent_of(ReferralIssued) if m.recipient == COUNTY_JUSTICE]

    why = level_of(uow, platform, clock, http, bureau)["issued_because"]

    assert (why["cause"], why["from_unit"], why["reason"]) == (
        "assigned_by_hand",
        POLICE_STATION,
        "涉及多个乡镇的宅基地权属，超出派出所处置能力",
    )


def test_only_the_referrals_own_units_officers_may_ask_where_its_case_is_held(uow, platform, clock, http, referrals):
    # Answered as a referral that does not exist; centre staff are refused by the entrypoint before (403).
    with pytest.raises(NotOwn, match="no referral"):
        level_of(uow, platform, clock, http, referrals[POLICE_STATION], officer_of(JUSTICE_OFFICE))
    with pytest.raises(NotOwn, match="no referral"):
        level_of(uow, platform, clock, http, referrals[POLICE_STATION], COUNTY_COORDINATOR)

    county_bureau = level_of(uow, platform, clock, http, referrals[POLICE_STATION], officer_of(COUNTY_POLICE))
    assert county_bureau["unit"] == POLICE_STATION  # the county bureau acts for its stations


def test_another_units_referral_of_the_case_is_answered_byte_for_byte_as_one_that_does_not_exist(
    uow, platform, clock, http, referrals
):
    station_referral = str(referrals[POLICE_STATION].referral_id)
    justice_officer = officer_of(JUSTICE_OFFICE)

    def answer_of(asking: Coordinator, case_id: str) -> tuple[int, str]:
        with pytest.raises((NotOwn, NotFound)) as refused:
            asking.referral_at_the_centre(http.get(), case_id, station_referral)
        return answered(refused.value)

    anothers = answer_of(coordinator_for(uow, platform, clock, justice_officer), CASE_ID)
    # The same case and referral ids, asked of a coordinator that holds neither: the pair does not exist.
    nowhere = answer_of(coordinator_for(FakeUnitOfWork(FakeCaseStore()), platform, clock, justice_officer), CASE_ID)
    # And of a case that exists but holds no referral of that id.
    asking = coordinator_for(uow, platform, clock, justice_officer)
    with pytest.raises(NotFound) as not_in_case:
        asking.referral_at_the_centre(http.get(), CASE_ID, str(UUID(int=999_999)))

    assert anothers == nowhere
    assert anothers[0] == 404
    assert answered(not_in_case.value)[1] == anothers[1].replace(station_referral, str(UUID(int=999_999)))


def test_a_referral_the_case_does_not_hold_is_not_found(uow, platform, clock, http, referrals):
    asking = coordinator_for(uow, platform, clock, officer_of(POLICE_STATION))

    with pytest.raises(NotFound):
        asking.referral_at_the_centre(http.get(), CASE_ID, str(UUID(int=999_999)))
    with pytest.raises(NotFound):
        asking.referral_at_the_centre(http.get(), "430426-20250915-00099", str(referrals[POLICE_STATION].referral_id))
    with pytest.raises(BadInput) as refused:
        asking.referral_at_the_centre(http.get(), CASE_ID, "not-a-uuid")
    assert [f["field"] for f in refused.value.fields] == ["referral_id"]
