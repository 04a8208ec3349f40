"""The petition register as the bureau's officers use it: register, decide, extend, reply, 访调对接 to the centre."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.petition_link.service import PetitionLink
from shared.auth.principal import Forbidden, NotOwn, Principal, Role
from shared.contracts.messages import RegisterDispute
from shared.http import PUBLIC, ApiHandler, BadInput
from shared.messaging.routing import address
from shared.persistence.errors import Conflict, NotFound
from shared.refusal import NumberTaken, Refused
from shared.registry import AgencyRegistry
from tests.fakes.petition import FakePetitionStore
from tests.fakes.unit_of_work import FakeUnitOfWork
from tests.http_answers import answered, number_taken_body
from tests.messages import record_linked, referral_issued
from tests.service.petition_link.conftest import BEIJING, BUREAU_OFFICER, PETITION_KEY

NUMBER = "XF430426-2026-0311"
ID_NUMBER = "430426198507120012"
WAGES_VISIT = {
    "number": NUMBER,
    "received_on": "2026-11-02",
    "form": "visit",
    "petitioners": [
        {"name": "邓小勇", "id_number": ID_NUMBER, "phone": "13786543210"},
        {"name": "刘桂香", "phone": "13907341122"},
    ],
    "group_size": 6,
    "category": "wages",
    "division_code": "430426105",
    "summary": "六名务工人员集体来访，反映某建筑公司拖欠工资共计十二万元。",
    "respondents": [{"kind": "organisation", "name": "祁东县某建筑有限公司"}],
}
SUED_ALREADY = {
    **WAGES_VISIT,
    "number": "XF430426-2026-0312",
    "form": "letter",
    "group_size": 1,
    "petitioners": [{"name": "谭玉梅", "phone": "13807451001"}],
    "category": "debt",
    "summary": "来信反映借款纠纷，对一审判决不服。",
    "litigation_related": True,
    "litigation_reason": "已向人民法院起诉，一审已判决，当事人不服。",
}
ACCEPT_TO_MEDIATION = {"accepted": True, "reason": "属本机关职权范围，予以受理，转调解。", "to_mediation": True}
AGREEMENT = {
    "number": "祁调〔2026〕58号",
    "signed_on": "2026-12-20",
    "terms": "公司于2027年1月10日前付清工资十二万元。",
}


def register(bureau, http, body: dict = WAGES_VISIT) -> dict:
    response = bureau.register_petition(http.post(body))
    assert response.status_code in (200, 201)
    return http.body(response)


def refused_fields(call) -> list[str]:
    with pytest.raises(BadInput) as refused:
        call()
    return [f["field"] for f in refused.value.fields]


# --- registering ---------------------------------------------------------------------------------


def test_a_collective_visit_is_registered_as_one_batch_of_six_with_its_acceptance_due_in_fifteen_days(bureau, http):
    response = bureau.register_petition(http.post(WAGES_VISIT))

    assert response.status_code == 201
    shown = http.body(response)
    assert (shown["first_time"], shown["status"], shown["unit"]) == (True, "registered", "petition:430426")
    assert (shown["group_size"], shown["collective_visit"]) == (6, True)
    assert shown["acceptance"] == {
        "due_on": "2026-11-17",
        "decided_on": None,
        "accepted": None,
        "reason": None,
        "on_time": None,
        "overdue": False,
    }
    assert (shown["handling"], shown["reply"], shown["overdue"], shown["registered_by"]) == (
        None,
        None,
        False,
        "xu.jing",
    )


def test_the_id_number_is_neither_kept_nor_shown_and_mobiles_are_shown_masked(bureau, http, petition_store, uow):
    shown = register(bureau, http)

    assert shown["petitioners"] == [
        {"name": "邓小勇", "phone": "137****3210", "identified_by": "id_number"},
        {"name": "刘桂香", "phone": "139****1122", "identified_by": "name_and_mobile"},
    ]
    assert ID_NUMBER not in repr(petition_store.petitions) + repr(shown)
    assert uow.sent_but_link_facts() == []


def test_the_same_registration_sent_again_is_answered_as_kept_and_another_under_its_number_is_a_conflict(bureau, http):
    register(bureau, http)

    again = bureau.register_petition(http.post(WAGES_VISIT))
    assert (again.status_code, http.body(again)["first_time"]) == (200, False)

    with pytest.raises(Conflict, match="registered already, with other details"):
        bureau.register_petition(http.post({**WAGES_VISIT, "group_size": 7}))


def with_township_bureaus(bureau) -> None:
    """A county whose bureau has township offices (unit_digits 9): each registers the petitions of its own place."""
    agencies = bureau.platform.registry.agencies
    townships = AgencyRegistry({**agencies, "petition": replace(agencies["petition"], unit_digits=9)})
    bureau.platform = replace(bureau.platform, registry=townships)


TOWNSHIP_OFFICER = Principal("tang.li", "唐丽", frozenset({Role.OFFICER}), frozenset({"petition:430426105"}))
NEIGHBOURING_OFFICER = Principal("luo.bo", "罗波", frozenset({Role.OFFICER}), frozenset({"petition:430426102"}))


def test_another_offices_petition_number_sent_again_is_only_taken_naming_neither_its_place_nor_petition(
    bureau, http, petition_store
):
    with_township_bureaus(bureau)
    bureau.caller = TOWNSHIP_OFFICER
    register(bureau, http)
    kept = repr(petition_store.petitions)
    bureau.caller = NEIGHBOURING_OFFICER

    with pytest.raises(NumberTaken) as refused:
        bureau.register_petition(http.post({**WAGES_VISIT, "division_code": "430426102"}))

    status, body = answered(refused.value)
    assert (status, body) == (409, number_taken_body("number"))
    for held in ("petition:430426105", "430426105", "邓小勇", "建筑公司", "registered already"):
        assert held not in body
    assert repr(petition_store.petitions) == kept


def test_the_county_bureau_sending_its_offices_petition_again_is_answered_as_kept(bureau, http):
    with_township_bureaus(bureau)
    bureau.caller = TOWNSHIP_OFFICER
    register(bureau, http)
    bureau.caller = BUREAU_OFFICER

    again = bureau.register_petition(http.post(WAGES_VISIT))

    assert (again.status_code, http.body(again)["first_time"], http.body(again)["unit"]) == (
        200,
        False,
        "petition:430426105",
    )


def test_a_petition_number_nobody_holds_is_registered_for_the_neighbouring_office(bureau, http):
    with_township_bureaus(bureau)
    bureau.caller = TOWNSHIP_OFFICER
    register(bureau, http)
    bureau.caller = NEIGHBOURING_OFFICER

    response = bureau.register_petition(
        http.post({**WAGES_VISIT, "number": "XF430426-2026-0399", "division_code": "430426102"})
    )

    assert (response.status_code, http.body(response)["unit"]) == (201, "petition:430426102")


def test_a_petitioners_earlier_petitions_are_counted_and_those_on_the_same_matter(bureau, http, clock):
    register(bureau, http)
    other_matter = {
        **WAGES_VISIT,
        "number": "XF430426-2026-0350",
        "form": "online",
        "petitioners": [{"name": "邓小勇", "id_number": ID_NUMBER}],
        "group_size": 1,
        "category": "land",
        "summary": "网上信访：反映承包地被占。",
    }
    clock.at += timedelta(days=20)
    register(bureau, http, {**other_matter, "received_on": "2026-11-22"})
    clock.at += timedelta(days=10)
    repeat = {
        **WAGES_VISIT,
        "number": "XF430426-2026-0400",
        "received_on": "2026-12-02",
        "petitioners": [{"name": "邓小勇", "phone": "13786543210"}],  # no ID card with him this time
        "group_size": 1,
        "repeat_of": NUMBER,
    }

    shown = register(bureau, http, repeat)

    assert shown["matter"] == NUMBER
    assert shown["earlier_petitions"] == {
        "window_days": 365,
        "petitioners": [{"name": "邓小勇", "identified": True, "petitions": 1, "on_same_matter": 1}],
    }
    by_id = http.body(bureau.show_petition(http.get(), "XF430426-2026-0350"))["earlier_petitions"]["petitioners"]
    assert by_id == [{"name": "邓小勇", "identified": True, "petitions": 1, "on_same_matter": 0}]


def test_a_repeat_of_a_petition_never_registered_is_refused_naming_repeat_of(bureau, http, petition_store):
    fields = refused_fields(lambda: bureau.register_petition(http.post({**WAGES_VISIT, "repeat_of": "XF-2025-0001"})))

    assert fields == ["repeat_of"]
    assert petition_store.petitions == {}


def test_a_petition_received_tomorrow_is_refused_naming_received_on(bureau, http):
    fields = refused_fields(lambda: bureau.register_petition(http.post({**WAGES_VISIT, "received_on": "2026-11-03"})))

    assert fields == ["received_on"]


def test_a_petition_received_tomorrow_without_its_summary_is_one_400_naming_both_and_is_not_kept(
    bureau, http, petition_store, uow
):
    body = {**{k: v for k, v in WAGES_VISIT.items() if k != "summary"}, "received_on": "2026-11-03"}

    with pytest.raises(BadInput) as refused:
        bureau.register_petition(http.post(body))

    assert [(f["field"], f["type"], f["message"]) for f in refused.value.fields] == [
        ("received_on", "date_future", "is after today (2026-11-02)"),
        ("summary", "missing", "Field required"),
    ]
    assert petition_store.petitions == {} and uow.sent == []


def test_a_petition_received_today_in_the_county_is_kept_while_it_is_still_yesterday_in_utc(bureau, http, clock):
    clock.at = datetime(2026, 11, 3, 0, 30, tzinfo=BEIJING)  # 2 November, 16:30 UTC

    assert register(bureau, http, {**WAGES_VISIT, "received_on": "2026-11-03"})["received_on"] == "2026-11-03"


@pytest.mark.parametrize("received_on", ["0001-01-01", "0005-06-01", "1899-12-31"])
def test_a_petition_received_before_the_accepted_years_is_a_400_naming_received_on_and_is_not_kept(
    bureau, http, petition_store, uow, received_on
):
    with pytest.raises(BadInput) as refused:
        bureau.register_petition(http.post({**WAGES_VISIT, "received_on": received_on}))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("received_on", "date_out_of_range")]
    assert ApiHandler("POST", "/", access=PUBLIC).response_from_exception(refused.value).status_code == 400
    assert petition_store.petitions == {} and uow.sent == []


def test_a_kept_petition_of_the_calendars_first_years_shows_with_the_widest_window(bureau, http, petition_store):
    register(bureau, http)
    # Kept with a date no registration takes any more: its page still opens, its window cut at the first day.
    petition_store.petitions[NUMBER] = replace(petition_store.petitions[NUMBER], received_on=date(5, 6, 1))

    response = bureau.show_petition(http.get({"window_days": "3650"}), NUMBER)

    assert response.status_code == 200
    assert http.body(response)["received_on"] == "0005-06-01"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"petitioners": [{"kind": "organisation", "name": "某公司"}]}, "petitioners.0.kind"),
        ({"petitioners": [{"name": "邓小勇", "id_number": "430426198507120018"}]}, "petitioners.0.id_number"),
        ({"petitioners": [{"name": "邓小勇", "phone": "1378654321"}]}, "petitioners.0.phone"),
        ({"petitioners": []}, "petitioners"),
        ({"group_size": 1}, "group_size"),
        ({"form": "fax"}, "form"),
        ({"received_on": "2026-11-31"}, "received_on"),
        ({"number": "XF/2026/1"}, "number"),
        ({"litigation_related": True}, "litigation_reason"),
        ({"litigation_reason": "已起诉。"}, "litigation_reason"),
        ({"repeat_of": NUMBER}, "repeat_of"),
        ({"respondents": [{"kind": "organisation", "name": "某公司", "phone": "13800138000"}]}, "respondents.0.phone"),
        ({"division_code": "000000"}, "division_code"),
        ({"officer": "someone.else"}, "officer"),
    ],
)
def test_every_field_of_a_registration_is_checked_and_named(bureau, http, petition_store, change, field):
    assert refused_fields(lambda: bureau.register_petition(http.post({**WAGES_VISIT, **change}))) == [field]
    assert petition_store.petitions == {}


def test_without_the_deployments_key_no_petition_is_registered_and_the_setting_is_named(bureau, http, petition_store):
    bureau.petition_key = None

    with pytest.raises(BadInput) as refused:
        bureau.register_petition(http.post(WAGES_VISIT))

    assert refused.value.fields[0]["field"] == "(service)"
    assert "WUYUAN_PETITION_KEY_SECRET" in str(refused.value.fields[0]["message"])
    assert petition_store.petitions == {}


# --- 诉访分离 ----------------------------------------------------------------------------------------


def test_a_litigation_related_petition_is_separated_to_the_court_and_never_fed_to_the_centre(bureau, http, uow):
    shown = register(bureau, http, SUED_ALREADY)

    assert (shown["status"], shown["separated_to_court"], shown["fed_to_centre"]) == ("separated", True, None)
    assert shown["reply"] == {
        "replied_on": "2026-11-02",
        "result": "referred_to_litigation",
        "outcome": "unresolved",
        "summary": "已向人民法院起诉，一审已判决，当事人不服。",
        "agreement": None,
    }
    assert (shown["acceptance"]["on_time"], shown["handling"]) == (True, None)
    with pytest.raises(Refused, match="separated"):
        bureau.decide_acceptance(http.post(ACCEPT_TO_MEDIATION), SUED_ALREADY["number"])
    assert uow.sent_but_link_facts() == []


# --- acceptance, and 访调对接 ------------------------------------------------------------------------------


def test_an_accepted_petition_goes_to_mediation_as_the_bureaus_record_in_the_same_transaction(
    bureau, http, uow, petition_store, clock
):
    register(bureau, http)
    clock.at += timedelta(days=7)
    commits = uow.commits

    shown = http.body(bureau.decide_acceptance(http.post(ACCEPT_TO_MEDIATION), NUMBER))

    assert uow.commits == commits + 1
    [fed] = uow.sent_of(RegisterDispute)
    report = fed.report
    assert (report.source.value, report.source_record_id, report.category.value) == ("petition", NUMBER, "wages")
    assert [f.value for f in report.flags] == ["petition_involved", "group"]
    assert [(p.role.value, p.name, p.id_number) for p in report.parties] == [
        ("applicant", "邓小勇", None),
        ("applicant", "刘桂香", None),
        ("respondent", "祁东县某建筑有限公司", None),
    ]
    assert (fed.sender, fed.recipient, fed.fed_by) == ("petition:430426", "centre:430426", "xu.jing")
    assert address(fed, uow.registry) == ("wuyuan.documents", "intake.RegisterDispute")
    assert petition_store.records[NUMBER]["details"] == {
        "petition_number": NUMBER,
        "persons": 6,
        "repeat_petition": False,
    }
    assert shown["status"] == "accepted"
    assert shown["fed_to_centre"] == {"record_id": NUMBER, "message_id": str(fed.message_id)}
    assert shown["acceptance"]["on_time"] is True
    assert shown["handling"] == {
        "accepted_on": "2026-11-09",
        "due_on": "2027-01-08",
        "extension": None,
        "on_time": None,
        "overdue": False,
    }


def test_the_petitions_page_shows_the_referral_its_case_brought_back_to_the_bureau(bureau, http):
    register(bureau, http)
    bureau.decide_acceptance(http.post(ACCEPT_TO_MEDIATION), NUMBER)
    referral_id = UUID("55555555-5555-4555-8555-555555555555")

    bureau.on_referral_issued(
        referral_issued(
            referral_id, "petition:430426", case_id="430426-20261102-00007", source="petition", source_record_id=NUMBER
        )
    )

    [referral] = http.body(bureau.show_petition(http.get(), NUMBER))["case_referrals"]
    assert (referral["case_id"], referral["referral_id"], referral["status"]) == (
        "430426-20261102-00007",
        str(referral_id),
        "received",
    )


def test_a_petition_linked_to_a_case_the_bureau_already_leads_names_that_case_and_its_referral(bureau, http):
    led = "430426-20261101-00003"
    lead_referral = UUID("55555555-5555-4555-8555-555555555556")
    # The bureau already leads the case: the coordinator issues no new referral when the petition joins it.
    bureau.on_referral_issued(referral_issued(lead_referral, "petition:430426", case_id=led))
    register(bureau, http)
    bureau.decide_acceptance(http.post(ACCEPT_TO_MEDIATION), NUMBER)
    assert http.body(bureau.show_petition(http.get(), NUMBER))["joined_case"] is None

    bureau.sender = "wuyuan.intake"
    bureau.on_record_linked(record_linked(UUID(int=31), "petition:430426", NUMBER, led))

    shown = http.body(bureau.show_petition(http.get(), NUMBER))
    assert shown["joined_case"] == {
        "case_id": led,
        "reason": "same parties and category within 30 days",
        "linked_at": "2026-11-22T09:00:00+00:00",
        # The bureau's referral of that case has reported nothing yet.
        "result": None,
        "outcome": None,
        "mediated": None,
        "result_by": None,
        "referral_held": True,
    }
    [referral] = shown["case_referrals"]
    assert (referral["case_id"], referral["referral_id"], referral["role"]) == (led, str(lead_referral), "lead")


def test_a_petition_linked_to_a_case_the_bureau_holds_no_referral_of_still_names_the_case(bureau, http):
    register(bureau, http)
    bureau.decide_acceptance(http.post(ACCEPT_TO_MEDIATION), NUMBER)

    bureau.sender = "wuyuan.intake"
    bureau.on_record_linked(record_linked(UUID(int=31), "petition:430426", NUMBER, "430426-20261101-00003"))

    shown = http.body(bureau.show_petition(http.get(), NUMBER))
    assert shown["joined_case"]["case_id"] == "430426-20261101-00003"
    assert shown["case_referrals"] == []


def test_a_petition_naming_no_other_side_cannot_go_to_mediation_and_nothing_is_decided(
    bureau, http, uow, petition_store
):
    register(bureau, http, {**WAGES_VISIT, "respondents": []})

    assert refused_fields(lambda: bureau.decide_acceptance(http.post(ACCEPT_TO_MEDIATION), NUMBER)) == ["to_mediation"]

    assert petition_store.status_of_petition(NUMBER) == "registered"
    assert uow.sent_but_link_facts() == []


def test_a_petition_accepted_without_mediation_stays_with_the_bureau(bureau, http, uow):
    register(bureau, http)

    shown = http.body(bureau.decide_acceptance(http.post({"accepted": True, "reason": "予以受理。"}), NUMBER))

    assert (shown["status"], shown["fed_to_centre"]) == ("accepted", None)
    assert uow.sent_but_link_facts() == []
    assert uow.link_facts() == [("petition_registered", NUMBER), ("petition_accepted", NUMBER)]
    assert uow.sent[-1].detail == {"to_mediation": False}


def test_a_petition_registered_and_decided_again_after_a_restore_is_the_same_fact_for_supervision(
    bureau, http, uow, platform, clock
):
    """Restored to a point before the petition, the bureau registers and decides it afresh: the notes carry the
    first ones' ids, which supervision's inbox has taken, so the petition counts once in 批次 and 受理."""
    accept = {"accepted": True, "reason": "予以受理。"}
    register(bureau, http)
    bureau.decide_acceptance(http.post(accept), NUMBER)
    restored_uow = FakeUnitOfWork(FakePetitionStore())
    restored = worker_factory(
        PetitionLink,
        uow=restored_uow,
        platform=replace(platform, service="petition_link", now=clock.now),
        sender="wuyuan.coordinator",
        caller=BUREAU_OFFICER,
        petition_key=PETITION_KEY,
    )
    register(restored, http)
    restored.decide_acceptance(http.post(accept), NUMBER)

    def notes(work: FakeUnitOfWork[FakePetitionStore]) -> list[tuple[str, UUID]]:
        return [(m.kind, m.message_id) for m in work.sent if m.type == "LinkRecordNoted"]

    assert notes(restored_uow) == notes(uow)
    assert [kind for kind, _ in notes(uow)] == ["petition_registered", "petition_accepted"]


def test_a_petition_not_accepted_is_finished_and_cannot_go_to_mediation(bureau, http, uow):
    register(bureau, http)

    fields = refused_fields(
        lambda: bureau.decide_acceptance(
            http.post({"accepted": False, "reason": "不属于本机关职权范围。", "to_mediation": True}), NUMBER
        )
    )
    shown = http.body(
        bureau.decide_acceptance(http.post({"accepted": False, "reason": "不属于本机关职权范围。"}), NUMBER)
    )

    assert fields == ["to_mediation"]
    assert (shown["status"], shown["acceptance"]["accepted"], shown["handling"]) == ("not_accepted", False, None)
    with pytest.raises(Refused, match="already_decided"):
        bureau.decide_acceptance(http.post({"accepted": True, "reason": "受理"}), NUMBER)


def test_a_petition_undecided_after_fifteen_days_shows_overdue(bureau, http, clock):
    register(bureau, http)
    clock.at = datetime(2026, 11, 18, 0, 30, tzinfo=BEIJING)

    shown = http.body(bureau.show_petition(http.get(), NUMBER))

    assert (shown["overdue"], shown["acceptance"]["overdue"]) == (True, True)


# --- the term, its extension, the reply -------------------------------------------------------------------


@pytest.fixture
def accepted(bureau, http, clock) -> None:
    register(bureau, http)
    clock.at = datetime(2026, 11, 10, 10, 0, tzinfo=BEIJING)
    bureau.decide_acceptance(http.post({"accepted": True, "reason": "予以受理。"}), NUMBER)


def test_the_term_is_extended_once_by_at_most_thirty_days_with_its_reason(bureau, http, accepted):
    shown = http.body(bureau.extend_term(http.post({"days": 30, "reason": "涉及工程款结算，需联合调查。"}), NUMBER))

    assert shown["handling"]["due_on"] == "2027-02-08"
    assert shown["handling"]["extension"] == {
        "days": 30,
        "reason": "涉及工程款结算，需联合调查。",
        "granted_on": "2026-11-10",
    }
    with pytest.raises(Refused, match="already_extended"):
        bureau.extend_term(http.post({"days": 5, "reason": "再次延期"}), NUMBER)


@pytest.mark.parametrize(("body", "field"), [({"days": 31, "reason": "复杂"}, "days"), ({"days": 10}, "reason")])
def test_an_extension_beyond_thirty_days_or_without_a_reason_is_refused_by_name(bureau, http, accepted, body, field):
    assert refused_fields(lambda: bureau.extend_term(http.post(body), NUMBER)) == [field]


def test_no_extension_once_the_sixty_days_have_ended(bureau, http, accepted, clock):
    clock.at = datetime(2027, 1, 10, 9, 0, tzinfo=BEIJING)

    with pytest.raises(Refused, match="term_ended"):
        bureau.extend_term(http.post({"days": 10, "reason": "复杂"}), NUMBER)
    assert http.body(bureau.show_petition(http.get(), NUMBER))["handling"]["overdue"] is True


def test_a_mediated_reply_carries_the_agreement_and_is_on_time(bureau, http, accepted, clock):
    clock.at = datetime(2026, 12, 21, 15, 0, tzinfo=BEIJING)

    body = {"result": "mediated", "summary": "经人民调解，双方达成协议。", "agreement": AGREEMENT}
    shown = http.body(bureau.reply(http.post(body), NUMBER))

    assert shown["status"] == "replied"
    assert shown["reply"] == {
        "replied_on": "2026-12-21",
        "result": "mediated",
        "outcome": "resolved",
        "summary": "经人民调解，双方达成协议。",
        "agreement": {**AGREEMENT, "form": "written"},
    }
    assert (shown["handling"]["on_time"], shown["overdue"]) == (True, False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"result": "mediated", "summary": "调解成功。"}, "agreement"),
        ({"result": "handled", "summary": "已答复。", "agreement": AGREEMENT}, "agreement"),
        ({"result": "solved", "summary": "已答复。"}, "result"),
        ({"outcome": "resolved", "summary": "已答复。"}, "result"),
        ({"result": "handled"}, "summary"),
    ],
)
def test_a_reply_is_checked_by_the_contracts_result_rules(bureau, http, accepted, clock, body, field):
    clock.at = datetime(2026, 12, 21, 15, 0, tzinfo=BEIJING)  # the day after the agreement was signed
    assert refused_fields(lambda: bureau.reply(http.post(body), NUMBER)) == [field]


def test_a_reply_with_an_agreement_signed_after_today_is_a_400_naming_its_date_and_the_petition_stays_open(
    bureau, http, accepted, clock, petition_store
):
    clock.at = datetime(2026, 12, 21, 15, 0, tzinfo=BEIJING)
    body = {
        "result": "mediated",
        "summary": "经人民调解，双方达成协议。",
        "agreement": {**AGREEMENT, "signed_on": "2099-01-01"},
    }

    with pytest.raises(BadInput) as refused:
        bureau.reply(http.post(body), NUMBER)

    assert refused.value.fields == [
        {"field": "agreement.signed_on", "message": "is after today (2026-12-21)", "type": "date_future"}
    ]
    assert petition_store.status_of_petition(NUMBER) == "accepted"


def test_a_reply_with_an_agreement_signed_after_today_and_no_summary_is_one_400_naming_both(
    bureau, http, accepted, clock, petition_store
):
    clock.at = datetime(2026, 12, 21, 15, 0, tzinfo=BEIJING)
    body = {"result": "mediated", "agreement": {**AGREEMENT, "signed_on": "2026-12-22"}}

    with pytest.raises(BadInput) as refused:
        bureau.reply(http.post(body), NUMBER)

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [
        ("agreement.signed_on", "date_future"),
        ("summary", "missing"),
    ]
    assert petition_store.status_of_petition(NUMBER) == "accepted"


def test_a_reply_with_an_agreement_signed_before_the_petition_was_received_is_a_400_naming_its_date(
    bureau, http, accepted, clock, petition_store
):
    clock.at = datetime(2026, 12, 21, 15, 0, tzinfo=BEIJING)
    body = {
        "result": "mediated",
        "summary": "经人民调解，双方达成协议。",
        "agreement": {**AGREEMENT, "signed_on": "2026-11-01"},  # received 2 November
    }

    with pytest.raises(BadInput) as refused:
        bureau.reply(http.post(body), NUMBER)

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("agreement.signed_on", "date_before_start")]
    assert petition_store.status_of_petition(NUMBER) == "accepted"


def test_an_agreement_signed_today_in_the_county_is_taken_though_it_is_still_yesterday_in_utc(
    bureau, http, accepted, clock
):
    clock.at = datetime(2026, 12, 21, 0, 30, tzinfo=BEIJING)
    body = {
        "result": "mediated",
        "summary": "经人民调解，双方达成协议。",
        "agreement": {**AGREEMENT, "signed_on": "2026-12-21"},
    }

    shown = http.body(bureau.reply(http.post(body), NUMBER))

    assert (shown["status"], shown["reply"]["agreement"]["signed_on"]) == ("replied", "2026-12-21")


def test_a_reply_before_acceptance_is_refused(bureau, http):
    register(bureau, http)

    with pytest.raises(Refused, match="not_accepted"):
        bureau.reply(http.post({"result": "handled", "summary": "已答复。"}), NUMBER)


# --- who, and which petition ----------------------------------------------------------------------


def test_an_unknown_petition_is_not_found_and_a_number_that_is_no_number_is_refused(bureau, http):
    with pytest.raises(NotFound):
        bureau.show_petition(http.get(), "XF-2026-9999")
    assert refused_fields(lambda: bureau.show_petition(http.get(), "figures")) == ["number"]
    assert refused_fields(lambda: bureau.show_petition(http.get({"window_days": "0"}), NUMBER)) == ["window_days"]


OTHER_AGENCY = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))
NEIGHBOURING_BUREAU = Principal("he.li", "何莉", frozenset({Role.OFFICER}), frozenset({"petition:430405"}))


@pytest.mark.parametrize("caller", [OTHER_AGENCY, NEIGHBOURING_BUREAU], ids=lambda p: p.subject)
def test_only_the_bureaus_own_officers_register_read_and_act_on_its_petitions(bureau, http, caller, petition_store):
    register(bureau, http)
    bureau.caller = caller

    # Another agency's officer is refused as such (403); another county's bureau reads the petition as one that does
    # not exist (404), so that a number never tells whether the county holds it.
    not_theirs = Forbidden if caller is OTHER_AGENCY else NotOwn
    with pytest.raises(Forbidden):
        bureau.register_petition(http.post({**WAGES_VISIT, "number": "XF430426-2026-0999"}))
    with pytest.raises(not_theirs):
        bureau.show_petition(http.get(), NUMBER)
    with pytest.raises(not_theirs):
        bureau.decide_acceptance(http.post({"accepted": True, "reason": "受理"}), NUMBER)
    assert list(petition_store.petitions) == [NUMBER]
    assert petition_store.status_of_petition(NUMBER) == "registered"


def test_a_number_typed_into_a_name_is_kept_masked_not_beyond_the_phones_retention(bureau, http, petition_store):
    petitioner = {"name": f"邓小勇（身份证{ID_NUMBER}）", "phone": "13786543210"}
    other_side = {"name": "王老板 13907341122"}
    register(bureau, http, {**WAGES_VISIT, "petitioners": [petitioner], "group_size": 1, "respondents": [other_side]})

    kept = petition_store.petitions[NUMBER]
    assert ID_NUMBER not in kept.petitioners[0].name and kept.petitioners[0].name.startswith("邓小勇（身份证")
    assert "13907341122" not in kept.respondents[0].name


def test_mobile_numbers_of_finished_petitions_are_dropped_after_the_retention_period(
    bureau, http, clock, petition_store, run_as
):
    run_as("petition_link")
    register(bureau, http, SUED_ALREADY)
    clock.at += timedelta(days=1096)

    bureau.purge_petitioner_phones()

    assert petition_store.petitions[SUED_ALREADY["number"]].petitioners[0].phone is None


def petition_record(persons: int | None, applicants: int = 6) -> dict:
    """A collective visit the bureau's own system registered, fed in with its petitioners as applicants."""
    details: dict = {"petition_number": NUMBER}
    if persons is not None:
        details["persons"] = persons
    return {
        "record_id": NUMBER,
        "category": "wages",
        "division_code": "430426105",
        "summary": "务工人员集体来访，反映某建筑公司拖欠工资。",
        "parties": [
            *({"role": "applicant", "name": f"务工人员{i + 1}"} for i in range(applicants)),
            {"role": "respondent", "kind": "organisation", "name": "祁东县某建筑有限公司"},
        ],
        "details": details,
    }


def test_a_record_naming_more_petitioners_than_its_persons_is_refused_naming_persons_and_nothing_is_fed(
    bureau, http, uow
):
    assert refused_fields(lambda: bureau.feed_record(http.post(petition_record(persons=1)))) == ["details.persons"]
    assert uow.sent == []


def test_a_record_without_its_persons_counts_everyone_it_names_and_six_are_a_group(bureau, http, uow, petition_store):
    bureau.feed_record(http.post(petition_record(persons=None)))

    [fed] = uow.sent_of(RegisterDispute)
    assert "group" in fed.report.flags  # five or more: the political-legal committee joins
    assert petition_store.records[NUMBER]["details"]["persons"] == 6
