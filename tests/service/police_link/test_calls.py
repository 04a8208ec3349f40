"""警调对接 as the stations' officers use it: dispute calls recorded, handed over or kept, their mediation's result."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.police_link.service import PoliceLink
from shared.auth.principal import Forbidden, NotOwn, Principal, Role
from shared.contracts.messages import CaseResolved, EndedPart, ReferralClosed, RegisterDispute
from shared.http import BadInput
from shared.messaging.routing import address
from shared.persistence.errors import NotFound
from shared.refusal import NumberTaken, Refused
from tests.fakes.police import FakePoliceStore
from tests.fakes.unit_of_work import FakeUnitOfWork
from tests.http_answers import answered, number_taken_body
from tests.messages import record_linked, referral_issued

STATION = "police:430426101"
JUSTICE = "justice:430426101"
CENTRE = "centre:430426"
COORDINATOR_USER = "wuyuan.coordinator"
STATION_OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({STATION}))
NEIGHBOURING_OFFICER = Principal("chen.jing", "陈静", frozenset({Role.OFFICER}), frozenset({"police:430426102"}))
BUREAU_OFFICER = Principal("zhou.bin", "周斌", frozenset({Role.OFFICER}), frozenset({"police:430426"}))
COURT_OFFICER = Principal("zhao.li", "赵丽", frozenset({Role.OFFICER}), frozenset({"court:430426"}))
# 21:40 in Beijing on Saturday 21 November 2026; the officer records the call an hour later.
RECEIVED = "2026-11-21T21:40:00+08:00"
NOW = datetime(2026, 11, 21, 14, 40, tzinfo=UTC)
BOUNDARY = "JQ4304262026112100017"
CASE_ID = "430426-20261122-00017"
AGREEMENT = {"number": "城关司调〔2026〕第17号", "signed_on": "2026-11-25", "terms": "何建军退回界石，双方互不追究。"}


@pytest.fixture
def police_store() -> FakePoliceStore:
    return FakePoliceStore()


@pytest.fixture
def uow(police_store) -> FakeUnitOfWork[FakePoliceStore]:
    return FakeUnitOfWork(police_store)


@pytest.fixture
def police(uow, platform) -> PoliceLink:
    return worker_factory(
        PoliceLink,
        uow=uow,
        platform=replace(platform, service="police_link", now=lambda: NOW),
        sender=COORDINATOR_USER,
        caller=STATION_OFFICER,
    )


def call(number: str = BOUNDARY, **fields) -> dict:
    """两户因宅基地界址发生推搡: a neighbours' quarrel the officer finds suitable for mediation."""
    return {
        "call_number": number,
        "received_at": RECEIVED,
        "unit": STATION,
        "classification": "neighbour",
        "division_code": "430426101203",
        "summary": "两户因宅基地界址发生推搡，民警到场制止。",
        "parties": [
            {"role": "applicant", "name": "刘桂兰", "phone": "13907345678", "id_number": "11010519491231002X"},
            {"role": "respondent", "name": "何建军"},
        ],
        "suitable_for_mediation": True,
        **fields,
    }


def record(police, http, body: dict) -> tuple[int, dict]:
    response = police.record_call(http.post(body))
    return response.status_code, http.body(response)


def refused_fields(police, http, body: dict) -> set[str]:
    with pytest.raises(BadInput) as refusal:
        police.record_call(http.post(body))
    return {str(f["field"]) for f in refusal.value.fields}


def case_of(police, number: str = BOUNDARY, case_id: str = CASE_ID) -> None:
    """The coordinator's referral to the station, naming the call as the case's source record."""
    police.on_referral_issued(
        referral_issued(UUID(int=17), STATION, case_id=case_id, source="police_call", source_record_id=number, flags=[])
    )


def resolved(
    result: str, *, round: int = 1, message: int = 100, case_id: str = CASE_ID, parts: tuple[EndedPart, ...] = ()
) -> CaseResolved:
    return CaseResolved.build(
        message_id=UUID(int=message),
        occurred_at=NOW + timedelta(days=4),
        case_id=case_id,
        sender=CENTRE,
        recipient=CENTRE,
        lead_unit=STATION,
        round=round,
        result=result,
        parts=list(parts),
    )


def closed(unit: str, result: str | None, reason: str = "result_reported", message: int = 200) -> ReferralClosed:
    return ReferralClosed.build(
        message_id=UUID(int=message),
        occurred_at=NOW + timedelta(days=3),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        referral_id=UUID(int=18),
        unit=unit,
        reason=reason,
        result=result,
    )


# --- recording a call ------------------------------------------------------------------------------


def test_a_suitable_violent_call_is_handed_to_mediation_with_its_risk(police, uow, police_store, http):
    status, body = record(police, http, call(violence=True, injury=True, repeat_calls=2))

    assert (status, body["first_time"], body["decision"]) == (201, True, "mediation")
    assert (body["procedure"], body["reasons"], body["flags"]) == (None, [], ["violence_risk"])
    assert body["scene"]["violence"] and body["scene"]["injury"] and body["scene"]["repeat_calls"] == 2
    assert (body["classification"], body["category"], body["recorded_by"]) == ("neighbour", "neighbour", "liu.yang")
    assert body["mediation"]["result"] is None
    [fed] = uow.sent_of(RegisterDispute)
    assert (fed.report.source.value, fed.report.source_record_id) == ("police_call", BOUNDARY)
    assert [f.value for f in fed.report.flags] == ["violence_risk"]
    assert (fed.sender, fed.recipient, fed.fed_by) == ("police:430426", CENTRE, "liu.yang")
    assert str(fed.message_id) == body["message_id"]
    assert address(fed, uow.registry) == ("wuyuan.documents", "intake.RegisterDispute")
    # The ID number went to intake alone; the call keeps names and roles.
    assert fed.report.parties[0].id_number == "11010519491231002X"
    assert body["parties"][0] == {"role": "applicant", "kind": "person", "name": "刘桂兰", "phone": None}
    assert police_store.records[BOUNDARY]["details"]["injury"] is True


def test_the_officers_judgement_of_a_risk_of_turning_criminal_flags_it_high_risk(police, uow, http):
    _, body = record(police, http, call(weapon_or_threat=True, civil_to_criminal_risk=True))

    assert body["flags"] == ["violence_risk", "high_risk"]
    assert [f.value for f in uow.sent_of(RegisterDispute)[0].report.flags] == ["violence_risk", "high_risk"]


def test_the_same_call_recorded_again_is_answered_as_first_recorded_and_fed_once(police, uow, http):
    record(police, http, call())

    status, again = record(police, http, call(suitable_for_mediation=False, summary="又录了一次。"))

    assert (status, again["first_time"], again["decision"]) == (200, False, "mediation")
    assert again["summary"] == "两户因宅基地界址发生推搡，民警到场制止。"
    assert len(uow.sent_of(RegisterDispute)) == 1


def test_a_suspected_crime_is_kept_for_the_criminal_procedure_and_fed_nowhere(police, uow, police_store, http):
    status, body = record(
        police, http, call("JQ4304262026112100019", offence="criminal", weapon_or_threat=True, injury=True)
    )

    assert (status, body["decision"], body["procedure"]) == (201, "police", "criminal")
    assert (body["reasons"], body["message_id"], body["mediation"]) == (["crime_suspected"], None, None)
    assert body["flags"] == ["violence_risk"]
    assert uow.sent_but_link_facts() == []
    assert police_store.records == {}


def test_a_call_the_officer_finds_unsuitable_is_handled_by_the_police_alone(police, uow, http):
    _, body = record(police, http, call(suitable_for_mediation=False))

    assert (body["decision"], body["procedure"], body["reasons"]) == (
        "police",
        "police_handling",
        ["not_suitable_for_mediation"],
    )
    assert uow.sent_but_link_facts() == []
    number = body["call_number"]
    assert uow.link_facts() == [("call_recorded", number), ("call_kept", number)]


def test_a_call_recorded_again_after_the_stations_database_was_restored_is_the_same_fact_for_supervision(
    police, uow, http, platform
):
    """Restored to a point before the call, the service records it afresh: its notes carry the first ones' ids,
    which supervision's inbox has taken, so the call is counted once."""
    record(police, http, call())
    restored_uow = FakeUnitOfWork(FakePoliceStore())
    restored = worker_factory(
        PoliceLink,
        uow=restored_uow,
        platform=replace(platform, service="police_link", now=lambda: NOW + timedelta(days=1)),
        sender=COORDINATOR_USER,
        caller=STATION_OFFICER,
    )

    assert record(restored, http, call())[0] == 201

    def notes(work: FakeUnitOfWork[FakePoliceStore]) -> list[tuple[str, UUID]]:
        return [(m.kind, m.message_id) for m in work.sent if m.type == "LinkRecordNoted"]

    assert notes(restored_uow) == notes(uow)
    assert [kind for kind, _ in notes(uow)] == ["call_recorded", "call_handed_over"]


def feed_the_boundary_call_as_a_record(police, http) -> None:
    """The station's call, fed through the record feed (POST /api/v1/records), as calls recorded elsewhere are."""
    police.feed_record(
        http.post(
            {
                "record_id": BOUNDARY,
                "category": "neighbour",
                "division_code": "430426101203",
                "summary": "两户因宅基地界址发生推搡。",
                "parties": [{"role": "applicant", "name": "刘桂兰"}, {"role": "respondent", "name": "何建军"}],
                "details": {"call_number": BOUNDARY},
            }
        )
    )


def test_a_call_fed_earlier_through_the_record_feed_is_recorded_but_not_fed_again(police, uow, http):
    feed_the_boundary_call_as_a_record(police, http)
    [earlier] = uow.sent_of(RegisterDispute)

    status, body = record(police, http, call())

    assert (status, body["message_id"]) == (201, str(earlier.message_id))
    assert len(uow.sent_of(RegisterDispute)) == 1


def test_a_call_kept_by_a_station_may_not_take_the_number_of_another_stations_record(police, police_store, http):
    feed_the_boundary_call_as_a_record(police, http)
    police.caller = NEIGHBOURING_OFFICER
    kept = call(unit="police:430426102", division_code="430426102001", suitable_for_mediation=False)

    with pytest.raises(NumberTaken) as refused:
        police.record_call(http.post(kept))

    assert answered(refused.value) == (409, number_taken_body("call_number"))
    assert police_store.calls == {}


# Another station's call under the number, sent again: by the neighbouring station's officer, and by an officer of
# a third station, who has nothing to do with either.
OTHER_STATIONS = [
    (NEIGHBOURING_OFFICER, "police:430426102", "430426102007"),
    (
        Principal("wu.lei", "吴磊", frozenset({Role.OFFICER}), frozenset({"police:430426103"})),
        "police:430426103",
        "430426103001",
    ),
]


@pytest.mark.parametrize(("officer", "unit", "place"), OTHER_STATIONS)
def test_another_stations_call_number_sent_again_is_only_taken_naming_neither_station_nor_call(
    police, uow, police_store, http, officer, unit, place
):
    record(police, http, call())
    kept = dict(police_store.calls)
    police.caller = officer

    with pytest.raises(NumberTaken) as refused:
        police.record_call(http.post(call(unit=unit, division_code=place, summary="邻所再报一次。")))

    status, body = answered(refused.value)
    assert (status, body) == (409, number_taken_body("call_number"))  # the same bytes, whoever asks
    for held in (STATION, "430426101", "刘桂兰", "何建军", "推搡", "mediation"):
        assert held not in body
    assert police_store.calls == kept
    assert len(uow.sent_of(RegisterDispute)) == 1


def test_the_county_bureau_sending_its_stations_call_again_is_answered_with_the_call_as_first_recorded(police, http):
    record(police, http, call())
    police.caller = BUREAU_OFFICER

    status, again = record(police, http, call(summary="局里又报一次。"))

    assert (status, again["first_time"], again["unit"]) == (200, False, STATION)
    assert again["summary"] == "两户因宅基地界址发生推搡，民警到场制止。"


def test_a_call_number_nobody_holds_is_recorded_for_the_neighbouring_station(police, http):
    record(police, http, call())
    police.caller = NEIGHBOURING_OFFICER

    status, body = record(
        police, http, call("JQ4304262026112100018", unit="police:430426102", division_code="430426102007")
    )

    assert (status, body["unit"], body["first_time"]) == (201, "police:430426102", True)


def test_a_call_received_beyond_the_clock_skew_ahead_without_its_summary_is_one_400_naming_both(
    police, uow, police_store, http
):
    body = {k: v for k, v in call(received_at="2026-11-21T22:46:00+08:00").items() if k != "summary"}  # NOW + 6 min

    with pytest.raises(BadInput) as refused:
        police.record_call(http.post(body))

    assert [(f["field"], f["type"], f["message"]) for f in refused.value.fields] == [
        ("received_at", "datetime_future", "is in the future"),
        ("summary", "missing", "Field required"),
    ]
    assert (uow.sent, police_store.calls) == ([], {})


def test_a_call_received_within_the_clock_skew_ahead_is_kept_as_the_officers_clock_may_run_fast(police, http):
    status, body = record(police, http, call(received_at="2026-11-21T22:44:00+08:00"))  # NOW + 4 min

    assert (status, body["received_at"]) == (201, "2026-11-21T22:44:00+08:00")


def test_an_economic_dispute_becomes_the_category_the_officer_names_and_keeps_its_own_label(police, uow, http):
    _, body = record(police, http, call(classification="economic", category="debt"))

    assert (body["classification"], body["category"]) == ("economic", "debt")
    assert uow.sent_of(RegisterDispute)[0].report.category.value == "debt"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"unit": "court:430426"}, "unit"),
        ({"unit": "police:430426101203"}, "unit"),
        ({"division_code": "430426102001"}, "division_code"),
        ({"received_at": "2026-11-21T21:40:00"}, "received_at"),
        ({"received_at": "2026-11-23T09:00:00+08:00"}, "received_at"),
        ({"received_at": "0001-01-01T00:00:00+14:00"}, "received_at"),
        ({"received_at": "1899-12-31T23:00:00+08:00"}, "received_at"),
        ({"classification": "labour", "category": "debt"}, "category"),
        ({"classification": "gossip"}, "classification"),
        ({"suitable_for_mediation": "yes"}, "suitable_for_mediation"),
        ({"violence": 1}, "violence"),
        ({"repeat_calls": -1}, "repeat_calls"),
        ({"offence": "murder"}, "offence"),
        ({"call_number": "JQ 17/2026"}, "call_number"),
        ({"officer": "someone.else"}, "officer"),
        ({"parties": [{"role": "applicant", "name": "刘桂兰"}, {"role": "applicant", "name": "何建军"}]}, "parties"),
    ],
    ids=lambda value: value if isinstance(value, str) else "-".join(value),
)
def test_a_call_with_a_wrong_field_is_refused_naming_it_and_nothing_is_kept(
    police, uow, police_store, http, fields, named
):
    assert refused_fields(police, http, call(**fields)) == {named}
    assert (uow.sent, police_store.calls) == ([], {})


def test_a_call_without_the_officers_judgement_on_mediation_is_refused_naming_it(police, http):
    body = call()
    del body["suitable_for_mediation"]

    assert refused_fields(police, http, body) == {"suitable_for_mediation"}


def test_an_officer_may_record_calls_only_for_the_stations_they_act_for(police, police_store, http):
    police.caller = NEIGHBOURING_OFFICER

    with pytest.raises(Forbidden, match="does not act for police:430426101"):
        police.record_call(http.post(call()))

    police.caller = COURT_OFFICER
    with pytest.raises(Forbidden, match="is not an officer of police"):
        police.record_call(http.post(call()))
    assert police_store.calls == {}


@pytest.mark.parametrize("unit", ["police:430426101001", "justice:430426101"])
def test_a_call_is_kept_only_by_a_station_or_the_bureau_never_a_village_unit_or_another_agency(
    police, police_store, http, unit
):
    # Stations stand at townships (unit_digits 9): no officer account can be bound to a village police unit.
    with pytest.raises(BadInput) as refusal:
        police.record_call(http.post(call(unit=unit, division_code="430426101001")))

    [wrong] = refusal.value.fields
    assert (wrong["field"], wrong["type"]) == ("unit", "unit")
    assert "police:<9-digit township>" in str(wrong["message"])
    assert police_store.calls == {}


def test_the_county_bureau_records_a_call_for_any_of_its_stations(police, http):
    police.caller = BUREAU_OFFICER

    status, body = record(police, http, call())

    assert (status, body["unit"]) == (201, STATION)


# --- reading calls ---------------------------------------------------------------------------------------


def test_the_list_shows_the_officers_calls_by_decision(police, http):
    record(police, http, call())
    record(police, http, call("JQ4304262026112100019", offence="criminal"))

    handed = http.body(police.list_calls(http.get({"decision": "mediation"})))["calls"]
    every = http.body(police.list_calls(http.get()))["calls"]
    police.caller = NEIGHBOURING_OFFICER
    theirs = http.body(police.list_calls(http.get()))["calls"]

    assert [c["call_number"] for c in handed] == [BOUNDARY]
    assert sorted(c["call_number"] for c in every) == [BOUNDARY, "JQ4304262026112100019"]
    assert theirs == []


@pytest.mark.parametrize(
    ("query", "named"), [({"decision": "court"}, "decision"), ({"limit": "501"}, "limit"), ({"page": "2"}, "page")]
)
def test_a_wrong_list_parameter_is_refused_naming_it(police, http, query, named):
    with pytest.raises(BadInput) as refusal:
        police.list_calls(http.get(query))

    assert [f["field"] for f in refusal.value.fields] == [named]


def test_a_call_is_shown_to_officers_acting_for_its_station_only(police, http):
    record(police, http, call())

    shown = http.body(police.show_call(http.get(), BOUNDARY))
    police.caller = NEIGHBOURING_OFFICER

    assert shown["call_number"] == BOUNDARY
    with pytest.raises(NotOwn, match=f"no call {BOUNDARY}"):  # as a call that does not exist: numbers are guessable
        police.show_call(http.get(), BOUNDARY)


def test_an_unknown_call_is_not_found_and_a_malformed_number_is_refused(police, http):
    with pytest.raises(NotFound):
        police.show_call(http.get(), "JQ0000")
    with pytest.raises(BadInput) as refusal:
        police.show_call(http.get(), "JQ 0000")
    assert refusal.value.fields[0]["field"] == "number"


# --- the case a call joined -------------------------------------------------------------------------------


def test_a_call_linked_to_a_case_the_station_already_leads_names_that_case_on_its_page(police, http):
    led = "430426-20261120-00004"
    police.on_referral_issued(referral_issued(UUID(int=4), STATION, case_id=led, flags=[]))
    record(police, http, call())
    assert http.body(police.show_call(http.get(), BOUNDARY))["joined_case"] is None

    police.sender = "wuyuan.intake"
    police.on_record_linked(record_linked(UUID(int=41), STATION, BOUNDARY, led))

    shown = http.body(police.show_call(http.get(), BOUNDARY))
    assert (shown["joined_case"]["case_id"], shown["joined_case"]["reason"]) == (
        led,
        "same parties and category within 30 days",
    )
    assert [(r["case_id"], r["role"]) for r in shown["referrals"]] == [(led, "lead")]


def test_a_listed_call_joined_to_a_case_the_station_holds_no_referral_of_says_so_not_that_it_is_unfinished(
    police, http
):
    """The case intake joined the call to went to the mediators alone: no result will ever reach the station, and its
    list says so, as the call's page does, where an unfinished case of the station's says it is not finished."""
    elsewhere = "430426-20261118-00002"
    record(police, http, call())
    police.sender = "wuyuan.intake"
    police.on_record_linked(record_linked(UUID(int=42), STATION, BOUNDARY, elsewhere))

    (listed,) = http.body(police.list_calls(http.get()))["calls"]
    shown = http.body(police.show_call(http.get(), BOUNDARY))

    assert (listed["joined_case"]["case_id"], listed["joined_case"]["result"]) == (elsewhere, None)
    assert listed["joined_case"]["referral_held"] is False
    assert shown["joined_case"] == listed["joined_case"]


def test_a_call_that_joined_another_calls_case_shows_how_the_stations_part_of_that_case_ended(police, http):
    """The second call about the boundary joined the case the first opened: its own mediation never has a result,
    and the officer reads what the station's referral of that case came to instead."""
    again, first_case = "JQ4304262026112100021", "430426-20261121-00009"
    record(police, http, call())
    case_of(police, case_id=first_case)
    record(police, http, call(again))
    police.sender = "wuyuan.intake"
    police.on_record_linked(record_linked(UUID(int=41), STATION, again, first_case))

    pending = http.body(police.show_call(http.get(), again))
    assert (pending["joined_case"]["case_id"], pending["joined_case"]["result"]) == (first_case, None)
    assert pending["joined_case"]["referral_held"] is True  # not finished yet, rather than none of the station's
    (listed_pending,) = [c for c in http.body(police.list_calls(http.get()))["calls"] if c["call_number"] == again]
    assert listed_pending["joined_case"] == pending["joined_case"]

    police.accept(http.post({}), str(UUID(int=17)))
    agreement = {**AGREEMENT, "signed_on": "2026-11-21"}  # signed at the scene, the night of the first call
    police.result(
        http.post({"result": "mediated", "agreement": agreement, "summary": "双方达成协议"}), str(UUID(int=17))
    )

    shown = http.body(police.show_call(http.get(), again))
    joined = shown["joined_case"]
    assert (joined["result"], joined["outcome"], joined["mediated"]) == ("mediated", "resolved", True)
    assert joined["result_by"] == {"referral_id": str(UUID(int=17)), "unit": STATION, "role": "lead", "round": 1}
    assert [(r["case_id"], r["status"], r["result"], r["outcome"]) for r in shown["referrals"]] == [
        (first_case, "reported", "mediated", "resolved")
    ]
    # The call's own mediation follows no case: the dispute is the other call's case, counted once.
    assert (shown["mediation"]["case_id"], shown["mediation"]["result"]) == (None, None)
    # The list says the same on the call's line, and nothing joined on the line of the call that opened the case.
    listed = {c["call_number"]: c for c in http.body(police.list_calls(http.get()))["calls"]}
    assert listed[again]["joined_case"] == joined
    assert "referrals" not in listed[again]
    assert listed[BOUNDARY]["joined_case"] is None
    figures = http.body(police.call_figures(http.get({"from": "2026-11-01", "to": "2026-11-30"})))
    assert figures["calls"]["handed_to_mediation"] == 2
    assert (figures["mediation"]["handed_to_mediation"], figures["mediation"]["joined_existing_case"]) == (1, 1)


# --- what its mediation came to ---------------------------------------------------------------------------


def test_the_case_result_and_the_mediators_agreement_are_shown_on_the_call(police, http):
    record(police, http, call(violence=True))
    case_of(police)

    police.on_referral_closed(closed(JUSTICE, "mediated"))
    police.on_case_resolved(resolved("mediated"))

    shown = http.body(police.show_call(http.get(), BOUNDARY))
    mediation = shown["mediation"]
    assert (mediation["case_id"], mediation["result"], mediation["mediated"]) == (CASE_ID, "mediated", True)
    assert (mediation["outcome"], mediation["round"]) == ("resolved", 1)
    assert mediation["mediators"]["unit"] == JUSTICE
    assert (mediation["mediators"]["result"], mediation["mediators"]["mediated"]) == ("mediated", True)
    assert [r["case_id"] for r in shown["referrals"]] == [CASE_ID]


def test_the_mediators_result_that_settled_the_round_is_shown_on_the_call(police, http):
    """The station reported first; the mediators' 调解成功 came last and settled the round: no ReferralClosed of
    its own, but CaseResolved carries it."""
    record(police, http, call())
    case_of(police)
    police.on_referral_closed(closed(STATION, "handled", message=201))

    mediators_last = EndedPart(referral_id=UUID(int=77), unit=JUSTICE, reason="result_reported", result="mediated")
    police.on_case_resolved(resolved("mediated", parts=(mediators_last,)))

    mediation = http.body(police.show_call(http.get(), BOUNDARY))["mediation"]
    assert mediation["mediators"]["unit"] == JUSTICE
    assert (mediation["mediators"]["result"], mediation["mediators"]["mediated"]) == ("mediated", True)


def test_a_failed_mediation_is_shown_before_the_case_ends(police, http):
    record(police, http, call())
    case_of(police)

    police.on_referral_closed(closed(JUSTICE, "mediation_failed"))

    mediation = http.body(police.show_call(http.get(), BOUNDARY))["mediation"]
    assert (mediation["result"], mediation["mediated"]) == (None, None)
    assert (mediation["mediators"]["result"], mediation["mediators"]["mediated"]) == ("mediation_failed", False)


def test_other_units_parts_and_declines_are_not_the_mediators_result(police, police_store, http):
    record(police, http, call())
    case_of(police)

    police.on_referral_closed(closed("plc:430426", "handled", message=201))
    police.on_referral_closed(closed(JUSTICE, None, reason="declined", message=202))

    assert police_store.calls[BOUNDARY]["mediator_result"] is None


def test_a_case_fact_delivered_twice_is_noted_once(police, uow, police_store, http):
    record(police, http, call())
    case_of(police)
    message = resolved("handled")

    police.on_case_resolved(message)
    police.on_case_resolved(message)

    assert police_store.calls[BOUNDARY]["result"] == "handled"
    assert message.message_id in uow.claimed


def test_a_resolved_case_that_came_from_no_call_changes_nothing(police, police_store, http):
    record(police, http, call())
    case_of(police)

    police.on_case_resolved(resolved("mediated", case_id="430426-20261122-00099"))

    assert police_store.calls[BOUNDARY]["result"] is None


@pytest.mark.parametrize("broker_user", ["wuyuan.justice_link", "wuyuan.supervision", "other.coordinator", None])
def test_case_facts_not_published_by_the_coordinator_are_refused_and_change_nothing(
    police, police_store, http, broker_user
):
    record(police, http, call())
    case_of(police)
    police.sender = broker_user

    with pytest.raises(Refused, match=r"must come from wuyuan\.coordinator"):
        police.on_case_resolved(resolved("mediated"))
    with pytest.raises(Refused, match=r"must come from wuyuan\.coordinator"):
        police.on_referral_closed(closed(JUSTICE, "mediated"))

    assert (police_store.calls[BOUNDARY]["result"], police_store.calls[BOUNDARY]["mediator_result"]) == (None, None)


# --- figures ---------------------------------------------------------------------------------------------


def test_the_figures_count_the_officers_calls_of_the_period(police, http):
    record(police, http, call(violence=True))
    record(police, http, call("JQ4304262026112100019", offence="criminal", injury=True))
    case_of(police)
    police.on_case_resolved(resolved("mediated"))

    figures = http.body(police.call_figures(http.get({"from": "2026-11-01", "to": "2026-11-30"})))

    assert (figures["from"], figures["to"]) == ("2026-11-01", "2026-11-30")
    assert (figures["calls"]["recorded"], figures["calls"]["handed_to_mediation"]) == (2, 1)
    assert (figures["mediation"]["mediated"], figures["mediation"]["success_rate"]) == (1, 1.0)
    assert figures["risk"]["violence_or_injury"] == 2


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),
        ({"to": "2026-11-30"}, "from"),
        ({"from": "2026-11-01", "to": "November"}, "to"),
    ],
)
def test_a_wrong_period_is_refused_naming_the_day(police, http, query, named):
    with pytest.raises(BadInput) as refusal:
        police.call_figures(http.get(query))

    assert [f["field"] for f in refusal.value.fields] == [named]


def test_only_the_polices_officers_read_the_figures(police, http):
    police.caller = COURT_OFFICER

    with pytest.raises(Forbidden):
        police.call_figures(http.get({"from": "2026-11-01", "to": "2026-11-30"}))
