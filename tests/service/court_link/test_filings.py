"""诉调对接 as the court's officers use it: filings screened and diverted, 司法确认, returns to litigation, figures."""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.court_link.domain.filings import FilingFacts
from services.court_link.domain.filings import register as register_filing
from services.court_link.domain.screening import CaseType, ScreeningFacts, screen
from services.court_link.service import CourtLink
from shared.auth.principal import Forbidden, Principal, Role
from shared.contracts.disputes import PartyNotice
from shared.contracts.messages import LinkRecordNoted, ReferralAccepted, RegisterDispute, ResultReported
from shared.contracts.vocabulary import Category
from shared.http import BadInput
from shared.messaging.routing import address
from shared.persistence.errors import NotFound
from shared.refusal import NumberTaken, Refused
from shared.registry import AgencyRegistry
from tests.fakes.court import FakeCourtStore
from tests.fakes.unit_of_work import FakeUnitOfWork
from tests.http_answers import answered, number_taken_body
from tests.messages import record_linked, referral_issued

COURT = "court:430426"
CENTRE = "centre:430426"
COURT_OFFICER = Principal("zhao.li", "赵丽", frozenset({Role.OFFICER}), frozenset({COURT}))
POLICE_OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))
COORDINATOR = Principal("wang.fang", "王芳", frozenset({Role.COORDINATOR}))
# 09:30 in Beijing on Friday 4 December 2026; the filing is diverted today.
MORNING = datetime(2026, 12, 4, 1, 30, tzinfo=UTC)
TODAY = date(2026, 12, 4)
LOAN = "（2026）湘0426民初123号"
CASE_ID = "430426-20261204-00007"
REFERRAL = UUID("33333333-3333-4333-8333-333333333333")
AGREEMENT = {
    "number": "祁司调〔2026〕第88号",
    "signed_on": "2026-12-10",
    "terms": "周海波于2027年1月31日前归还借款五万元。",
}


@dataclass
class Clock:
    """The court's clock, which a test moves on as the days of a mediation pass."""

    at: datetime = MORNING

    def __call__(self) -> datetime:
        return self.at

    def days_later(self, days: int) -> None:
        self.at += timedelta(days=days)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def court_store() -> FakeCourtStore:
    return FakeCourtStore()


@pytest.fixture
def uow(court_store) -> FakeUnitOfWork[FakeCourtStore]:
    return FakeUnitOfWork(court_store)


@pytest.fixture
def court(uow, platform, clock) -> CourtLink:
    return worker_factory(
        CourtLink,
        uow=uow,
        platform=replace(platform, service="court_link", now=clock),
        sender="wuyuan.coordinator",
        caller=COURT_OFFICER,
    )


def filing(number: str = LOAN, **fields) -> dict:
    """A loan the parties agree to mediate, clear in law and fact: Shandan's court diverts it."""
    return {
        "filing_number": number,
        "case_type": "civil",
        "filed_on": "2026-12-03",
        "category": "debt",
        "division_code": "430426101",
        "summary": "原告诉请被告归还借款五万元，经立案引导同意诉前调解。",
        "parties": [
            {"role": "applicant", "name": "陈立新", "id_number": "430426199005201239", "phone": "13807341234"},
            {"role": "respondent", "name": "周海波"},
        ],
        "claim_amount_yuan": "50000",
        "legal_relation_clear": True,
        "facts_clear": True,
        "parties_consent": True,
        **fields,
    }


def register(court, http, body: dict) -> tuple[int, dict]:
    response = court.register_filing(http.post(body))
    return response.status_code, http.body(response)


def refused_fields(call) -> list[str]:
    with pytest.raises(BadInput) as refused:
        call()
    return [str(f["field"]) for f in refused.value.fields]


@pytest.fixture
def diverted(court, http) -> dict:
    return register(court, http, filing())[1]


def the_case_arrives(court, http, accepted: bool = True, record: str | None = LOAN) -> None:
    """The centre's referral of the case the filing became, with the filing's number; the court accepts it."""
    court.sender = "wuyuan.coordinator"
    court.on_referral_issued(
        referral_issued(REFERRAL, COURT, case_id=CASE_ID, source="court_filing", source_record_id=record)
    )
    if accepted:
        court.accept(http.post({}), str(REFERRAL))


# --- registering and screening ------------------------------------------------------------------------


def test_a_clear_loan_whose_parties_agree_is_diverted_and_fed_to_the_centre(court, uow, court_store, http):
    status, shown = register(court, http, filing())

    assert (status, shown["decision"], shown["status"], shown["reasons"]) == (201, "diverted", "in_mediation", [])
    assert (shown["diverted_on"], shown["mediation_due_on"]) == ("2026-12-04", "2027-01-04")  # 3 January is a Sunday
    assert (shown["first_time"], shown["mediation_overdue"], shown["confirmation"]) == (True, False, None)
    assert shown["mediation_due_provisional"] is True  # counted into 2027, whose holidays are not known yet
    [fed] = uow.sent_of(RegisterDispute)
    assert str(fed.message_id) == shown["message_id"]
    assert (fed.report.source.value, fed.report.source_record_id) == ("court_filing", LOAN)
    assert (fed.sender, fed.recipient, fed.fed_by) == (COURT, CENTRE, "zhao.li")
    assert fed.report.parties[0].id_number == "430426199005201239"  # intake keeps it, and only intake
    assert address(fed, uow.registry) == ("wuyuan.documents", "intake.RegisterDispute")
    assert court_store.get_record(LOAN)["details"] == {
        "filing_number": LOAN,
        "claim_amount_yuan": "50000",
        "consents_to_mediation": True,
    }


def test_the_court_keeps_the_parties_names_and_roles_but_not_their_numbers(court, court_store, http, diverted):
    assert diverted["parties"] == [
        {"role": "applicant", "kind": "person", "name": "陈立新", "phone": None},
        {"role": "respondent", "kind": "person", "name": "周海波", "phone": None},
    ]
    assert "430426199005201239" not in str(court_store.filings)


def test_a_filing_whose_facts_are_unclear_is_filed_with_the_reason_and_opens_no_case(court, uow, court_store, http):
    status, shown = register(court, http, filing(facts_clear=False, parties_consent=False))

    assert (status, shown["decision"], shown["status"]) == (201, "filed", "filed")
    assert shown["reasons"] == ["facts_unclear", "no_consent"]
    assert (shown["diverted_on"], shown["mediation_due_on"], shown["message_id"]) == (None, None, None)
    assert shown["mediation_due_provisional"] is False
    assert uow.sent_but_link_facts() == []
    assert court_store.records == {}


def test_an_administrative_filing_outside_the_mediable_matters_is_filed(court, uow, http):
    body = filing("（2026）湘0426行初7号", case_type="administrative", administrative_matter="other")

    status, shown = register(court, http, body)

    assert (status, shown["decision"], shown["reasons"]) == (201, "filed", ["not_mediable_by_law"])
    assert uow.sent_but_link_facts() == []
    # Supervision counts the decision all the same, from the court's own fact (codes only, no case yet).
    number = "（2026）湘0426行初7号"
    assert uow.link_facts() == [("filing_registered", number), ("filing_filed", number)]
    fact = uow.sent[0]
    assert (fact.link, fact.unit, fact.case_id, fact.detail) == ("court", shown["unit"], None, {"diverted": False})


def test_an_administrative_compensation_claim_may_be_diverted(court, uow, http):
    body = filing("（2026）湘0426行初8号", case_type="administrative", administrative_matter="compensation")

    assert register(court, http, body)[1]["decision"] == "diverted"
    assert len(uow.sent_of(RegisterDispute)) == 1


def test_a_filing_sent_again_answers_the_first_decision_and_feeds_nothing_twice(court, uow, http, diverted):
    status, again = register(court, http, filing(facts_clear=False))

    assert (status, again["first_time"], again["decision"]) == (200, False, "diverted")
    assert again["message_id"] == diverted["message_id"]
    assert len(uow.sent_of(RegisterDispute)) == 1


# --- a filing diverted outside the platform and fed as the court's record ------------------------------------


def court_record(record_id: str = LOAN, number: str = LOAN) -> dict:
    """The same loan as the court feeds it when its own system diverted it (POST /api/v1/records)."""
    return {
        "record_id": record_id,
        "category": "debt",
        "division_code": "430426101",
        "summary": "原告诉请被告归还借款五万元，立案前已引导诉前调解。",
        "parties": [{"role": "applicant", "name": "陈立新"}, {"role": "respondent", "name": "周海波"}],
        "details": {"filing_number": number, "claim_amount_yuan": "50000"},
    }


def feed(court, http, body: dict) -> dict:
    return http.body(court.feed_record(http.post(body)))


def test_a_filing_fed_as_a_record_counts_as_registered_and_diverted_once(court, uow, http):
    """诉前调解成功率 divides the mediated cases the court fed by its filings diverted: a fed one is in both."""
    first = feed(court, http, court_record())
    again = feed(court, http, court_record())

    assert (first["first_time"], again["first_time"]) == (True, False)
    assert uow.link_facts() == [("filing_registered", LOAN), ("filing_diverted", LOAN)]
    registered = uow.sent_of(LinkRecordNoted)[0]
    assert (registered.unit, registered.detail) == (COURT, {"diverted": True})
    assert len(uow.sent_of(RegisterDispute)) == 2  # the second a repeat report, linked to the first one's case


def test_a_filing_fed_again_after_the_courts_database_was_restored_is_the_same_fact_for_supervision(
    court, uow, http, platform, clock
):
    """Restored to a point before the feed, the court keeps the record afresh and notes its decision again: the
    notes carry the ids of the first ones, so supervision's inbox takes them as messages it has, and counts once."""
    feed(court, http, court_record())
    restored_uow = FakeUnitOfWork(FakeCourtStore())
    restored = worker_factory(
        CourtLink,
        uow=restored_uow,
        platform=replace(platform, service="court_link", now=clock),
        sender="wuyuan.coordinator",
        caller=COURT_OFFICER,
    )
    clock.days_later(2)

    assert feed(restored, http, court_record("(2026)湘0426民初123号"))["first_time"] is True

    first, again = uow.sent_of(LinkRecordNoted), restored_uow.sent_of(LinkRecordNoted)
    assert [(n.kind, n.message_id) for n in again] == [(n.kind, n.message_id) for n in first]
    assert len({n.message_id for n in first}) == 2


def test_a_refused_confirmation_and_the_one_applied_for_after_it_are_two_decisions(court, uow, http, clock, diverted):
    apply(court, http, {"agreement": {**AGREEMENT, "signed_on": "2026-12-04"}})
    court.decide_confirmation(http.post({"decision": "refused", "reason": "协议约定利息超过法定上限"}), LOAN)
    clock.days_later(3)
    changed = {**AGREEMENT, "signed_on": "2026-12-07", "terms": "周海波于2027年1月31日前归还借款五万元，不计利息。"}
    apply(court, http, {"agreement": changed})
    court.decide_confirmation(http.post({"decision": "confirmed"}), LOAN)

    decided = [n for n in uow.sent_of(LinkRecordNoted) if n.kind == "confirmation_decided"]
    assert [n.detail["decision"] for n in decided] == ["refused", "confirmed"]
    assert decided[0].message_id != decided[1].message_id


def test_a_filing_registered_after_its_record_joins_that_case_and_is_neither_fed_nor_counted_again(
    court, uow, court_store, http
):
    fed = feed(court, http, court_record(record_id="FY-2026-000123"))

    status, shown = register(court, http, filing())

    assert (status, shown["decision"], shown["first_time"]) == (201, "diverted", True)
    assert shown["message_id"] == fed["message_id"]  # the case the record opened
    assert len(uow.sent_of(RegisterDispute)) == 1
    assert uow.link_facts() == [("filing_registered", LOAN), ("filing_diverted", LOAN)]
    assert set(court_store.records) == {"FY-2026-000123"}


def test_a_filing_registered_after_its_record_reports_to_the_centre_on_the_referral_of_the_case_it_joined(
    court, uow, court_store, http, clock
):
    """The referral of the case a record opened carries the record's id: the filing that joined it finds it."""
    feed(court, http, court_record(record_id="FY-2026-000123"))
    register(court, http, filing())
    the_case_arrives(court, http, record="FY-2026-000123")
    clock.days_later(12)

    shown = http.body(court.return_to_litigation(http.post({"reason": "被告拒绝调解"}), LOAN))

    assert shown["reported"]["referral_id"] == str(REFERRAL)
    [result] = uow.sent_of(ResultReported)
    assert (result.referral_id, result.result.value) == (REFERRAL, "referred_to_litigation")
    assert court_store.status_of(REFERRAL) == "reported"
    assert [(link["referral_id"], link["status"]) for link in shown["referrals"]] == [(str(REFERRAL), "reported")]


def test_a_filed_filing_fed_later_as_a_record_counts_as_diverted_only(court, uow, http):
    register(court, http, filing(facts_clear=False))

    feed(court, http, court_record())

    number = LOAN
    assert uow.link_facts() == [("filing_registered", number), ("filing_filed", number), ("filing_diverted", number)]


def test_a_diverted_filing_fed_again_under_another_record_id_is_not_counted_again(court, uow, http, diverted):
    feed(court, http, court_record(record_id="FY-2026-000123"))

    assert uow.link_facts() == [("filing_registered", LOAN), ("filing_diverted", LOAN)]


def test_a_filing_fed_again_under_another_record_id_is_a_repeat_of_its_first_record_and_opens_no_second_case(
    court, uow, court_store, http
):
    first = feed(court, http, court_record(record_id="FY-2026-000123"))
    again = feed(court, http, court_record(record_id="FY-2026-000124"))

    assert (first["first_time"], again["first_time"]) == (True, False)
    assert again["record_id"] == "FY-2026-000123"  # the record it was kept under, whose case it joins
    assert [fed.report.source_record_id for fed in uow.sent_of(RegisterDispute)] == ["FY-2026-000123"] * 2
    assert set(court_store.records) == {"FY-2026-000123"}


def test_a_record_fed_under_another_form_of_a_diverted_filings_number_joins_the_filings_case(
    court, uow, court_store, http, diverted
):
    ascii_form = LOAN.replace("（", "(").replace("）", ")")
    assert ascii_form != LOAN

    again = feed(court, http, court_record(record_id=ascii_form, number=ascii_form))

    assert (again["first_time"], again["record_id"]) == (False, LOAN)
    assert [fed.report.source_record_id for fed in uow.sent_of(RegisterDispute)] == [LOAN, LOAN]
    assert set(court_store.records) == {LOAN}
    assert uow.link_facts() == [("filing_registered", LOAN), ("filing_diverted", LOAN)]


def test_a_filing_fed_under_two_record_ids_counts_once(court, uow, http):
    """The court's own system fed the filing under its number, then under its internal id: one filing diverted."""
    feed(court, http, court_record())
    feed(court, http, court_record(record_id="FY-2026-000123"))

    assert uow.link_facts() == [("filing_registered", LOAN), ("filing_diverted", LOAN)]


def test_a_filed_filing_fed_under_two_record_ids_counts_as_diverted_once(court, uow, http):
    register(court, http, filing(facts_clear=False))

    feed(court, http, court_record())
    feed(court, http, court_record(record_id="FY-2026-000123"))

    assert uow.link_facts() == [("filing_registered", LOAN), ("filing_filed", LOAN), ("filing_diverted", LOAN)]


def test_a_filing_registered_as_filed_after_its_record_is_not_counted_again_when_fed_under_another_id(court, uow, http):
    feed(court, http, court_record(record_id="FY-2026-000123"))
    register(court, http, filing(facts_clear=False))

    feed(court, http, court_record(record_id="FY-2026-000124"))

    assert uow.link_facts() == [("filing_registered", LOAN), ("filing_diverted", LOAN)]


# --- a filing registered after the court fed its record, whatever 立案审查 finds now -------------------------


def test_a_filing_fed_before_and_now_screened_as_filed_is_registered_diverted_on_the_day_it_was_fed(
    court, uow, http, clock
):
    """The centre is mediating the case and its report counted it diverted: the court's filing says so too."""
    feed(court, http, court_record(record_id="FY-2026-000123"))
    clock.days_later(3)  # Monday 7 December: registered here, its facts now found unclear

    status, shown = register(court, http, filing(facts_clear=False, parties_consent=False))

    assert (status, shown["decision"], shown["status"], shown["reasons"]) == (201, "diverted", "in_mediation", [])
    assert (shown["diverted_on"], shown["mediation_due_on"]) == ("2026-12-04", "2027-01-04")  # from the feed's day
    assert (shown["facts_clear"], shown["parties_consent"]) == (False, False)  # as found, kept
    assert [line["kind"] for line in shown["log"]] == ["registered", "record_joined"]
    assert shown["log"][1]["detail"] == {
        "record_id": "FY-2026-000123",
        "fed_on": "2026-12-04",
        "screened": "filed",
        "screened_reasons": ["facts_unclear", "no_consent"],
    }
    assert uow.link_facts() == [("filing_registered", LOAN), ("filing_diverted", LOAN)]  # the feed's, alone
    assert len(uow.sent_of(RegisterDispute)) == 1


def test_the_mediation_of_a_filing_fed_before_is_recorded_from_the_day_it_was_fed(court, uow, http, clock):
    """The parties signed at the centre before the court registered the filing: the agreement still counts."""
    feed(court, http, court_record(record_id="FY-2026-000123"))
    clock.days_later(7)  # Friday 11 December
    register(court, http, filing(facts_clear=False))

    shown = http.body(court.record_agreement(http.post({"agreement": AGREEMENT}), LOAN))  # signed on 10 December

    assert (shown["status"], shown["mediated_on"]) == ("mediated", "2026-12-10")
    assert ("mediation_agreed", LOAN) in uow.link_facts()


def test_a_filing_fed_before_and_screened_as_diverted_notes_the_record_it_joined(court, http, clock):
    feed(court, http, court_record(record_id="FY-2026-000123"))
    clock.days_later(1)

    shown = register(court, http, filing())[1]

    assert (shown["diverted_on"], shown["reasons"]) == ("2026-12-04", [])
    assert [(line["kind"], line["detail"].get("screened")) for line in shown["log"]] == [
        ("registered", None),
        ("record_joined", "diverted"),
    ]


# --- one filing number, whatever form it is typed in ---------------------------------------------------------

ASCII_LOAN = "(2026)湘0426民初123号"  # the same 案号 as LOAN, typed with ASCII brackets


def test_a_number_typed_with_ascii_brackets_is_kept_and_fed_in_its_official_form(court, uow, http):
    status, shown = register(court, http, filing(ASCII_LOAN))

    assert (status, shown["filing_number"]) == (201, LOAN)
    [fed] = uow.sent_of(RegisterDispute)
    assert fed.report.source_record_id == LOAN
    assert uow.link_facts() == [("filing_registered", LOAN), ("filing_diverted", LOAN)]


@pytest.mark.parametrize(
    "typed",
    [ASCII_LOAN, "(2026）湘0426民初123号", "（２０２６）湘０４２６民初１２３号", "  (2026)湘0426民初123号 "],
    ids=["ascii", "mixed", "full-width digits", "spaces"],
)
def test_one_filing_sent_again_in_another_form_is_the_same_filing_fed_and_counted_once(
    court, uow, court_store, http, diverted, typed
):
    status, again = register(court, http, filing(typed, facts_clear=False))

    assert (status, again["first_time"], again["filing_number"], again["decision"]) == (200, False, LOAN, "diverted")
    assert again["message_id"] == diverted["message_id"]
    assert list(court_store.filings) == [LOAN]
    assert len(uow.sent_of(RegisterDispute)) == 1
    assert uow.link_facts() == [("filing_registered", LOAN), ("filing_diverted", LOAN)]


def test_a_filing_is_read_and_acted_on_under_any_form_of_its_number(court, uow, court_store, http, clock, diverted):
    the_case_arrives(court, http)
    clock.days_later(12)

    shown = http.body(court.show_filing(http.get(), "(2026）湘0426民初123号"))
    returned = http.body(court.return_to_litigation(http.post({"reason": "被告拒绝调解"}), ASCII_LOAN))

    assert shown["filing_number"] == LOAN
    assert (returned["filing_number"], returned["status"]) == (LOAN, "returned")
    assert [line["kind"] for line in returned["log"]] == ["registered", "returned"]
    assert returned["reported"]["referral_id"] == str(REFERRAL)
    assert ("filing_returned", LOAN) in uow.link_facts()


def test_a_record_fed_with_ascii_brackets_is_the_filing_registered_with_full_width_ones(court, uow, court_store, http):
    fed = feed(court, http, court_record(record_id=ASCII_LOAN, number=ASCII_LOAN))

    status, shown = register(court, http, filing(LOAN))

    assert (status, shown["first_time"], shown["message_id"]) == (201, True, fed["message_id"])  # it joined the case
    assert len(uow.sent_of(RegisterDispute)) == 1
    assert uow.link_facts() == [("filing_registered", LOAN), ("filing_diverted", LOAN)]
    assert court_store.records[ASCII_LOAN]["details"]["filing_number"] == LOAN  # its id as fed, its number official


def test_a_diverted_filing_fed_again_with_ascii_brackets_in_its_details_is_not_counted_again(
    court, uow, http, diverted
):
    feed(court, http, court_record(record_id="FY-2026-000123", number=ASCII_LOAN))

    assert uow.link_facts() == [("filing_registered", LOAN), ("filing_diverted", LOAN)]


def kept_before_numbers_were_official(court_store, number: str, record_id: str) -> None:
    """A diverted filing registered and fed before numbers were kept in their official form: under the form it was
    typed in, as its record, whose id intake and the coordinator know it by."""
    screening = screen(CaseType.CIVIL, ScreeningFacts(True, True, True))
    facts = FilingFacts(
        case_type=CaseType.CIVIL,
        filed_on=date(2026, 12, 1),
        category=Category.DEBT,
        division_code="430426101",
        summary="原告诉请被告归还借款五万元。",
        parties=(
            PartyNotice(role="applicant", kind="person", name="陈立新"),
            PartyNotice(role="respondent", kind="person", name="周海波"),
        ),
        claim_amount_yuan=None,
        screening_facts=ScreeningFacts(True, True, True),
        administrative_matter=None,
        screening=screening,
    )
    at = MORNING - timedelta(days=3)
    message_id = UUID("11111111-1111-4111-8111-111111111111")
    court_store.add_record(record_id, {"division_code": "430426101"}, {"filing_number": number}, message_id, at)
    kept = register_filing(number, COURT, screening, date(2026, 12, 1))
    court_store.add_filing(kept, facts, "zhao.li", message_id, at)


def test_a_filing_kept_under_ascii_brackets_before_is_the_one_answered_under_its_official_number(
    court, uow, court_store, http, clock
):
    kept_before_numbers_were_official(court_store, ASCII_LOAN, ASCII_LOAN)
    the_case_arrives(court, http, record=ASCII_LOAN)  # the referral carries the id the filing was fed under

    status, again = register(court, http, filing(LOAN))
    clock.days_later(6)
    mediated = http.body(court.record_agreement(http.post({"agreement": AGREEMENT}), LOAN))

    assert (status, again["first_time"], again["filing_number"]) == (200, False, ASCII_LOAN)  # as it is kept
    assert (mediated["filing_number"], mediated["status"]) == (ASCII_LOAN, "mediated")
    assert [line["kind"] for line in mediated["log"]] == ["registered", "agreement"]
    assert [link["referral_id"] for link in mediated["referrals"]] == [str(REFERRAL)]
    assert list(court_store.filings) == [ASCII_LOAN]
    assert uow.sent_of(RegisterDispute) == []
    assert uow.link_facts() == [("mediation_agreed", ASCII_LOAN)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"legal_relation_clear": None}, "legal_relation_clear"),
        ({"facts_clear": "yes"}, "facts_clear"),
        ({"parties_consent": 1}, "parties_consent"),
        ({"case_type": "criminal"}, "case_type"),
        ({"case_type": "administrative"}, "administrative_matter"),
        ({"administrative_matter": "compensation"}, "administrative_matter"),
        ({"filing_number": "湘0426民初123号"}, "filing_number"),
        ({"filed_on": "2026-12-05"}, "filed_on"),
        ({"filed_on": "0001-01-01"}, "filed_on"),
        ({"filed_on": "1899-12-31"}, "filed_on"),
        ({"claim_amount_yuan": "100.005"}, "claim_amount_yuan"),
        ({"category": "murder"}, "category"),
        ({"parties": [{"role": "applicant", "name": "陈立新"}, {"role": "third_party", "name": "周某"}]}, "parties"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_filing_with_a_wrong_field_is_refused_naming_it_and_nothing_is_kept(
    court, uow, court_store, http, change, field
):
    assert refused_fields(lambda: court.register_filing(http.post(filing(**change)))) == [field]
    assert (uow.sent, court_store.filings) == ([], {})


def test_a_filing_filed_tomorrow_without_its_summary_is_one_400_naming_both_and_nothing_is_kept(
    court, uow, court_store, http
):
    body = {k: v for k, v in filing(filed_on="2026-12-05").items() if k != "summary"}

    with pytest.raises(BadInput) as refused:
        court.register_filing(http.post(body))

    assert [(f["field"], f["type"], f["message"]) for f in refused.value.fields] == [
        ("filed_on", "date_future", "is after today (2026-12-04)"),
        ("summary", "missing", "Field required"),
    ]
    assert (uow.sent, court_store.filings) == ([], {})


@pytest.mark.parametrize("caller", [POLICE_OFFICER, COORDINATOR], ids=lambda p: p.subject)
def test_only_the_courts_officers_register_filings(court, uow, court_store, http, caller):
    court.caller = caller

    with pytest.raises(Forbidden):
        court.register_filing(http.post(filing()))

    assert (uow.sent, court_store.filings) == ([], {})


# --- reading filings -------------------------------------------------------------------------------------


def test_officers_list_filings_by_decision_and_read_one_with_its_log(court, http, diverted):
    register(court, http, filing("（2026）湘0426民初124号", facts_clear=False))

    listed = http.body(court.list_filings(http.get({"decision": "filed"})))["filings"]
    shown = http.body(court.show_filing(http.get(), LOAN))

    assert [f["filing_number"] for f in listed] == ["（2026）湘0426民初124号"]
    assert [(line["kind"], line["officer"]) for line in shown["log"]] == [("registered", "zhao.li")]


# --- the case a filing joined ------------------------------------------------------------------------------

LED = "430426-20261120-00004"  # a loan the court leads already, from an earlier filing of the same parties


def test_a_filing_linked_to_a_case_the_court_already_leads_names_it_and_what_the_courts_part_came_to(
    court, http, diverted
):
    court.sender = "wuyuan.coordinator"
    court.on_referral_issued(
        referral_issued(REFERRAL, COURT, case_id=LED, source="court_filing", source_record_id="（2026）湘0426民初99号")
    )
    assert http.body(court.show_filing(http.get(), LOAN))["joined_case"] is None

    # Intake linked the filing to that case as a repeat: the coordinator issued the court no second referral.
    court.sender = "wuyuan.intake"
    court.on_record_linked(record_linked(UUID(int=41), COURT, LOAN, LED))

    shown = http.body(court.show_filing(http.get(), "(2026)湘0426民初123号"))
    joined = shown["joined_case"]
    assert (joined["case_id"], joined["reason"]) == (LED, "same parties and category within 30 days")
    assert (joined["result"], joined["mediated"], joined["result_by"]) == (None, None, None)
    assert [(r["referral_id"], r["case_id"], r["role"]) for r in shown["referrals"]] == [(str(REFERRAL), LED, "lead")]

    court.accept(http.post({}), str(REFERRAL))
    agreement = {**AGREEMENT, "signed_on": "2026-12-04"}
    court.result(http.post({"result": "mediated", "agreement": agreement, "summary": "调解成功"}), str(REFERRAL))

    joined = http.body(court.show_filing(http.get(), LOAN))["joined_case"]
    assert (joined["result"], joined["outcome"], joined["mediated"]) == ("mediated", "resolved", True)
    assert joined["result_by"] == {"referral_id": str(REFERRAL), "unit": COURT, "role": "lead", "round": 1}
    # Every answer that shows the filing with its referrals names the case it joined; the list does not.
    extended = http.body(court.record_agreement(http.post({"agreement": agreement}), LOAN))
    assert extended["joined_case"]["case_id"] == LED
    assert "joined_case" not in http.body(court.list_filings(http.get()))["filings"][0]


def test_a_filing_that_joined_another_case_is_returned_without_reporting_on_that_cases_only_referral(
    court, uow, http, diverted
):
    """The joined case is another filing's, still in its own mediation: this filing's return says nothing of it."""
    court.sender = "wuyuan.coordinator"
    court.on_referral_issued(
        referral_issued(REFERRAL, COURT, case_id=LED, source="court_filing", source_record_id="（2026）湘0426民初99号")
    )
    court.accept(http.post({}), str(REFERRAL))
    court.sender = "wuyuan.intake"
    court.on_record_linked(record_linked(UUID(int=41), COURT, LOAN, LED))

    shown = http.body(court.return_to_litigation(http.post({"reason": "被告拒绝调解"}), LOAN))

    assert shown["reported"] is None
    assert [(r["case_id"], r["status"]) for r in shown["referrals"]] == [(LED, "accepted")]
    assert uow.sent_of(ResultReported) == []


def test_a_filing_fed_under_the_courts_own_id_finds_the_case_intake_linked_that_record_to(court, http):
    feed(court, http, court_record(record_id="FY-2026-000123"))
    register(court, http, filing())
    court.sender = "wuyuan.intake"
    court.on_record_linked(record_linked(UUID(int=41), COURT, "FY-2026-000123", LED))

    assert http.body(court.show_filing(http.get(), LOAN))["joined_case"]["case_id"] == LED


def test_a_list_query_or_path_that_is_wrong_is_refused_naming_it(court, http):
    assert refused_fields(lambda: court.list_filings(http.get({"decision": "maybe"}))) == ["decision"]
    assert refused_fields(lambda: court.list_filings(http.get({"limit": "501"}))) == ["limit"]
    assert refused_fields(lambda: court.show_filing(http.get(), "123")) == ["filing_number"]
    with pytest.raises(NotFound):
        court.show_filing(http.get(), "（2026）湘0426民初999号")


def test_an_officer_of_another_agency_reads_no_filing(court, http, diverted):
    court.caller = POLICE_OFFICER

    with pytest.raises(Forbidden):
        court.show_filing(http.get(), LOAN)
    with pytest.raises(Forbidden):
        court.list_filings(http.get())


def test_a_filing_still_in_mediation_is_overdue_from_the_day_after_its_terms_last_day(court, http, clock, diverted):
    clock.days_later(31)  # Monday 4 January 2027, the term's last day
    on_the_last_day = http.body(court.show_filing(http.get(), LOAN))
    clock.days_later(1)
    the_day_after = http.body(court.show_filing(http.get(), LOAN))

    assert (on_the_last_day["mediation_overdue"], the_day_after["mediation_overdue"]) == (False, True)


# --- 司法确认 -------------------------------------------------------------------------------------------------


def apply(court, http, body: dict | None = None):
    return court.request_confirmation(http.post(body or {"agreement": AGREEMENT}), LOAN)


def test_an_application_shows_its_deadlines_and_marks_the_filing_mediated(court, http, clock, diverted):
    clock.days_later(7)  # Friday 11 December

    response = apply(court, http)

    shown = http.body(response)
    assert (response.status_code, shown["status"], shown["mediated_on"]) == (201, "mediated", "2026-12-10")
    confirmation = shown["confirmation"]
    assert (confirmation["effective_on"], confirmation["applied_on"], confirmation["accepted_on"]) == (
        "2026-12-10",
        "2026-12-11",
        "2026-12-11",
    )
    assert confirmation["application_due_on"] == "2027-01-11"  # 9 January 2027 is a Saturday
    assert (confirmation["decision_due_on"], confirmation["status"]) == ("2026-12-28", "pending")  # 26th: Saturday


def test_an_application_to_confirm_an_oral_agreement_is_a_400_naming_its_form_and_nothing_is_kept(
    court, http, clock, court_store, diverted
):
    # 司法确认 needs a written agreement (人民调解法 第三十三条); an oral one the mediator recorded has none to confirm.
    clock.days_later(7)
    oral = {**AGREEMENT, "form": "oral"}

    assert refused_fields(lambda: apply(court, http, {"agreement": oral})) == ["agreement.form"]
    assert court_store.confirmations == {}
    written = http.body(apply(court, http, {"agreement": {**oral, "form": "written"}}))
    assert written["confirmation"]["status"] == "pending"


def test_an_application_made_after_its_thirty_days_is_refused_naming_the_law(court, http, clock, court_store, diverted):
    clock.days_later(40)  # 13 January 2027

    with pytest.raises(Refused) as late:
        apply(court, http)

    assert late.value.code == "application_late"
    assert "due by 2027-01-11" in late.value.reason
    assert "民事诉讼法 第二百零五条" in late.value.reason
    assert court_store.confirmations == {}


def test_the_days_of_an_agreement_and_its_application_must_follow_each_other_and_not_be_in_the_future(
    court, http, clock, diverted
):
    clock.days_later(7)
    bodies = [
        ({"agreement": AGREEMENT, "effective_on": "2026-12-09"}, "effective_on"),
        ({"agreement": AGREEMENT, "applied_on": "2026-12-12"}, "applied_on"),
        ({"agreement": AGREEMENT, "applied_on": "2026-12-11", "accepted_on": "2026-12-10"}, "accepted_on"),
        ({"agreement": {"signed_on": "2026-12-10"}}, "agreement.terms"),
        ({"agreement": {**AGREEMENT, "signed_on": "2026-12-03"}}, "agreement.signed_on"),  # before the diversion
        ({"agreement": {**AGREEMENT, "signed_on": "2026-12-12"}}, "agreement.signed_on"),  # tomorrow
    ]
    for body, field in bodies:
        assert refused_fields(lambda body=body: apply(court, http, body)) == [field]


def test_a_confirmed_agreement_is_reported_to_the_centre_on_the_courts_accepted_referral(
    court, uow, court_store, http, clock, diverted
):
    the_case_arrives(court, http)
    clock.days_later(7)
    apply(court, http)
    clock.days_later(3)

    shown = http.body(court.decide_confirmation(http.post({"decision": "confirmed"}), LOAN))

    assert (shown["confirmation"]["status"], shown["confirmation"]["decided_on"]) == ("confirmed", "2026-12-14")
    assert shown["reported"]["referral_id"] == str(REFERRAL)
    [result] = uow.sent_of(ResultReported)
    assert (result.result.value, result.outcome.value) == ("judicially_confirmed", "resolved")
    assert result.agreement is not None and result.agreement.number == "祁司调〔2026〕第88号"
    assert (result.case_id, result.sender, result.officer) == (CASE_ID, COURT, "zhao.li")
    assert str(result.message_id) == shown["reported"]["message_id"]
    assert court_store.status_of(REFERRAL) == "reported"
    assert [link["status"] for link in shown["referrals"]] == ["reported"]
    assert [line["kind"] for line in shown["log"]] == ["registered", "confirmation_requested", "confirmation_decided"]


def test_a_confirmation_without_an_accepted_referral_reports_nothing_and_says_so(
    court, uow, court_store, http, diverted
):
    the_case_arrives(court, http, accepted=False)
    apply(court, http, {"agreement": {**AGREEMENT, "signed_on": "2026-12-04"}})

    shown = http.body(court.decide_confirmation(http.post({"decision": "confirmed"}), LOAN))

    assert (shown["confirmation"]["status"], shown["reported"]) == ("confirmed", None)
    assert uow.sent_of(ResultReported) == []
    assert court_store.status_of(REFERRAL) == "received"


def test_a_refusal_needs_its_reason_and_reports_nothing(court, uow, http, diverted):
    the_case_arrives(court, http)
    apply(court, http, {"agreement": {**AGREEMENT, "signed_on": "2026-12-04"}})

    assert refused_fields(lambda: court.decide_confirmation(http.post({"decision": "refused"}), LOAN)) == ["reason"]
    shown = http.body(
        court.decide_confirmation(http.post({"decision": "refused", "reason": "协议约定利息超过法定上限"}), LOAN)
    )

    assert (shown["confirmation"]["status"], shown["confirmation"]["decision_reason"]) == (
        "refused",
        "协议约定利息超过法定上限",
    )
    assert shown["reported"] is None
    assert uow.sent_of(ResultReported) == []


def test_the_decision_term_is_extended_once_by_ten_days(court, http, diverted):
    apply(court, http, {"agreement": {**AGREEMENT, "signed_on": "2026-12-04"}})

    shown = http.body(court.extend_decision_term(http.post({"reason": "需调取借条原件核对"}), LOAN))

    assert (shown["confirmation"]["extended"], shown["confirmation"]["decision_due_on"]) == (True, "2026-12-29")
    with pytest.raises(Refused, match=r"^already_extended: "):
        court.extend_decision_term(http.post({"reason": "再次延长"}), LOAN)


def test_nothing_to_decide_without_an_application(court, http, diverted):
    with pytest.raises(Refused, match=r"^no_pending_confirmation: "):
        court.decide_confirmation(http.post({"decision": "confirmed"}), LOAN)


def test_a_filed_filing_has_no_mediation_to_confirm(court, http):
    register(court, http, filing(parties_consent=False))

    with pytest.raises(Refused, match=r"^not_diverted: "):
        apply(court, http, {"agreement": {**AGREEMENT, "signed_on": "2026-12-04"}})


def test_an_agreement_without_an_application_counts_the_filing_mediated(court, uow, http, clock, diverted):
    clock.days_later(7)

    shown = http.body(court.record_agreement(http.post({"agreement": AGREEMENT}), LOAN))

    assert (shown["status"], shown["agreement"]["number"], shown["confirmation"]) == (
        "mediated",
        "祁司调〔2026〕第88号",
        None,
    )
    assert uow.sent_of(ResultReported) == []


# --- 调解不成，转立案 -------------------------------------------------------------------------------------


def test_a_failed_mediation_is_filed_and_the_centre_told_the_case_went_to_litigation(
    court, uow, court_store, http, clock, diverted
):
    the_case_arrives(court, http)
    clock.days_later(12)
    body = {"reason": "被告坚持借款已归还，双方分歧大，调解不成", "litigation_number": "（2026）湘0426民初456号"}

    shown = http.body(court.return_to_litigation(http.post(body), LOAN))

    assert (shown["status"], shown["returned_on"], shown["litigation_number"]) == (
        "returned",
        "2026-12-16",
        "（2026）湘0426民初456号",
    )
    [result] = uow.sent_of(ResultReported)
    assert (result.result.value, result.outcome.value, result.agreement) == (
        "referred_to_litigation",
        "unresolved",
        None,
    )
    assert result.summary == (
        "调解不成，转立案（立案案号（2026）湘0426民初456号）：被告坚持借款已归还，双方分歧大，调解不成"
    )
    assert (result.referral_id, result.case_id) == (REFERRAL, CASE_ID)
    assert court_store.status_of(REFERRAL) == "reported"
    assert [message.type for message in uow.sent_but_link_facts()] == [
        "RegisterDispute",
        "ReferralAccepted",
        "ResultReported",
    ]


def test_a_return_before_the_court_accepted_the_referral_files_the_filing_and_leaves_the_report_to_the_officer(
    court, uow, http, diverted
):
    the_case_arrives(court, http, accepted=False)

    shown = http.body(court.return_to_litigation(http.post({"reason": "被告拒绝调解"}), LOAN))

    assert (shown["status"], shown["reported"]) == ("returned", None)
    assert uow.sent_of(ResultReported) == [] and uow.sent_of(ReferralAccepted) == []


def test_a_return_dated_before_the_diversion_or_in_the_future_is_refused_naming_the_day(court, http, diverted):
    for day in ("2026-12-03", "2026-12-05"):
        assert refused_fields(
            lambda day=day: court.return_to_litigation(http.post({"reason": "调解不成", "returned_on": day}), LOAN)
        ) == ["returned_on"]


@pytest.mark.parametrize(
    ("action", "body", "refused"),
    [
        (
            "record_agreement",
            {"agreement": {"signed_on": "2026-12-05"}},
            [("agreement.signed_on", "date_future"), ("agreement.terms", "missing")],
        ),
        (
            "request_confirmation",
            {"agreement": {"signed_on": "2026-12-05"}, "accepted_on": "2026-12-05"},
            [("agreement.signed_on", "date_future"), ("agreement.terms", "missing"), ("accepted_on", "date_future")],
        ),
        (
            "decide_confirmation",
            {"decision": "maybe", "decided_on": "2026-12-05"},
            [("decision", "literal_error"), ("decided_on", "date_future")],
        ),
        (
            "return_to_litigation",
            {"returned_on": "2026-12-05"},
            [("reason", "missing"), ("returned_on", "date_future")],
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_day_after_today_and_another_mistake_are_one_400_naming_both_and_the_filing_is_unchanged(
    court, uow, http, diverted, action, body, refused
):
    before, sent = http.body(court.show_filing(http.get(), LOAN)), list(uow.sent)

    with pytest.raises(BadInput) as bad:
        getattr(court, action)(http.post(body), LOAN)

    assert [(f["field"], f["type"]) for f in bad.value.fields] == refused
    assert {f["message"] for f in bad.value.fields if f["type"] == "date_future"} == {"is after today (2026-12-04)"}
    assert (http.body(court.show_filing(http.get(), LOAN)), uow.sent) == (before, sent)


def test_a_filing_returned_once_is_not_returned_again_and_nothing_more_is_sent(court, uow, http, diverted):
    the_case_arrives(court, http)
    court.return_to_litigation(http.post({"reason": "调解不成"}), LOAN)

    with pytest.raises(Refused, match=r"^already_returned: "):
        court.return_to_litigation(http.post({"reason": "调解不成"}), LOAN)
    assert len(uow.sent_of(ResultReported)) == 1


def test_a_referral_of_another_filing_is_not_reported_on(court, uow, http, diverted):
    the_case_arrives(court, http, record="（2026）湘0426民初999号")

    shown = http.body(court.return_to_litigation(http.post({"reason": "调解不成"}), LOAN))

    assert shown["reported"] is None
    assert uow.sent_of(ResultReported) == []


# --- figures ------------------------------------------------------------------------------------------------


def test_the_figures_count_this_months_filings(court, http, diverted):
    register(court, http, filing("（2026）湘0426民初124号", facts_clear=False))
    register(court, http, filing("（2026）湘0426民初125号"))
    court.return_to_litigation(http.post({"reason": "调解不成"}), "（2026）湘0426民初125号")
    court.record_agreement(http.post({"agreement": {**AGREEMENT, "signed_on": "2026-12-04"}}), LOAN)

    figures = http.body(court.filing_figures(http.get({"from": "2026-12-01", "to": "2026-12-31"})))

    assert (figures["from"], figures["to"]) == ("2026-12-01", "2026-12-31")
    assert (figures["filings"]["registered"], figures["filings"]["diverted"]) == (3, 2)
    assert figures["filings"]["diversion_rate"] == 0.6667
    assert (figures["mediation"]["mediated"], figures["mediation"]["returned_to_litigation"]) == (1, 1)
    assert figures["mediation"]["success_rate"] == 0.5


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"to": "2026-12-31"}, "from"),
        ({"from": "2026-12-01"}, "to"),
        ({"from": "2026-12-31", "to": "2026-12-01"}, "to"),
        ({"from": "2026-13-01", "to": "2026-12-31"}, "from"),
        ({"from": "2026-12-01", "to": "2026-12-31", "unit": "court:430426"}, "unit"),
        ({"from": "0001-01-01", "to": "2026-12-31"}, "from"),
        ({"from": "2026-12-01", "to": "9999-12-31"}, "to"),
    ],
)
def test_a_figures_period_that_is_wrong_is_refused_naming_the_parameter(court, http, query, field):
    assert refused_fields(lambda: court.filing_figures(http.get(query))) == [field]


# --- a number another court holds ---------------------------------------------------------------------------------


def with_township_tribunals(court) -> None:
    """A county whose court sits at townships too (人民法庭, unit_digits 9): each tribunal registers its own filings."""
    agencies = court.platform.registry.agencies
    tribunals = AgencyRegistry({**agencies, "court": replace(agencies["court"], unit_digits=9)})
    court.platform = replace(court.platform, registry=tribunals)


TRIBUNAL_OFFICER = Principal("he.min", "何敏", frozenset({Role.OFFICER}), frozenset({"court:430426101"}))
NEIGHBOURING_TRIBUNAL_OFFICER = Principal("tan.hui", "谭辉", frozenset({Role.OFFICER}), frozenset({"court:430426102"}))


def test_another_tribunals_filing_number_sent_again_is_only_taken_naming_neither_tribunal_nor_filing(
    court, uow, court_store, http
):
    with_township_tribunals(court)
    court.caller = TRIBUNAL_OFFICER
    register(court, http, filing())
    kept = repr(court_store.filings)
    court.caller = NEIGHBOURING_TRIBUNAL_OFFICER

    with pytest.raises(NumberTaken) as refused:
        court.register_filing(http.post(filing(division_code="430426102", summary="邻庭再报一次。")))

    status, body = answered(refused.value)
    assert (status, body) == (409, number_taken_body("filing_number"))
    for held in ("court:430426101", "430426101", "陈立新", "周海波", "diverted"):
        assert held not in body
    assert repr(court_store.filings) == kept
    assert len(uow.sent_of(RegisterDispute)) == 1


def test_the_county_court_sending_its_tribunals_filing_again_is_answered_with_the_filing_as_first_kept(court, http):
    with_township_tribunals(court)
    court.caller = TRIBUNAL_OFFICER
    register(court, http, filing())
    court.caller = COURT_OFFICER

    status, again = register(court, http, filing(facts_clear=False))

    assert (status, again["first_time"], again["unit"], again["decision"]) == (
        200,
        False,
        "court:430426101",
        "diverted",
    )


def test_a_filing_number_nobody_holds_is_registered_for_the_neighbouring_tribunal(court, http):
    with_township_tribunals(court)
    court.caller = TRIBUNAL_OFFICER
    register(court, http, filing())
    court.caller = NEIGHBOURING_TRIBUNAL_OFFICER

    status, body = register(court, http, filing("（2026）湘0426民初124号", division_code="430426102"))

    assert (status, body["first_time"], body["unit"]) == (201, True, "court:430426102")
