"""The political-legal committee's service: risky cases enter the risk register in their colour, once."""

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.stability.service import Stability
from shared.auth.principal import Forbidden, NotOwn, Principal, Role
from shared.contracts.messages import CaseAssigned, CaseClosed, CaseReopened, CaseWentOverdue, RegisterDispute
from shared.http import BadInput
from shared.persistence.errors import NotFound
from shared.refusal import Refused
from shared.registry import AgencyRegistry
from tests.fakes.agency import FakeStabilityStore
from tests.fakes.unit_of_work import FakeUnitOfWork
from tests.messages import referral_issued

CENTRE = "centre:430426"
PERSON_KEY = b"a service-test key of thirty-two bytes or more"
NOTED_AT = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
# Signed-in callers, as the token verifier hands them to the service.
PLC_OFFICER = Principal("sun.wei", "孙伟", frozenset({Role.OFFICER}), frozenset({"plc:430426"}))
# A committee officer bound below the committee's own level (the county): competent for no one's file.
PLC_TOWNSHIP_OFFICER = Principal("qian.li", "钱力", frozenset({Role.OFFICER}), frozenset({"plc:430426101"}))
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
        person_key=PERSON_KEY,
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


def test_the_register_is_read_a_page_at_a_time_with_the_whole_register_counted_by_colour(stability, http):
    for number in range(1, 6):
        stability.on_case_assigned(assigned(number, "high_risk" if number == 1 else "group"))

    page = http.body(stability.risk_register(http.get({"colour": "yellow", "limit": "2", "offset": "1"})))

    assert [entry["colour"] for entry in page["cases"]] == ["yellow", "yellow"]
    assert page["counts"] == {"red": 1, "yellow": 4, "green": 0}
    assert (page["total"], page["offset"], page["limit"]) == (4, 1, 2)


@pytest.mark.parametrize(
    "query", [{"colour": "blue"}, {"status": "done"}, {"limit": "501"}, {"offset": "-1"}, {"offset": "第二页"}]
)
def test_a_register_query_out_of_range_is_refused_naming_its_field(stability, http, query):
    with pytest.raises(BadInput) as refused:
        stability.risk_register(http.get(query))

    assert [error["field"] for error in refused.value.fields] == list(query)


def closed(case_number: int, at: datetime, rating: str = "satisfied") -> CaseClosed:
    return CaseClosed.build(
        message_id=UUID(int=1000 + case_number),
        occurred_at=at,
        case_id=f"430426-20261123-{case_number:05d}",
        sender=CENTRE,
        recipient=CENTRE,
        rating=rating,
    )


def reopened(case_number: int, at: datetime) -> CaseReopened:
    return CaseReopened.build(
        message_id=UUID(int=2000 + case_number),
        occurred_at=at,
        case_id=f"430426-20261123-{case_number:05d}",
        sender=CENTRE,
        recipient=CENTRE,
        rating="dissatisfied",
        round=2,
    )


def test_a_closed_case_of_the_register_shows_closed_with_its_rating_and_open_again_once_reopened(stability, http):
    stability.on_case_assigned(assigned(11, "high_risk"))
    closed_at = NOTED_AT + timedelta(days=9)

    stability.on_case_closed(closed(11, closed_at, "basically_satisfied"))
    [entry] = http.body(stability.risk_register(http.get()))["cases"]
    assert (entry["status"], entry["closed_at"], entry["closed_rating"]) == (
        "closed",
        closed_at.isoformat(),
        "basically_satisfied",
    )

    stability.on_case_reopened(reopened(11, closed_at + timedelta(days=2)))
    [entry] = http.body(stability.risk_register(http.get()))["cases"]
    assert (entry["status"], entry["closed_at"], entry["closed_rating"]) == ("open", None, None)


def test_the_register_is_read_open_or_closed_with_each_colour_counted_whole_and_open(stability, http):
    for number, flag in ((21, "high_risk"), (22, "high_risk"), (23, "group"), (24, "violence_risk")):
        stability.on_case_assigned(assigned(number, flag))
    stability.on_case_closed(closed(21, NOTED_AT + timedelta(days=3)))
    stability.on_case_closed(closed(23, NOTED_AT + timedelta(days=4)))

    still_open = http.body(stability.risk_register(http.get({"status": "open"})))
    red_closed = http.body(stability.risk_register(http.get({"status": "closed", "colour": "red"})))

    assert sorted(entry["case_id"][-2:] for entry in still_open["cases"]) == ["22", "24"]
    assert still_open["total"] == 2
    assert [entry["case_id"][-2:] for entry in red_closed["cases"]] == ["21"]
    assert red_closed["total"] == 1
    assert still_open["counts"] == {"red": 2, "yellow": 2, "green": 0}
    assert still_open["status_counts"] == {
        "open": {"red": 1, "yellow": 1, "green": 0},
        "closed": {"red": 1, "yellow": 1, "green": 0},
        "unknown": {"red": 0, "yellow": 0, "green": 0},
    }


def test_a_closing_that_comes_after_a_later_reopening_leaves_the_case_open(stability, http):
    stability.on_case_assigned(assigned(31, "group"))
    stability.on_case_reopened(reopened(31, NOTED_AT + timedelta(days=6)))

    stability.on_case_closed(closed(31, NOTED_AT + timedelta(days=5)))  # retried past the reopening

    [entry] = http.body(stability.risk_register(http.get()))["cases"]
    assert entry["status"] == "open"


def test_a_closing_heard_before_its_case_is_noted_shows_once_the_case_enters(stability, http):
    stability.on_case_closed(closed(41, NOTED_AT + timedelta(days=1)))
    stability.on_case_assigned(assigned(41, "high_risk"))

    [entry] = http.body(stability.risk_register(http.get()))["cases"]
    assert entry["status"] == "closed"


def test_a_closing_not_published_by_the_coordinator_is_refused_and_changes_nothing(stability, stability_store, http):
    stability.on_case_assigned(assigned(51, "high_risk"))
    stability.sender = "wuyuan.police_link"

    with pytest.raises(Refused, match=r"must come from wuyuan\.coordinator"):
        stability.on_case_closed(closed(51, NOTED_AT + timedelta(days=1)))
    with pytest.raises(Refused, match=r"must come from wuyuan\.coordinator"):
        stability.on_case_reopened(reopened(51, NOTED_AT + timedelta(days=1)))

    assert stability_store.closures == {}


def test_a_closing_delivered_again_is_claimed_once_and_its_second_delivery_rolled_back(stability, http, uow):
    stability.on_case_assigned(assigned(61, "group"))
    closing = closed(61, NOTED_AT + timedelta(days=1))
    stability.on_case_closed(closing)
    assert (closing.message_id in uow.claimed, uow.rollbacks) == (True, 0)

    stability.on_case_closed(closing)

    assert uow.rollbacks == 1  # the claim failed: nothing of the second delivery was kept
    [entry] = http.body(stability.risk_register(http.get()))["cases"]
    assert entry["status"] == "closed"


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


# --- every lead enters the register in its own colour ---------------------------------------------


def lead_record(record_id: str, colour: str, flags: list[str] | None = None) -> dict:
    return {
        "record_id": record_id,
        "category": "land",
        "division_code": "430426101203",
        "summary": "两村山林界址争议，暂无激化迹象。",
        "parties": [{"role": "applicant", "name": "甲村村委会"}, {"role": "respondent", "name": "乙村村委会"}],
        "flags": flags or [],
        "details": {"colour": colour},
    }


def lead_referral(case_number: int, record_id: str | None, flags: list[str], source: str = "stability_lead"):
    return referral_issued(
        UUID(int=case_number + 100),
        "plc:430426",
        occurred_at=NOTED_AT,
        case_id=f"430426-20261123-{case_number:05d}",
        source=source,
        source_record_id=record_id,
        category="land",
        division_code="430426101203",
        flags=flags,
    )


def test_a_green_lead_without_flags_enters_the_register_green_once_its_case_is_referred(
    stability, stability_store, http
):
    stability.feed_record(http.post(lead_record("WW-2026-0100", "green")))
    stability.on_case_assigned(assigned(10))  # no risk flag: the assignment alone notes nothing
    stability.on_referral_issued(lead_referral(10, "WW-2026-0100", []))

    [entry] = http.body(stability.risk_register(http.get()))["cases"]
    assert (entry["case_id"], entry["colour"], entry["record_id"]) == ("430426-20261123-00010", "green", "WW-2026-0100")
    assert entry["lead_unit"] == "plc:430426"
    assert stability_store.referrals  # the referral itself is kept as the agency base keeps it


def test_a_yellow_lead_enters_yellow_and_a_green_lead_with_a_group_flag_enters_yellow(stability, stability_store, http):
    stability.feed_record(http.post(lead_record("WW-2026-0101", "yellow")))
    stability.feed_record(http.post(lead_record("WW-2026-0102", "green", ["group"])))
    stability.on_referral_issued(lead_referral(11, "WW-2026-0101", []))
    stability.on_referral_issued(lead_referral(12, "WW-2026-0102", ["group"]))
    stability.on_case_assigned(assigned(12, "group"))

    colours = {case_id: row["colour"] for case_id, row in stability_store.register.items()}
    assert colours == {"430426-20261123-00011": "yellow", "430426-20261123-00012": "yellow"}


def test_a_referral_not_from_a_lead_of_the_committee_adds_nothing_to_the_register(stability, stability_store):
    stability.on_referral_issued(lead_referral(13, None, [], source="walk_in"))
    stability.on_referral_issued(lead_referral(14, "WW-UNKNOWN", []))

    assert stability_store.register == {}
    assert len(stability_store.referrals) == 2


def test_a_referral_not_from_the_coordinator_is_refused_and_notes_nothing(stability, stability_store, http):
    stability.feed_record(http.post(lead_record("WW-2026-0103", "green")))
    stability.sender = "wuyuan.police_link"

    with pytest.raises(Refused, match="must come from"):
        stability.on_referral_issued(lead_referral(15, "WW-2026-0103", []))

    assert (stability_store.register, stability_store.referrals) == ({}, {})


# --- the person file ------------------------------------------------------------------------------

ZHANG = {
    "name": "张某",
    "id_number": "430426198001010019",
    "mobile": "13800138000",
    "division_code": "430426101203",
    "case_ids": ["430426-20261123-00001"],
    "record_ids": ["WW-2026-0100"],
}


def put_on_file(stability, http, body=None) -> str:
    return http.body(stability.add_person(http.post(body or ZHANG)))["person_id"]


def test_a_mobile_typed_into_the_persons_name_is_kept_masked(stability, stability_store, http):
    stability.add_person(http.post({**ZHANG, "name": "张某（13800138000）"}))

    [kept] = stability_store.persons.values()
    assert "13800138000" not in repr(kept) and kept["name"].startswith("张某（138")


def test_a_person_is_kept_by_name_and_keys_with_no_id_number_or_mobile_in_clear(stability, stability_store, http):
    response = stability.add_person(http.post(ZHANG))

    assert response.status_code == 201
    [kept] = stability_store.persons.values()
    assert kept["name"] == "张某"
    assert "430426198001010019" not in repr(kept) and "13800138000" not in repr(kept)
    shown = http.body(stability.show_person(http.get(), str(kept["person_id"])))
    assert (shown["colour"], shown["reasons"], shown["missing_leader"]) == ("green", [], False)
    assert "id_key" not in shown and "contact_key" not in shown


def test_the_same_person_sent_again_is_matched_and_their_file_grows(stability, stability_store, http):
    first = put_on_file(stability, http)
    again = {**ZHANG, "id_number": None, "case_ids": ["430426-20261123-00002"]}

    response = stability.add_person(http.post(again))

    assert response.status_code == 200
    assert http.body(response) == {"person_id": first, "first_time": False}
    [kept] = stability_store.persons.values()
    assert kept["case_ids"] == ["430426-20261123-00001", "430426-20261123-00002"]


def test_facts_recorded_turn_a_person_red_with_the_reasons_and_a_missing_leader(stability, http):
    person_id = put_on_file(stability, http)
    fact = {"kind": "violence", "at": "2026-11-20T10:00:00+08:00", "detail": "扬言报复", "criminal_risk": True}

    after = http.body(stability.add_person_event(http.post(fact), person_id))

    assert (after["colour"], [r["code"] for r in after["reasons"]]) == ("red", ["criminal_risk"])
    assert after["missing_leader"] is True
    gaps = http.body(stability.list_persons(http.get({"missing_leader": "true"})))["persons"]
    assert [p["person_id"] for p in gaps] == [person_id]


def test_a_named_leader_closes_the_gap(stability, http):
    person_id = put_on_file(stability, http)
    stability.add_person_event(
        http.post({"kind": "violence", "at": "2026-11-20T10:00:00+08:00", "detail": "持刀", "criminal_risk": True}),
        person_id,
    )

    shown = http.body(
        stability.name_leader(http.post({"name": "李书记", "post": "县委政法委书记", "plan": "每周走访"}), person_id)
    )

    assert (shown["leader"]["name"], shown["leader"]["named_by"], shown["missing_leader"]) == (
        "李书记",
        "sun.wei",
        False,
    )
    assert http.body(stability.list_persons(http.get({"missing_leader": "true"})))["persons"] == []


@pytest.mark.parametrize(
    ("event", "field", "error_type"),
    [
        ({"kind": "group"}, "size", "missing"),
        ({"kind": "petition", "size": 30}, "size", "value_error"),
        ({"kind": "petition", "criminal_risk": True}, "criminal_risk", "value_error"),
    ],
    ids=["group without size", "size without group", "criminal risk without violence"],
)
def test_a_group_fact_needs_its_size_and_violence_alone_carries_criminal_risk_each_refused_naming_its_field(
    stability, http, event, field, error_type
):
    person_id = put_on_file(stability, http)

    with pytest.raises(BadInput) as refused:
        stability.add_person_event(
            http.post({"at": "2026-11-20T10:00:00+08:00", "detail": "三十余人聚集村委会。", **event}), person_id
        )

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [(field, error_type)]
    assert http.body(stability.show_person(http.get(), person_id))["events"] == []


@pytest.mark.parametrize(
    ("at", "kind"),
    [
        ("9999-12-31T23:59:59-12:00", "date_out_of_range"),
        ("0001-01-01T00:00:00+14:00", "date_out_of_range"),
        ("2099-01-01T00:00:00+08:00", "datetime_future"),  # would turn the person red before anything happened
    ],
)
def test_a_fact_dated_outside_the_accepted_years_or_still_to_come_is_a_400_naming_at_and_nothing_is_kept(
    stability, http, at, kind
):
    person_id = put_on_file(stability, http)
    before = http.body(stability.show_person(http.get(), person_id))

    with pytest.raises(BadInput) as refused:
        stability.add_person_event(http.post({"kind": "violence", "at": at, "detail": "持刀威胁"}), person_id)

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("at", kind)]
    assert http.body(stability.show_person(http.get(), person_id)) == before


def test_a_fact_still_to_come_without_its_detail_is_one_400_naming_both_and_nothing_is_kept(stability, http):
    person_id = put_on_file(stability, http)
    before = http.body(stability.show_person(http.get(), person_id))

    with pytest.raises(BadInput) as refused:
        stability.add_person_event(http.post({"kind": "violence", "at": "2026-11-23T09:36:00+08:00"}), person_id)

    assert [(f["field"], f["type"], f["message"]) for f in refused.value.fields] == [
        ("at", "datetime_future", "is in the future"),  # six minutes ahead: more than an officer's clock may run fast
        ("detail", "missing", "Field required"),
    ]
    assert http.body(stability.show_person(http.get(), person_id)) == before


def test_an_unknown_person_is_not_found(stability, http):
    with pytest.raises(NotFound):
        stability.show_person(http.get(), str(UUID(int=9)))
    with pytest.raises(NotFound):
        stability.name_leader(http.post({"name": "李书记", "post": "书记", "plan": "包案"}), str(UUID(int=9)))


@pytest.mark.parametrize("caller", [POLICE_OFFICER, COORDINATOR], ids=lambda p: p.subject)
def test_only_the_committees_officers_keep_the_person_file(stability, stability_store, http, caller):
    stability.caller = caller

    with pytest.raises(Forbidden):
        stability.add_person(http.post(ZHANG))
    with pytest.raises(Forbidden):
        stability.list_persons(http.get())
    assert stability_store.persons == {}


def test_an_officer_sees_and_changes_only_the_files_of_places_their_units_are_competent_for(
    stability, stability_store, http
):
    person_id = put_on_file(stability, http)
    violence = {"kind": "violence", "at": "2026-11-20T10:00:00+08:00", "detail": "扬言报复", "criminal_risk": True}
    stability.caller = PLC_TOWNSHIP_OFFICER

    # Answered as a file that does not exist: another place's officer never learns whom the committee watches.
    with pytest.raises(NotOwn, match=f"no person {person_id}"):
        stability.add_person_event(http.post(violence), person_id)
    with pytest.raises(NotOwn, match=f"no person {person_id}"):
        stability.name_leader(http.post({"name": "赵某", "post": "副镇长", "plan": "包案"}), person_id)
    with pytest.raises(NotOwn, match=f"no person {person_id}"):
        stability.show_person(http.get(), person_id)
    assert http.body(stability.list_persons(http.get()))["persons"] == []
    [kept] = stability_store.persons.values()
    assert "leader" not in kept or kept["leader"] is None
    assert stability_store.person_events == []


def test_a_person_on_file_for_another_townships_committee_gets_nothing_added_from_this_one(
    stability, stability_store, http
):
    # A county whose committee has township units (unit_digits 9): each township's officer keeps its own files.
    agencies = stability.platform.registry.agencies
    townships = AgencyRegistry({**agencies, "plc": replace(agencies["plc"], unit_digits=9)})
    stability.platform = replace(stability.platform, registry=townships)
    stability.caller = PLC_TOWNSHIP_OFFICER  # plc:430426101, 砖塘镇
    person_id = put_on_file(stability, http)  # 张某 of 新塘村, 砖塘镇
    before = copy.deepcopy(stability_store.persons)
    stability.caller = Principal("zhao.min", "赵敏", frozenset({Role.OFFICER}), frozenset({"plc:430426102"}))

    # The same ID number typed at 蒋家桥镇: neither the file's id nor a case added to it.
    with pytest.raises(Forbidden) as refused:
        stability.add_person(
            http.post({**ZHANG, "division_code": "430426102007", "case_ids": ["430426-20261123-00099"]})
        )

    assert person_id not in str(refused.value)
    assert stability_store.persons == before


@pytest.mark.parametrize("place", ["430426999", "430426999001"])
def test_a_person_at_a_place_the_county_does_not_have_is_a_400_naming_it_and_not_put_on_file(
    stability, stability_store, http, place
):
    # As an agency's record, filing, call or petition at such a place is refused: no unit's file would be there.
    with pytest.raises(BadInput) as refused:
        stability.add_person(http.post({**ZHANG, "division_code": place}))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("division_code", "not_in_county")]
    assert stability_store.persons == {}


def test_a_person_whose_id_number_says_they_are_born_after_today_is_a_400_naming_it_and_not_put_on_file(
    stability, stability_store, http
):
    # 430426203001011234: a real day and a right check character, but 2030-01-01 has not come.
    with pytest.raises(BadInput) as refused:
        stability.add_person(http.post({**ZHANG, "id_number": "430426203001011234"}))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("id_number", "id_birth_date_future")]
    assert "430426203001011234" not in str(refused.value.fields)
    assert stability_store.persons == {}


def test_without_a_key_no_one_is_put_on_file(stability, stability_store, http):
    stability.person_key = None

    with pytest.raises(BadInput) as refused:
        stability.add_person(http.post(ZHANG))

    assert "WUYUAN_STABILITY_KEY_SECRET" in refused.value.fields[0]["message"]
    assert stability_store.persons == {}


# --- the file follows the person's cases ------------------------------------------------------------------


def petition_case(case_number: int, *flags: str) -> CaseAssigned:
    message = assigned(case_number, *flags).model_dump(mode="json")
    return CaseAssigned.model_validate({**message, "source": "petition"})


def went_overdue(case_number: int) -> CaseWentOverdue:
    return CaseWentOverdue.build(
        message_id=UUID(int=9000 + case_number),
        occurred_at=NOTED_AT,
        case_id=f"430426-20261123-{case_number:05d}",
        sender=CENTRE,
        recipient="plc:430426",
        referral_id=UUID(int=8000 + case_number),
        unit="police:430426101",
        due_at=NOTED_AT,
    )


def test_a_case_number_the_committee_has_no_case_of_is_named_on_the_file(stability, http):
    stability.on_case_assigned(petition_case(1))
    typo = "430426-20261123-99999"
    person_id = put_on_file(stability, http, {**ZHANG, "case_ids": ["430426-20261123-00001", typo]})

    shown = http.body(stability.show_person(http.get(), person_id))

    assert shown["unknown_case_ids"] == [typo]


def test_two_petition_cases_on_file_make_a_repeat_petitioner_with_no_fact_typed_in(stability, http):
    stability.on_case_assigned(petition_case(1))
    stability.on_case_assigned(petition_case(2))
    person_id = put_on_file(stability, http, {**ZHANG, "case_ids": ["430426-20261123-00001"]})
    assert http.body(stability.show_person(http.get(), person_id))["colour"] == "green"

    stability.add_person(http.post({**ZHANG, "case_ids": ["430426-20261123-00002"]}))

    shown = http.body(stability.show_person(http.get(), person_id))
    assert (shown["colour"], [r["code"] for r in shown["reasons"]]) == ("yellow", ["repeat_petitions"])
    assert [(f["kind"], f["case_id"], f["from_case"]) for f in shown["case_facts"]] == [
        ("petition", "430426-20261123-00001", True),
        ("petition", "430426-20261123-00002", True),
    ]
    assert shown["events"] == []


def test_a_late_unit_on_a_case_on_file_shows_as_overdue_and_only_supervision_may_say_so(
    stability, stability_store, http
):
    person_id = put_on_file(stability, http)
    stability.sender = "wuyuan.police_link"
    with pytest.raises(Refused, match=r"must come from wuyuan\.supervision"):
        stability.on_case_went_overdue(went_overdue(1))
    assert stability_store.overdue == {}
    stability.sender = "wuyuan.supervision"
    with pytest.raises(Refused, match="wrong_unit"):  # from supervision, but addressed to another agency
        stability.on_case_went_overdue(went_overdue(1).model_copy(update={"recipient": "police:430426"}))
    assert stability_store.overdue == {}

    stability.on_case_went_overdue(went_overdue(1))

    persons = http.body(stability.list_persons(http.get()))["persons"]
    assert [(p["person_id"], p["colour"], [r["code"] for r in p["reasons"]]) for p in persons] == [
        (person_id, "yellow", ["overdue"])
    ]


# --- the lists are filtered before they are cut at their limit ---------------------------------------------

RED_FACT = {"kind": "violence", "at": "2026-11-20T10:00:00+08:00", "detail": "扬言报复", "criminal_risk": True}


def later(stability, hours: int) -> None:
    """Move the service's clock on: what is done from now on changes a file later than what came before."""
    stability.platform = replace(stability.platform, now=lambda: NOTED_AT + timedelta(hours=hours))


def put_many_on_file(stability, http, count: int) -> None:
    for number in range(count):
        stability.add_person(http.post({"name": f"群众{number:03d}", "division_code": "430426101203"}))


def test_a_red_person_without_a_leader_stays_on_the_gap_list_however_many_files_changed_since(stability, http):
    person_id = put_on_file(stability, http)
    stability.add_person_event(http.post(RED_FACT), person_id)
    assert [p["person_id"] for p in http.body(stability.list_persons(http.get({"missing_leader": "true"})))["persons"]]
    later(stability, 1)

    put_many_on_file(stability, http, 505)

    gaps = http.body(stability.list_persons(http.get({"missing_leader": "true"})))
    reds = http.body(stability.list_persons(http.get({"colour": "red"})))
    assert [(p["person_id"], p["colour"], p["missing_leader"]) for p in gaps["persons"]] == [(person_id, "red", True)]
    assert (gaps["total"], gaps["truncated"]) == (1, False)
    assert [p["person_id"] for p in reds["persons"]] == [person_id]
    shown = http.body(stability.show_person(http.get(), person_id))
    assert (shown["colour"], shown["missing_leader"]) == ("red", True)


def test_a_list_cut_at_its_limit_says_how_many_there_are_latest_changed_first(stability, http):
    for number in range(3):
        later(stability, number)
        stability.add_person(http.post({"name": f"群众{number}", "division_code": "430426101203"}))

    listed = http.body(stability.list_persons(http.get({"limit": "2", "colour": "green"})))
    whole = http.body(stability.list_persons(http.get()))

    assert [p["name"] for p in listed["persons"]] == ["群众2", "群众1"]
    assert (listed["total"], listed["truncated"]) == (3, True)
    assert [p["name"] for p in whole["persons"]] == ["群众2", "群众1", "群众0"]
    assert (whole["total"], whole["truncated"]) == (3, False)
