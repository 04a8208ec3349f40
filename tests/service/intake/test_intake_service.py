"""Intake over HTTP and from agency feeds: a new report opens a numbered case, a repeat joins the case it repeats."""

import re
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory
from pydantic import ValidationError

from services.intake.dependencies import PartyKeySecret
from services.intake.frequency import DEFAULT_RULES
from services.intake.service import Intake
from services.intake.settings import intake_settings
from shared.auth.principal import Principal, Role
from shared.clock import now
from shared.contracts.disputes import DisputeReport
from shared.contracts.messages import CaseRegistered, RecordLinked, RegisterDispute, RepeatReportLinked
from shared.http import BadInput
from shared.persistence.errors import NotFound
from shared.refusal import Refused
from shared.wording import field_error_text
from tests.fakes.intake import FakeIntakeStore
from tests.fakes.unit_of_work import FakeUnitOfWork

ZHANG_SAN_ID = "430426199005201239"
LI_SI_ID = "430426198511114563"
ZHANG_SAN_PHONE = "13800138000"
LI_SI_PHONE = "13900139000"
COURT_RECORD = "(2026)湘0426民诉前调1234号"
PARTY_KEY_SECRET = b"a deployment secret of 32 bytes!"
CASE_NUMBER = re.compile(r"^430426-\d{8}-(\d{5})$")


@pytest.fixture
def intake_store() -> FakeIntakeStore:
    return FakeIntakeStore()


@pytest.fixture
def uow(intake_store) -> FakeUnitOfWork[FakeIntakeStore]:
    return FakeUnitOfWork(intake_store)


CLERK = Principal("wang.fang", "王芳", frozenset({Role.INTAKE_STAFF}))


@pytest.fixture
def intake(uow, platform) -> Intake:
    # Feeds in these tests come from the court's broker user, as RabbitMQ would vouch.
    return worker_factory(
        Intake,
        uow=uow,
        platform=replace(platform, service="intake"),
        sender="wuyuan.court_link",
        party_key_secret=PARTY_KEY_SECRET,
        alert_rules=DEFAULT_RULES,
        caller=CLERK,
    )


def report(source="walk_in", record=None, respondent="李四", respondent_id=LI_SI_ID, **fields) -> dict:
    return {
        "source": source,
        "category": "neighbour",
        "division_code": "430426101",
        "summary": "李四家装修占用公共楼道，张三多次协商未果。",
        "parties": [
            {"role": "applicant", "name": "张三", "id_number": ZHANG_SAN_ID, "phone": ZHANG_SAN_PHONE},
            {"role": "respondent", "name": respondent, "id_number": respondent_id, "phone": LI_SI_PHONE},
        ],
        "source_record_id": record,
        **fields,
    }


def fed_by_court(message_id: str, record: str = COURT_RECORD) -> RegisterDispute:
    return RegisterDispute.build(
        message_id=UUID(message_id),
        occurred_at=now(),
        case_id=None,
        sender="court:430426",
        recipient="centre:430426",
        report=DisputeReport.model_validate(report("court_filing", record)),
    )


# --- a new case --------------------------------------------------------------------------


def test_a_walk_in_report_opens_a_numbered_case_and_tells_the_coordinator(intake, uow, intake_store, http):
    response = intake.register_dispute(http.post(report()))

    assert response.status_code == 201
    answer = http.body(response)
    assert answer["linked"] is False
    assert CASE_NUMBER.match(answer["case_id"]).group(1) == "00001"
    assert list(intake_store.cases) == [answer["case_id"]]
    [registered] = uow.sent_of(CaseRegistered)
    assert registered.case_id == answer["case_id"]
    assert (registered.sender, registered.recipient) == ("centre:430426", "centre:430426")
    assert [p.name for p in registered.parties] == ["张三", "李四"]
    assert registered.registered_by == "wang.fang"  # the signed-in clerk, for the coordinator's record
    assert [r["registered_by"] for r in intake_store.reports] == ["wang.fang"]


def test_the_case_registered_message_carries_phones_but_never_id_numbers(intake, uow, http):
    intake.register_dispute(http.post(report()))

    [registered] = uow.sent_of(CaseRegistered)
    wire = registered.model_dump_json()
    assert ZHANG_SAN_ID not in wire and LI_SI_ID not in wire
    assert all("id_number" not in party for party in registered.model_dump()["parties"])
    assert [p.phone for p in registered.parties] == [ZHANG_SAN_PHONE, LI_SI_PHONE]


def test_two_unrelated_cases_on_one_day_get_consecutive_numbers(intake, http):
    first = http.body(intake.register_dispute(http.post(report())))
    second = http.body(intake.register_dispute(http.post(report(respondent="王五", respondent_id=None))))

    assert CASE_NUMBER.match(first["case_id"]).group(1) == "00001"
    assert CASE_NUMBER.match(second["case_id"]).group(1) == "00002"
    assert first["case_id"][:15] == second["case_id"][:15]


# --- repeats -----------------------------------------------------------------------------


def test_the_same_court_record_fed_again_is_linked_to_its_case(intake, uow, intake_store):
    intake.on_register_dispute(fed_by_court("00000000-0000-4000-8000-000000000001"))
    [case_id] = intake_store.cases

    intake.on_register_dispute(fed_by_court("00000000-0000-4000-8000-000000000002"))

    [linked] = uow.sent_of(RepeatReportLinked)
    assert (linked.case_id, linked.source.value, linked.source_record_id) == (case_id, "court_filing", COURT_RECORD)
    assert list(intake_store.cases) == [case_id]
    assert [r["linked"] for r in intake_store.reports] == [False, True]


def test_the_same_people_reporting_again_at_the_window_join_their_open_case(intake, uow, intake_store, http):
    first = http.body(intake.register_dispute(http.post(report())))

    again = intake.register_dispute(http.post(report(summary="张三再次来访，楼道仍被占用。")))

    assert again.status_code == 200
    first_report, this_report = intake_store.reports
    assert first["report_id"] == str(first_report["report_id"])
    assert http.body(again) == {
        "case_id": first["case_id"],
        "linked": True,
        "reason": "same parties and category within 30 days",
        "report_id": str(this_report["report_id"]),  # this report among the case's, for its receipt
    }
    assert len(intake_store.cases) == 1
    assert uow.sent_types() == ["CaseRegistered", "RepeatReportLinked"]
    # What was said this time goes to the coordinator, for the units of a round it reopens to read.
    [linked] = uow.sent_of(RepeatReportLinked)
    assert linked.summary == "张三再次来访，楼道仍被占用。"


def test_a_redelivered_register_dispute_registers_nothing_more(intake, uow, intake_store):
    message = fed_by_court("00000000-0000-4000-8000-000000000042")

    intake.on_register_dispute(message)
    intake.on_register_dispute(message)

    assert len(intake_store.cases) == 1
    assert len(intake_store.reports) == 1
    assert uow.sent_types() == ["CaseRegistered"]


# --- telling the feeding agency which case its record joined -------------------------------------

OTHER_COURT_RECORD = "(2026)湘0426民诉前调1300号"


def test_an_agencys_record_linked_to_an_open_case_tells_the_unit_that_fed_it_which_case_it_joined(
    intake, uow, intake_store
):
    intake.on_register_dispute(fed_by_court("00000000-0000-4000-8000-000000000001"))
    [case_id] = intake_store.cases
    # Another filing of the court's between the same people, about the same thing: intake links it.
    second = fed_by_court("00000000-0000-4000-8000-000000000002", record=OTHER_COURT_RECORD)

    intake.on_register_dispute(second)

    assert uow.sent_types() == ["CaseRegistered", "RepeatReportLinked", "RecordLinked"]
    [joined] = uow.sent_of(RecordLinked)
    assert (joined.sender, joined.recipient) == ("centre:430426", "court:430426")
    assert (joined.case_id, joined.record_id, joined.reason, joined.fed_message_id) == (
        case_id,
        OTHER_COURT_RECORD,
        "same parties and category within 30 days",
        second.message_id,
    )
    # Routed by its recipient to the court's inbox, as every document to an agency is.
    assert uow.routing_keys[joined.message_id] == "court_link.RecordLinked"


def test_a_record_fed_again_is_told_the_case_its_first_feed_opened(intake, uow, intake_store):
    intake.on_register_dispute(fed_by_court("00000000-0000-4000-8000-000000000001"))
    [case_id] = intake_store.cases

    intake.on_register_dispute(fed_by_court("00000000-0000-4000-8000-000000000002"))

    [joined] = uow.sent_of(RecordLinked)
    assert (joined.case_id, joined.record_id, joined.reason) == (case_id, COURT_RECORD, "same source record")


def test_a_record_that_opens_a_case_is_not_answered_its_referrals_name_it(intake, uow, intake_store):
    intake.on_register_dispute(fed_by_court("00000000-0000-4000-8000-000000000001"))
    intake.on_register_dispute(
        fed_by_court("00000000-0000-4000-8000-000000000002", record=OTHER_COURT_RECORD).model_copy(
            update={"report": DisputeReport.model_validate(report("court_filing", OTHER_COURT_RECORD, "王五", None))}
        )
    )

    assert len(intake_store.cases) == 2
    assert uow.sent_types() == ["CaseRegistered", "CaseRegistered"]


def test_a_window_report_linked_to_an_open_case_is_answered_to_the_clerk_alone(intake, uow, http):
    intake.register_dispute(http.post(report()))
    intake.register_dispute(http.post(report(summary="张三再次来访。")))

    assert uow.sent_of(RecordLinked) == []


# --- bad input and reading a case ---------------------------------------------------------


def test_a_report_without_a_respondent_is_refused_naming_the_parties(intake, uow, intake_store, http):
    lonely = report()
    lonely["parties"] = [lonely["parties"][0], {**lonely["parties"][0], "name": "张三之妻", "id_number": None}]

    with pytest.raises(BadInput) as refused:
        intake.register_dispute(http.post(lonely))

    assert [f["field"] for f in refused.value.fields] == ["parties"]
    assert "respondent" in refused.value.fields[0]["message"]
    assert intake_store.cases == {}
    assert uow.sent == []


def test_a_window_report_of_a_party_born_after_today_is_refused_naming_the_id_number(intake_store, uow, platform, http):
    # 2026-12-08 in Beijing; 430426203001011234 is a real day, 2030-01-01, with a right check character.
    judged_at = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    intake = worker_factory(
        Intake,
        uow=uow,
        platform=replace(platform, service="intake", now=lambda: judged_at),
        party_key_secret=PARTY_KEY_SECRET,
        alert_rules=DEFAULT_RULES,
        caller=CLERK,
    )

    with pytest.raises(BadInput) as refused:
        intake.register_dispute(http.post(report(respondent_id="430426203001011234")))

    [error] = refused.value.fields
    assert (error["field"], error["type"]) == ("parties.1.id_number", "id_birth_date_future")
    assert field_error_text(error) == "身份证号中的出生日期晚于今天，请核对"
    assert intake_store.cases == {}
    assert uow.sent == []


def test_staff_see_a_case_with_id_numbers_and_phones_masked(intake, http):
    case_id = http.body(intake.register_dispute(http.post(report())))["case_id"]

    response = intake.show_dispute(http.get(), case_id)

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert ZHANG_SAN_ID not in text and ZHANG_SAN_PHONE not in text
    zhang_san = http.body(response)["report"]["parties"][0]
    assert zhang_san["id_number"] == "430426***********9"
    assert zhang_san["phone"] == "138****8000"


def test_asking_for_a_case_by_a_malformed_number_names_the_case_id(intake, http):
    with pytest.raises(BadInput) as refused:
        intake.show_dispute(http.get(), "430426-2026-1")

    assert [f["field"] for f in refused.value.fields] == ["case_id"]


def test_asking_for_an_unknown_case_is_not_found(intake, http):
    with pytest.raises(NotFound):
        intake.show_dispute(http.get(), f"430426-{datetime.now():%Y%m%d}-00999")


# --- who may feed what ---------------------------------------------------------------------


@pytest.mark.parametrize("source", ["court_filing", "police_call", "mediation_request", "petition", "stability_lead"])
def test_the_window_cannot_register_an_agencys_own_record(intake, uow, intake_store, http, source):
    """A court filing or a police call typed in at the window could later take over the case of the record
    the agency feeds; the agencies' records come only through their feeds."""
    with pytest.raises(BadInput) as refused:
        intake.register_dispute(http.post(report(source, COURT_RECORD)))

    assert [f["field"] for f in refused.value.fields] == ["source"]
    assert "arrives through its agency's feed" in refused.value.fields[0]["message"]
    assert intake_store.cases == {}
    assert intake_store.reports == []
    assert uow.sent == []


@pytest.mark.parametrize("source", ["walk_in", "hotline", "grid"])
def test_the_window_registers_its_own_channels(intake, intake_store, http, source):
    response = intake.register_dispute(
        http.post(report(source, "12345-20261205-0001" if source == "hotline" else None))
    )

    assert response.status_code == 201
    assert len(intake_store.cases) == 1


@pytest.mark.parametrize(
    "place",
    ["430421101", "430426199", "430426199001"],
    ids=["another county's township", "a township the county does not have", "a village of no township of it"],
)
def test_a_report_placed_outside_the_countys_divisions_is_refused_naming_the_place(
    intake, uow, intake_store, http, place
):
    """A case numbered for another county, or led by a unit at a place that does not exist, no account could act on."""
    with pytest.raises(BadInput) as refused:
        intake.register_dispute(http.post(report(division_code=place)))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("division_code", "not_in_county")]
    assert intake_store.cases == {}
    assert uow.sent == []


def test_an_agencys_record_placed_outside_the_county_is_refused_and_nothing_is_registered(intake, uow, intake_store):
    intake.sender = "wuyuan.court_link"
    elsewhere = fed_by_court("00000000-0000-4000-8000-0000000000f3")
    elsewhere = elsewhere.model_copy(
        update={"report": elsewhere.report.model_copy(update={"division_code": "430421101"})}
    )

    with pytest.raises(Refused) as refused:
        intake.on_register_dispute(elsewhere)

    assert refused.value.code == "not_in_county"
    assert intake_store.cases == {}
    assert uow.sent == []


def test_an_agency_cannot_feed_another_agencys_source(intake, uow, intake_store):
    """The police's broker user sending a 'court filing' is refused, and nothing is registered."""
    intake.sender = "wuyuan.police_link"

    with pytest.raises(Refused, match="police_link may feed only source police_call"):
        intake.on_register_dispute(fed_by_court("00000000-0000-4000-8000-0000000000f1"))

    assert intake_store.cases == {}
    assert uow.sent == []


def test_a_feed_from_a_user_outside_the_platform_is_refused(intake, uow, intake_store):
    intake.sender = "guest"

    with pytest.raises(Refused, match="feeds no source"):
        intake.on_register_dispute(fed_by_court("00000000-0000-4000-8000-0000000000f2"))

    assert intake_store.cases == {}


# --- the party key secret -------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "too short"], ids=["missing", "shorter than 32 characters"])
def test_intake_refuses_to_start_without_a_usable_party_key_secret(run_as, monkeypatch, secret):
    run_as("intake")
    if secret is None:
        monkeypatch.delenv("WUYUAN_PARTY_KEY_SECRET", raising=False)
    else:
        monkeypatch.setenv("WUYUAN_PARTY_KEY_SECRET", secret)
    intake_settings.cache_clear()

    with pytest.raises(ValidationError, match="party_key_secret"):
        PartyKeySecret().setup()
    intake_settings.cache_clear()


def test_intake_keys_parties_with_the_configured_secret(run_as, monkeypatch):
    run_as("intake")
    monkeypatch.setenv("WUYUAN_PARTY_KEY_SECRET", PARTY_KEY_SECRET.decode())
    monkeypatch.setenv("WUYUAN_PERSONAL_DATA_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    intake_settings.cache_clear()
    provider = PartyKeySecret()

    provider.setup()

    assert provider.get_dependency(worker_ctx=None) == PARTY_KEY_SECRET
    intake_settings.cache_clear()


@pytest.mark.parametrize("recipient", ["court:430426", "centre:430426101", "centre:430481"])
def test_a_feed_not_addressed_to_the_countys_centre_is_refused_and_nothing_is_registered(
    intake, uow, intake_store, recipient
):
    intake.sender = "wuyuan.court_link"
    misaddressed = fed_by_court("00000000-0000-4000-8000-0000000000f3").model_copy(update={"recipient": recipient})

    with pytest.raises(Refused, match="wrong_recipient"):
        intake.on_register_dispute(misaddressed)

    assert intake_store.cases == {}
    assert uow.sent == []
