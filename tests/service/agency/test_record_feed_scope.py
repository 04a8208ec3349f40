"""The record feed (POST /api/v1/records) as stations' officers use it: a record id fed before is fed again only
for the unit it was first fed for, and a report that does not hold is refused without echoing anyone's data."""

import json
from dataclasses import replace

import pytest
from nameko.testing.services import worker_factory

from services.police_link.service import PoliceLink
from shared.agency import handlers
from shared.auth.principal import Forbidden, Principal, Role
from shared.contracts.messages import RegisterDispute
from shared.http import BadInput
from shared.refusal import NumberTaken
from tests.fakes.police import FakePoliceStore
from tests.fakes.unit_of_work import FakeUnitOfWork
from tests.http_answers import answered, number_taken_body

CALL_RECORD = "JQ430426202611220042"
CHENGGUAN_STATION = "police:430426101"
# Officers of the station that fed the call, of the neighbouring station, and of the county bureau over both.
STATION_OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({CHENGGUAN_STATION}))
NEIGHBOURING_OFFICER = Principal("chen.jing", "陈静", frozenset({Role.OFFICER}), frozenset({"police:430426102"}))
BUREAU_OFFICER = Principal("zhou.bin", "周斌", frozenset({Role.OFFICER}), frozenset({"police:430426"}))
MOBILE = "13800138000"
ID_NUMBER = "430426199005201239"


@pytest.fixture
def agency_store() -> FakePoliceStore:
    return FakePoliceStore()


@pytest.fixture
def uow(agency_store) -> FakeUnitOfWork[FakePoliceStore]:
    return FakeUnitOfWork(agency_store)


@pytest.fixture
def police(uow, platform) -> PoliceLink:
    return worker_factory(
        PoliceLink, uow=uow, platform=replace(platform, service="police_link"), caller=STATION_OFFICER
    )


def call_record(division_code: str = "430426101203", summary: str = "两户因宅基地界址发生推搡，民警到场制止。") -> dict:
    return {
        "record_id": CALL_RECORD,
        "category": "neighbour",
        "division_code": division_code,
        "summary": summary,
        "parties": [
            {"role": "applicant", "name": "张三", "phone": MOBILE},
            {"role": "respondent", "name": "李四"},
        ],
        "details": {"call_number": "110-20261122-0042"},
    }


@pytest.fixture
def fed_by_the_station(police, uow, http) -> RegisterDispute:
    police.feed_record(http.post(call_record()))
    [first] = uow.sent_of(RegisterDispute)
    return first


# --- a record id fed before ----------------------------------------------------------------------


def test_another_station_cannot_feed_a_repeat_onto_the_stations_record(
    police, uow, agency_store, http, fed_by_the_station
):
    police.caller = NEIGHBOURING_OFFICER
    kept = json.dumps(agency_store.records, default=str)

    with pytest.raises(NumberTaken) as refused:
        police.feed_record(http.post(call_record("430426102", "同一警情编号，另一个派出所再报一次。")))

    status, body = answered(refused.value)
    assert (status, body) == (409, number_taken_body("record_id"))  # taken, never whose
    assert CHENGGUAN_STATION not in body and "430426101" not in body
    assert uow.sent_of(RegisterDispute) == [fed_by_the_station]  # no repeat report reaches intake
    assert json.dumps(agency_store.records, default=str) == kept  # the station's record as it fed it


def test_the_station_feeding_its_record_again_sends_intake_a_repeat_as_before(
    police, uow, agency_store, http, fed_by_the_station
):
    response = police.feed_record(http.post(call_record(summary="当事人再次报警，称对方又来推搡。")))

    assert (response.status_code, http.body(response)["first_time"]) == (202, False)
    first, repeat = uow.sent_of(RegisterDispute)
    assert first == fed_by_the_station
    assert (repeat.report.source_record_id, repeat.report.summary) == (CALL_RECORD, "当事人再次报警，称对方又来推搡。")
    assert agency_store.records[CALL_RECORD]["message_id"] == first.message_id  # kept as first fed


def test_the_county_bureau_may_feed_its_stations_record_again(police, uow, http, fed_by_the_station):
    police.caller = BUREAU_OFFICER

    response = police.feed_record(http.post(call_record()))

    assert http.body(response)["first_time"] is False
    assert len(uow.sent_of(RegisterDispute)) == 2


def test_a_record_known_but_no_longer_kept_is_fed_again_by_nobody(police):
    """Its id taken (the insert found it) but its row gone when read back: with no place left to judge the officer
    by, not even the station that fed it may feed it again, nor anyone for the county."""
    for officer in (STATION_OFFICER, BUREAU_OFFICER):
        with pytest.raises(Forbidden, match=f"record {CALL_RECORD} is no longer kept"):
            handlers.require_feeder_of(None, CALL_RECORD, officer, police.platform, "record_id")


def test_another_station_cannot_record_a_call_under_the_number_of_the_stations_record(
    police, uow, agency_store, http, fed_by_the_station
):
    police.caller = NEIGHBOURING_OFFICER
    call = {
        "call_number": CALL_RECORD,
        "received_at": "2026-11-21T21:40:00+08:00",
        "unit": "police:430426102",
        "classification": "neighbour",
        "division_code": "430426102007",
        "summary": "两户因宅基地界址发生推搡，民警到场制止。",
        "parties": [{"role": "applicant", "name": "王五"}, {"role": "respondent", "name": "赵六"}],
        "suitable_for_mediation": True,
    }

    with pytest.raises(NumberTaken) as refused:
        police.record_call(http.post(call))

    assert answered(refused.value) == (409, number_taken_body("call_number"))
    assert agency_store.calls == {}  # the call is not tied to the other station's case
    assert uow.sent_but_link_facts() == [fed_by_the_station]


# --- a report that does not hold ----------------------------------------------------------------


def test_a_report_without_a_respondent_names_the_field_and_never_echoes_a_phone_or_id_number(
    police, uow, agency_store, http
):
    record = call_record()
    record["parties"] = [
        {"role": "applicant", "name": "张三"},
        {"role": "applicant", "name": "李四", "phone": MOBILE, "id_number": ID_NUMBER},
    ]

    with pytest.raises(BadInput) as refused:
        police.feed_record(http.post(record))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("parties", "value_error")]
    assert "respondent" in str(refused.value.fields[0]["message"])
    status, body = answered(refused.value)
    assert status == 400
    assert MOBILE not in body and ID_NUMBER not in body and "input_value" not in body
    assert uow.sent == [] and agency_store.records == {}


def test_any_other_fault_of_the_report_is_worded_without_its_text(police, http, monkeypatch):
    def refuses(**report):
        raise ValueError(f"no good: {report['parties'][0].phone}")

    monkeypatch.setattr(handlers, "DisputeReport", refuses)

    with pytest.raises(BadInput) as refused:
        police.feed_record(http.post(call_record()))

    assert refused.value.fields == [
        {"field": "(record)", "message": "does not make a dispute report", "type": "value_error"}
    ]


@pytest.mark.parametrize("place", ["430426199", "430426199001"], ids=["no such township", "a village of no township"])
def test_a_record_at_a_place_the_county_does_not_have_is_refused_before_anything_is_kept(
    police, uow, agency_store, http, place
):
    """The county bureau acts for every code under the county's, listed or not: the place itself must exist, or
    intake would refuse the case after the record was kept, and no station could ever act on it."""
    police.caller = BUREAU_OFFICER

    with pytest.raises(BadInput) as refused:
        police.feed_record(http.post(call_record(place)))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("division_code", "not_in_county")]
    assert (agency_store.records, uow.sent) == ({}, [])
