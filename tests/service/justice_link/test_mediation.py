"""调源 as the township justice office's officers use it: assign a mediator, record sessions, refer a party to
legal aid, report the agreement, read guidance onward for a failed mediation, and the figures."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.justice_link.directory import load_directory
from services.justice_link.service import JusticeLink
from shared.auth.principal import NotOwn, Principal, Role
from shared.contracts.messages import ReferralWithdrawn, ResultReported
from shared.http import PUBLIC, ApiHandler, BadInput
from shared.persistence.errors import NotFound
from shared.refusal import Refused
from tests.fakes.justice import FakeJusticeStore
from tests.fakes.unit_of_work import FakeUnitOfWork
from tests.messages import referral_issued

OFFICE = "justice:430426101"  # 砖塘镇司法所
OFFICER = Principal("tang.li", "唐丽", frozenset({Role.OFFICER}), frozenset({OFFICE}))
OTHER_OFFICE = Principal("jiang.bo", "蒋波", frozenset({Role.OFFICER}), frozenset({"justice:430426102"}))
MORNING = datetime(2026, 12, 4, 1, 30, tzinfo=UTC)  # 09:30 in Beijing
FENCE = UUID("11111111-1111-4111-8111-111111111111")
WAGES = UUID("22222222-2222-4222-8222-222222222222")
DIRECTORY = load_directory(Path(__file__).parents[3] / "config")
AGREEMENT = {"number": "砖司调〔2026〕第9号", "signed_on": "2026-12-04", "terms": "李四于十日内拆除越界围墙。"}


@dataclass
class Clock:
    at: datetime = MORNING

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def store() -> FakeJusticeStore:
    store = FakeJusticeStore()
    store.sync_directory(DIRECTORY, MORNING)
    return store


@pytest.fixture
def uow(store) -> FakeUnitOfWork[FakeJusticeStore]:
    return FakeUnitOfWork(store)


@pytest.fixture
def justice(uow, platform) -> JusticeLink:
    service = worker_factory(
        JusticeLink,
        uow=uow,
        platform=replace(platform, service="justice_link", now=Clock()),
        sender="wuyuan.coordinator",
        caller=OFFICER,
    )
    service.on_referral_issued(referral_issued(FENCE, OFFICE, division_code="430426101203"))
    service.on_referral_issued(
        referral_issued(WAGES, OFFICE, category="wages", division_code="430426101201", case_id="430426-20261204-00002")
    )
    return service


def mediation(justice, http, referral: UUID = FENCE) -> dict:
    return http.body(justice.show_mediation(http.get(), str(referral)))


def refused_fields(call) -> list[str]:
    with pytest.raises(BadInput) as refused:
        call()
    return [str(f["field"]) for f in refused.value.fields]


def test_a_new_referral_is_proposed_to_its_village_committee_and_has_no_assignment(justice, http):
    shown = mediation(justice, http)
    assert shown["proposal"]["organisation"] == "zt-xintang"
    assert (shown["proposal"]["mediator"], shown["proposal"]["mediator_name"]) == ("zt-xintang-01", "陈国平")
    assert (shown["assignment"], shown["sessions"], shown["legal_aid"], shown["guidance"]) == (None, [], [], None)


def test_wages_in_a_village_without_a_committee_for_them_go_to_the_township_before_the_county(justice, http):
    proposal = mediation(justice, http, WAGES)["proposal"]
    assert (proposal["organisation"], proposal["mediator"], proposal["place_digits"]) == ("zt-town", "zt-town-02", 9)


def test_a_case_from_the_bureaus_own_mediation_request_shows_the_committee_and_legal_aid_asked(justice, http):
    """法律援助: asked for with the request (POST /api/v1/records), it reaches the mediators on the referral's page."""
    request = {
        "record_id": "SQ-2026-0088",
        "category": "neighbour",
        "division_code": "430426101203",
        "summary": "邻居围墙越界，申请人民调解，并申请法律援助。",
        "parties": [{"role": "applicant", "name": "张三"}, {"role": "respondent", "name": "李四"}],
        "details": {"committee": "新塘村人民调解委员会", "legal_aid_requested": True},
    }
    justice.feed_record(http.post(request))
    asked = UUID("33333333-3333-4333-8333-333333333333")
    justice.on_referral_issued(
        referral_issued(
            asked,
            OFFICE,
            division_code="430426101203",
            source="mediation_request",
            source_record_id="SQ-2026-0088",
            case_id="430426-20261204-00003",
        )
    )

    assert mediation(justice, http, asked)["request"] == {
        "record_id": "SQ-2026-0088",
        "committee": "新塘村人民调解委员会",
        "legal_aid_requested": True,
    }
    assert mediation(justice, http)["request"] is None  # a case from the centre's window asked nothing of the bureau


def test_the_officer_assigns_the_proposal_and_it_is_logged(justice, store, http):
    answer = http.body(
        justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    )
    assert (answer["assignment"]["mediator"], answer["assignment"]["as_proposed"]) == ("zt-xintang-01", True)
    assert answer["assignment"]["assigned_by"] == "tang.li"
    [line] = [e for e in store.entries if e["kind"] == "mediation_assigned"]
    assert (line["officer"], line["detail"]["mediator"]) == ("tang.li", "zt-xintang-01")
    # The referral's own assignment does not count against proposing its mediator again.
    assert mediation(justice, http)["proposal"]["mediator"] == "zt-xintang-01"


def test_the_same_assignment_sent_again_keeps_its_day_and_is_noted_once(justice, store, uow, http):
    body = {"organisation": "zt-xintang", "mediator": "zt-xintang-01"}
    first = http.body(justice.assign_mediation(http.post(body), str(FENCE)))["assignment"]
    justice.platform.now.at = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday: 重新指派 pressed unchanged

    again = http.body(justice.assign_mediation(http.post(body), str(FENCE)))["assignment"]

    assert again == first and again["assigned_at"] == MORNING.isoformat()
    assert [e["kind"] for e in store.entries].count("mediation_assigned") == 1
    assert uow.link_facts() == [("mediator_assigned", str(FENCE))]
    december_4th = http.body(justice.mediation_figures(http.get({"from": "2026-12-04", "to": "2026-12-04"})))
    assert december_4th["total"]["assigned"] == 1


def test_another_mediator_than_proposed_is_kept_as_not_as_proposed(justice, http):
    answer = http.body(
        justice.assign_mediation(http.post({"organisation": "zt-town", "mediator": "zt-town-02"}), str(FENCE))
    )
    assert answer["assignment"]["as_proposed"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"organisation": "nowhere", "mediator": "zt-xintang-01"}, "organisation"),
        ({"organisation": "zt-xintang", "mediator": "nobody"}, "mediator"),
        ({"organisation": "cty-property", "mediator": "cty-property-02"}, "mediator"),  # inactive
        ({"organisation": "zt-town", "mediator": "zt-xintang-01"}, "mediator"),  # another organisation's
        ({"organisation": "zt-xintang"}, "mediator"),
        ({"organisation": "zt-xintang", "mediator": "zt-xintang-01", "officer": "x"}, "officer"),
    ],
)
def test_an_unknown_or_inactive_organisation_or_mediator_is_a_400_naming_it(justice, http, body, field):
    assert refused_fields(lambda: justice.assign_mediation(http.post(body), str(FENCE))) == [field]


def test_a_finished_referral_cannot_be_assigned(justice, http):
    justice.decline(http.post({"reason": "不属于本所辖区"}), str(FENCE))
    with pytest.raises(Refused, match="can no longer be assigned") as refused:
        justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    assert refused.value.code == "already_finished"


def withdrawn_by_the_centre(referral: UUID) -> ReferralWithdrawn:
    return ReferralWithdrawn.build(
        message_id=UUID(int=904),
        occurred_at=MORNING,
        case_id="430426-20261122-00001",
        sender="centre:430426",
        recipient=OFFICE,
        referral_id=referral,
        reason="escalated",
        successor="justice:430426",
    )


def test_no_mediation_work_is_recorded_on_a_referral_the_centre_took_back(justice, uow, http):
    justice.accept(http.post({}), str(FENCE))
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    facts = len(uow.link_facts())
    justice.on_referral_withdrawn(withdrawn_by_the_centre(FENCE))

    session = {"held_on": "2026-12-04", "note": "补录调解"}
    with pytest.raises(Refused, match="can no longer have sessions recorded") as refused:
        justice.record_session(http.post(session), str(FENCE))
    assert refused.value.code == "already_finished"
    with pytest.raises(Refused, match="can no longer be assigned") as refused:
        justice.assign_mediation(http.post({"organisation": "zt-town", "mediator": "zt-town-02"}), str(FENCE))
    assert refused.value.code == "already_finished"
    with pytest.raises(Refused) as refused:
        justice.refer_to_legal_aid(http.post({"party": "张三", "reason": "经济困难"}), str(FENCE))
    assert refused.value.code == "already_finished"

    # Nothing kept, and supervision is told of no more mediation on it.
    shown = mediation(justice, http)
    assert (shown["status"], shown["sessions"], shown["legal_aid"]) == ("withdrawn", [], [])
    assert shown["assignment"]["mediator"] == "zt-xintang-01"
    assert len(uow.link_facts()) == facts


def test_another_offices_officer_may_neither_see_nor_assign(justice, http):
    justice.caller = OTHER_OFFICE
    with pytest.raises(NotOwn, match=f"no referral {FENCE}"):
        justice.show_mediation(http.get(), str(FENCE))
    with pytest.raises(NotOwn, match=f"no referral {FENCE}"):
        justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))


def test_an_unknown_referral_is_not_found(justice, http):
    with pytest.raises(NotFound):
        justice.show_mediation(http.get(), str(UUID(int=9)))


def test_sessions_need_a_mediator_then_are_listed_with_the_agreement_reported(justice, uow, http):
    session = {"held_on": "2026-12-03", "attendees": ["张三", "李四", "村支书"], "note": "实地查看界址，双方各陈述。"}
    justice.accept(http.post({}), str(FENCE))
    with pytest.raises(Refused, match="assign one first"):
        justice.record_session(http.post(session), str(FENCE))
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    response = justice.record_session(http.post(session), str(FENCE))
    assert response.status_code == 201
    justice.record_session(http.post({"held_on": "2026-12-04", "note": "达成协议。"}), str(FENCE))
    justice.result(http.post({"result": "mediated", "agreement": AGREEMENT, "summary": "调解成功"}), str(FENCE))

    shown = mediation(justice, http)
    assert [(s["held_on"], s["mediator"]) for s in shown["sessions"]] == [
        ("2026-12-03", "zt-xintang-01"),
        ("2026-12-04", "zt-xintang-01"),
    ]
    assert (shown["result"], shown["agreement"]["terms"], shown["guidance"]) == ("mediated", AGREEMENT["terms"], None)
    [reported] = uow.sent_of(ResultReported)
    assert reported.agreement is not None and reported.agreement.number == AGREEMENT["number"]
    # Supervision counts the assignment and each session from the office's own facts: counts, never names.
    referral = str(FENCE)
    assert uow.link_facts() == [
        ("mediator_assigned", referral),
        ("mediation_session", referral),
        ("mediation_session", referral),
    ]
    facts = [message for message in uow.sent if message.type == "LinkRecordNoted"]
    assert [fact.detail.get("attendees") for fact in facts] == [None, 3, 0]
    assert all(fact.link == "justice" and fact.case_id == reported.case_id for fact in facts)


@pytest.mark.parametrize("result", ["mediated", "judicially_confirmed"])
def test_an_agreement_needs_the_mediator_assigned_and_nothing_is_sent_without_one(justice, store, uow, http, result):
    justice.accept(http.post({}), str(FENCE))
    body = {"result": result, "agreement": AGREEMENT, "summary": "调解成功"}

    with pytest.raises(Refused, match="assign the mediator who made the agreement first") as refused:
        justice.result(http.post(body), str(FENCE))

    assert refused.value.code == "not_assigned"
    assert (mediation(justice, http)["status"], uow.sent_of(ResultReported)) == ("accepted", [])
    assert [e["kind"] for e in store.entries if e["referral_id"] == FENCE][-1] == "accepted"
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    assert justice.result(http.post(body), str(FENCE)).status_code == 202
    [reported] = uow.sent_of(ResultReported)
    assert reported.result == result
    figures = http.body(justice.mediation_figures(http.get({"from": "2026-12-04", "to": "2026-12-04"})))
    assert (figures["total"]["assigned"], figures["total"]["mediated"]) == (1, 1)


ORAL = {"signed_on": "2026-12-04", "terms": "双方当场口头约定：李四三日内拆除越界围墙。", "form": "oral"}


def test_an_oral_agreement_the_mediator_recorded_is_reported_as_oral_and_counts_as_mediated(justice, uow, http):
    # 人民调解法 第二十八、三十条: for a simple dispute the mediator records the oral agreement; none is signed.
    justice.accept(http.post({}), str(FENCE))
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))

    answered = justice.result(http.post({"result": "mediated", "agreement": ORAL, "summary": "口头协议"}), str(FENCE))

    assert answered.status_code == 202
    [reported] = uow.sent_of(ResultReported)
    assert (reported.schema_version, reported.result) == (3, "mediated")
    assert reported.agreement is not None
    assert (reported.agreement.form, reported.agreement.terms) == ("oral", ORAL["terms"])
    shown = mediation(justice, http)
    assert (shown["agreement"]["form"], shown["agreement"]["terms"]) == ("oral", ORAL["terms"])
    figures = http.body(justice.mediation_figures(http.get({"from": "2026-12-04", "to": "2026-12-04"})))
    assert (figures["total"]["mediated"], figures["total"]["success_rate"]) == (1, 1.0)


def test_an_oral_agreement_reported_as_judicially_confirmed_is_a_400_naming_its_form_and_nothing_is_sent(
    justice, uow, http
):
    justice.accept(http.post({}), str(FENCE))
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    body = {"result": "judicially_confirmed", "agreement": ORAL, "summary": "申请司法确认"}

    assert refused_fields(lambda: justice.result(http.post(body), str(FENCE))) == ["agreement.form"]
    assert (mediation(justice, http)["status"], uow.sent_of(ResultReported)) == ("accepted", [])


def test_a_dispute_referred_on_to_arbitration_is_shown_on_its_own_and_is_no_failed_mediation(justice, http):
    justice.accept(http.post({}), str(FENCE))
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    justice.result(http.post({"result": "mediated", "agreement": AGREEMENT, "summary": "调解成功"}), str(FENCE))
    justice.accept(http.post({}), str(WAGES))
    justice.assign_mediation(http.post({"organisation": "cty-labour", "mediator": "cty-labour-01"}), str(WAGES))
    justice.result(http.post({"result": "referred_to_arbitration", "summary": "引导申请劳动仲裁"}), str(WAGES))

    total = http.body(justice.mediation_figures(http.get({"from": "2026-12-04", "to": "2026-12-04"})))["total"]

    assert (total["mediated"], total["failed"], total["referred_on"], total["success_rate"]) == (1, 0, 1, 1.0)


def test_a_failed_mediation_or_a_result_of_the_office_itself_needs_no_mediator(justice, uow, http):
    justice.accept(http.post({}), str(WAGES))
    justice.result(http.post({"result": "mediation_failed", "summary": "老板拒不到场"}), str(WAGES))
    justice.accept(http.post({}), str(FENCE))
    justice.result(http.post({"result": "handled", "summary": "司法所依职能答复"}), str(FENCE))
    assert [m.result for m in uow.sent_of(ResultReported)] == ["mediation_failed", "handled"]


def test_a_session_on_a_referral_not_yet_accepted_is_refused_and_nothing_is_kept(justice, uow, http):
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    facts = len(uow.link_facts())

    with pytest.raises(Refused, match="accept it first") as refused:
        justice.record_session(http.post({"held_on": "2026-12-03", "note": "先行调解"}), str(FENCE))

    assert refused.value.code == "not_accepted"
    assert (mediation(justice, http)["sessions"], len(uow.link_facts())) == ([], facts)


@pytest.mark.parametrize("held_on", ["2026-11-21", "2001-05-01"])
def test_a_session_before_the_case_was_registered_is_a_400_naming_held_on_and_nothing_is_kept(
    justice, uow, http, held_on
):
    # FENCE's case was registered on 22 November 2026, as its number says.
    justice.accept(http.post({}), str(FENCE))
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    facts = len(uow.link_facts())

    with pytest.raises(BadInput) as refused:
        justice.record_session(http.post({"held_on": held_on, "note": "补录调解"}), str(FENCE))

    assert [(f["field"], f["type"], f["message"]) for f in refused.value.fields] == [
        ("held_on", "date_before_start", "is before the case was registered (2026-11-22)")
    ]
    assert (mediation(justice, http)["sessions"], len(uow.link_facts())) == ([], facts)
    justice.record_session(http.post({"held_on": "2026-11-22", "note": "受理当日调解"}), str(FENCE))
    assert [s["held_on"] for s in mediation(justice, http)["sessions"]] == ["2026-11-22"]


def test_a_session_in_the_future_is_a_400_naming_held_on(justice, http):
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    body = {"held_on": "2026-12-05", "note": "预约调解"}
    assert refused_fields(lambda: justice.record_session(http.post(body), str(FENCE))) == ["held_on"]


def test_a_session_in_the_future_without_its_note_is_one_400_naming_both_and_nothing_is_kept(justice, uow, http):
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))

    with pytest.raises(BadInput) as refused:
        justice.record_session(http.post({"held_on": "2026-12-05", "attendees": ["张三"]}), str(FENCE))

    assert [(f["field"], f["type"], f["message"]) for f in refused.value.fields] == [
        ("held_on", "date_future", "is after today (2026-12-04)"),
        ("note", "missing", "Field required"),
    ]
    assert mediation(justice, http)["sessions"] == []
    assert ("mediation_session", str(FENCE)) not in uow.link_facts()


@pytest.mark.parametrize("held_on", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_a_session_dated_outside_the_accepted_years_is_a_400_naming_held_on_and_nothing_is_kept(
    justice, store, uow, http, held_on
):
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    with pytest.raises(BadInput) as refused:
        justice.record_session(http.post({"held_on": held_on, "note": "补录调解"}), str(FENCE))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("held_on", "date_out_of_range")]
    assert ApiHandler("POST", "/", access=PUBLIC).response_from_exception(refused.value).status_code == 400
    assert mediation(justice, http)["sessions"] == []
    assert ("mediation_session", str(FENCE)) not in uow.link_facts()


def test_a_party_referred_to_legal_aid_is_listed(justice, http):
    response = justice.refer_to_legal_aid(http.post({"party": "王小燕", "reason": "农民工讨薪，经济困难"}), str(WAGES))
    assert response.status_code == 201
    assert [(a["party"], a["recorded_by"]) for a in mediation(justice, http, WAGES)["legal_aid"]] == [
        ("王小燕", "tang.li")
    ]
    assert refused_fields(lambda: justice.refer_to_legal_aid(http.post({"reason": "x"}), str(WAGES))) == ["party"]


def test_a_mobile_or_id_number_typed_beside_a_name_is_kept_masked(justice, store, http):
    # Offices note a party's number beside their name; like every free text, it is masked as it is read.
    justice.accept(http.post({}), str(FENCE))
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    attendees = ["张三（电话13800138000）", "李四 430426199005201239"]
    session = {"held_on": "2026-12-03", "attendees": attendees, "note": "x"}
    justice.record_session(http.post(session), str(FENCE))
    aid = {"party": "王小燕 +8613900139000", "reason": "农民工讨薪，经济困难"}
    justice.refer_to_legal_aid(http.post(aid), str(WAGES))

    shown = (mediation(justice, http), mediation(justice, http, WAGES))
    kept = repr((store.sessions(FENCE), store.legal_aid(WAGES), shown))
    for number in ("13800138000", "430426199005201239", "13900139000"):
        assert number not in kept
    assert mediation(justice, http)["sessions"][0]["attendees"] == [
        "张三（电话138****8000）",
        "李四 430426********1239",
    ]


@pytest.mark.parametrize("name", ["张三\n李四", "张三\u202e四李", "\x1b[31m张三"])
def test_a_name_that_is_not_one_line_is_a_400_naming_it_and_nothing_is_kept(justice, store, http, name):
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    session = {"held_on": "2026-12-03", "attendees": ["村支书", name], "note": "x"}

    assert refused_fields(lambda: justice.record_session(http.post(session), str(FENCE))) == ["attendees.1"]
    assert refused_fields(
        lambda: justice.refer_to_legal_aid(http.post({"party": name, "reason": "经济困难"}), str(WAGES))
    ) == ["party"]
    assert (store.sessions(FENCE), store.legal_aid(WAGES)) == ([], [])


def test_failed_wages_mediation_shows_labour_arbitration_first(justice, http):
    justice.accept(http.post({}), str(WAGES))
    justice.result(http.post({"result": "mediation_failed", "summary": "老板拒不到场"}), str(WAGES))
    guidance = mediation(justice, http, WAGES)["guidance"]
    assert [r["code"] for r in guidance["routes"]] == ["labour_arbitration", "litigation"]
    assert "仲裁、行政裁决、行政复议" in guidance["text"]


def test_figures_count_each_organisation_and_mediator(justice, http):
    justice.accept(http.post({}), str(FENCE))
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    justice.record_session(http.post({"held_on": "2026-12-04", "note": "达成协议。"}), str(FENCE))
    justice.result(http.post({"result": "mediated", "agreement": AGREEMENT, "summary": "调解成功"}), str(FENCE))
    justice.assign_mediation(http.post({"organisation": "cty-labour", "mediator": "cty-labour-01"}), str(WAGES))

    figures = http.body(justice.mediation_figures(http.get({"from": "2026-12-04", "to": "2026-12-04"})))
    assert figures["total"] == {
        "assigned": 2,
        "mediated": 1,
        "failed": 0,
        "referred_on": 0,
        "open": 1,
        "success_rate": 1.0,
        "sessions": 1,
    }
    [village] = [o for o in figures["organisations"] if o["organisation"] == "zt-xintang"]
    assert (village["name"], village["mediated"]) == ("砖塘镇新塘村人民调解委员会", 1)
    [chen] = [m for m in figures["mediators"] if m["mediator"] == "zt-xintang-01"]
    assert (chen["name"], chen["sessions"], chen["success_rate"]) == ("陈国平", 1, 1.0)
    earlier = http.body(justice.mediation_figures(http.get({"from": "2026-12-01", "to": "2026-12-03"})))
    assert earlier["total"]["assigned"] == 0
    assert refused_fields(lambda: justice.mediation_figures(http.get({"from": "2026-12-04", "to": "2026-12-01"}))) == [
        "to"
    ]


def test_a_mediator_replaced_keeps_the_sessions_they_held_in_the_figures(justice, http):
    justice.accept(http.post({}), str(FENCE))
    justice.assign_mediation(http.post({"organisation": "zt-xintang", "mediator": "zt-xintang-01"}), str(FENCE))
    justice.record_session(http.post({"held_on": "2026-12-03", "note": "村调委调解，未果。"}), str(FENCE))
    justice.assign_mediation(http.post({"organisation": "zt-town", "mediator": "zt-town-01"}), str(FENCE))
    justice.record_session(http.post({"held_on": "2026-12-04", "note": "镇调委调解，达成协议。"}), str(FENCE))
    justice.result(http.post({"result": "mediated", "agreement": AGREEMENT, "summary": "调解成功"}), str(FENCE))

    figures = http.body(justice.mediation_figures(http.get({"from": "2026-12-04", "to": "2026-12-04"})))

    assert (figures["total"]["assigned"], figures["total"]["mediated"], figures["total"]["sessions"]) == (1, 1, 2)
    mediators = {m["mediator"]: (m["assigned"], m["mediated"], m["sessions"]) for m in figures["mediators"]}
    assert mediators == {"zt-town-01": (1, 1, 1), "zt-xintang-01": (0, 0, 1)}


@pytest.mark.parametrize(
    ("period", "fields"),
    [
        ({"from": "9999-12-31", "to": "9999-12-31"}, ["from", "to"]),  # the day after the last is no date
        ({"from": "2026-12-01", "to": "9999-12-31"}, ["to"]),
        ({"from": "0001-01-01", "to": "2026-12-01"}, ["from"]),
    ],
)
def test_figures_over_dates_outside_the_accepted_years_are_a_400_naming_them(justice, http, period, fields):
    with pytest.raises(BadInput) as refused:
        justice.mediation_figures(http.get(period))
    assert [f["field"] for f in refused.value.fields] == fields
    assert {f["type"] for f in refused.value.fields} == {"date_out_of_range"}
    assert ApiHandler("GET", "/", access=PUBLIC).response_from_exception(refused.value).status_code == 400


def test_the_directory_is_read_and_checked_when_the_service_starts(tmp_path):
    from services.justice_link.directory import DirectoryError
    from services.justice_link.directory import load_directory as load

    (tmp_path / "mediation_organisations.toml").write_text('[[organisations]]\ncode = "x"\n', encoding="utf-8")
    with pytest.raises(DirectoryError) as refused:
        load(tmp_path)
    assert refused.value.in_file().startswith(
        f"配置文件 {tmp_path / 'mediation_organisations.toml'} 有误：organisations[0].name：（code = “x”）缺少此项"
    )


def test_a_directory_that_cannot_be_read_keeps_the_service_from_starting_said_in_chinese(tmp_path, monkeypatch):
    """`wuyuan up` shows the service's last log lines: the refusal there is the operator's, in Chinese."""
    from structlog.testing import capture_logs

    from services.justice_link.dependencies import MediationDirectory
    from services.justice_link.directory import DirectoryError

    (tmp_path / "mediation_organisations.toml").write_text('[[organisations]]\ncode = "x"\n', encoding="utf-8")
    # The settings justice_link starts with (`wuyuan up` sets them), its config_dir the broken file's.
    service_environment = {
        "WUYUAN_SERVICE": "justice_link",
        "WUYUAN_AMQP_URI": "amqp://justice_link:unused@127.0.0.1:5672/wuyuan",
        "WUYUAN_AMQP_USER": "justice_link",
        "WUYUAN_DATABASE_URL": "postgresql://justice_link@127.0.0.1/unused",
        "WUYUAN_DEV_MODE": "true",
        "WUYUAN_CONFIG_DIR": str(tmp_path),
    }
    for name, value in service_environment.items():
        monkeypatch.setenv(name, value)

    with capture_logs() as logs, pytest.raises(DirectoryError):
        MediationDirectory().setup()

    [line] = [entry for entry in logs if entry["log_level"] == "error"]
    assert line["error"].startswith(
        f"配置文件 {tmp_path / 'mediation_organisations.toml'} 有误：organisations[0].name："
    )
    assert (line["code"], line["field"]) == ("required", "organisations[0].name")
