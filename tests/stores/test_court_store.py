"""The court's store keeps every filing with its screening, its mediation's end, its 司法确认 and who did what."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from services.court_link.domain.filings import (
    FilingFacts,
    FilingStatus,
    decide_confirmation,
    extend_decision_term,
    record_agreement,
    register,
    request_confirmation,
    return_to_litigation,
)
from services.court_link.domain.screening import (
    AdministrativeMatter,
    CaseType,
    FilingDecision,
    ScreeningFacts,
    screen,
)
from services.court_link.store import PostgresCourtStore
from shared.agency.domain import accept
from shared.contracts.disputes import Agreement, PartyNotice
from shared.contracts.vocabulary import Category
from shared.persistence.errors import Conflict, NotFound, StoreError
from tests.fakes.court import FakeCourtStore
from tests.messages import record_linked, referral_issued
from tests.stores.conftest import empty_tables, postgres_bench

SERVICE = "court_link"
FAKE = FakeCourtStore
POSTGRES_STORE = PostgresCourtStore

BEIJING = ZoneInfo("Asia/Shanghai")
COURT = "court:430426"
OWN = frozenset({COURT})
OFFICER = "zhao.li"
REGISTERED_AT = datetime(2026, 6, 1, 9, 30, tzinfo=BEIJING)
DIVERTED_ON = date(2026, 6, 1)
LOAN = "(2026)湘0426民初123号"  # 民间借贷, clear and willing: diverted
FENCE = "(2026)湘0426民初124号"  # 相邻关系, the facts unclear: filed
LAND_TAKING = "(2026)湘0426行初7号"  # 征收补偿, 行政: diverted
MESSAGE = UUID("12341234-1234-4234-8234-123412341234")
AGREEMENT = Agreement(
    number="祁司调〔2026〕第88号", signed_on=date(2026, 6, 20), terms="被告于7月31日前归还借款五万元。"
)
PARTIES = (
    PartyNotice(role="applicant", kind="person", name="陈立新"),
    PartyNotice(role="respondent", kind="person", name="周海波"),
)
CLEAR = ScreeningFacts(legal_relation_clear=True, facts_clear=True, parties_consent=True)


STORED_AGREEMENT = {
    "number": "祁司调〔2026〕第88号",
    "signed_on": "2026-06-20",
    "terms": AGREEMENT.terms,
    "form": "written",
}


def facts(
    case_type: CaseType = CaseType.CIVIL,
    screening_facts: ScreeningFacts = CLEAR,
    matter: AdministrativeMatter | None = None,
    filed_on: date = DIVERTED_ON,
    amount: Decimal | None = Decimal("50000"),
) -> FilingFacts:
    return FilingFacts(
        case_type=case_type,
        filed_on=filed_on,
        category=Category.DEBT,
        division_code="430426101",
        summary="原告诉请被告归还借款五万元。",
        parties=PARTIES,
        claim_amount_yuan=amount,
        screening_facts=screening_facts,
        administrative_matter=matter,
        screening=screen(case_type, screening_facts, matter),
    )


def keep(stores, number: str, kept: FilingFacts, at: datetime = REGISTERED_AT, unit: str = COURT) -> bool:
    filing = register(number, unit, kept.screening, at.date())
    with stores.transaction() as store:
        return store.add_filing(filing, kept, OFFICER, MESSAGE if filing.diverted_on else None, at)


# --- registering --------------------------------------------------------------------------------------


def test_a_diverted_filing_reads_back_as_registered_with_its_decision_and_term(stores):
    assert keep(stores, LOAN, facts()) is True

    with stores.transaction() as store:
        filing = store.get_filing(LOAN)

    assert {k: v for k, v in filing.items() if k not in ("log", "confirmations", "referrals", "record_link")} == {
        "filing_number": LOAN,
        "unit": COURT,
        "case_type": "civil",
        "administrative_matter": None,
        "filed_on": DIVERTED_ON,
        "category": "debt",
        "division_code": "430426101",
        "summary": "原告诉请被告归还借款五万元。",
        "parties": [
            {"role": "applicant", "kind": "person", "name": "陈立新", "phone": None},
            {"role": "respondent", "kind": "person", "name": "周海波", "phone": None},
        ],
        "claim_amount_yuan": Decimal("50000.00"),
        "legal_relation_clear": True,
        "facts_clear": True,
        "parties_consent": True,
        "decision": "diverted",
        "reasons": [],
        "status": "in_mediation",
        "diverted_on": DIVERTED_ON,
        "mediation_due_on": date(2026, 7, 1),
        "agreement": None,
        "mediated_on": None,
        "returned_on": None,
        "return_reason": None,
        "litigation_number": None,
        "message_id": MESSAGE,
        "registered_by": OFFICER,
        "registered_at": REGISTERED_AT,
        "updated_at": REGISTERED_AT,
    }
    assert (filing["confirmations"], filing["referrals"], filing["record_link"]) == ([], [], None)
    (line,) = filing["log"]
    assert (line["kind"], line["officer"], line["at"]) == ("registered", OFFICER, REGISTERED_AT)
    assert line["detail"] == {"decision": "diverted", "reasons": [], "mediation_due_on": "2026-07-01"}


def test_a_filed_filing_keeps_why_it_was_not_diverted_and_has_no_term(stores):
    keep(stores, FENCE, facts(screening_facts=ScreeningFacts(True, False, False), amount=None))

    with stores.transaction() as store:
        filing = store.get_filing(FENCE)

    assert (filing["decision"], filing["status"], filing["reasons"]) == (
        "filed",
        "filed",
        ["facts_unclear", "no_consent"],
    )
    assert (filing["diverted_on"], filing["mediation_due_on"], filing["message_id"]) == (None, None, None)
    assert filing["claim_amount_yuan"] is None


def test_an_administrative_filing_keeps_its_matter(stores):
    keep(stores, LAND_TAKING, facts(CaseType.ADMINISTRATIVE, matter=AdministrativeMatter.INDEMNITY))

    with stores.transaction() as store:
        filing = store.get_filing(LAND_TAKING)

    assert (filing["case_type"], filing["administrative_matter"], filing["decision"]) == (
        "administrative",
        "indemnity",
        "diverted",
    )


def test_a_filing_registered_twice_is_kept_once_as_first_registered(stores):
    keep(stores, LOAN, facts())

    assert (
        keep(
            stores, LOAN, facts(screening_facts=ScreeningFacts(False, False, False)), REGISTERED_AT + timedelta(days=1)
        )
        is False
    )

    with stores.transaction() as store:
        filing = store.get_filing(LOAN)
    assert (filing["decision"], filing["registered_at"]) == ("diverted", REGISTERED_AT)
    assert [line["kind"] for line in filing["log"]] == ["registered"]


def test_a_filing_never_registered_is_not_found_to_read_or_lock(stores):
    with stores.transaction() as store:
        with pytest.raises(NotFound):
            store.get_filing(LOAN)
        with pytest.raises(NotFound):
            store.lock_filing(LOAN)


def test_a_filings_decision_is_read_by_its_number_and_none_for_a_number_never_registered(stores):
    keep(stores, LOAN, facts())
    keep(stores, FENCE, facts(screening_facts=ScreeningFacts(True, False, False)))

    with stores.transaction() as store:
        decisions = [store.filing_decision(number) for number in (LOAN, FENCE, LAND_TAKING)]

    assert decisions == [FilingDecision.DIVERTED, FilingDecision.FILED, None]


def feed(stores, record_id: str, number: str, message_id: UUID, at: datetime = REGISTERED_AT) -> None:
    """A record the court fed for a filing, kept as the agency base keeps it."""
    with stores.transaction() as store:
        store.add_record(record_id, {"source_record_id": record_id}, {"filing_number": number}, message_id, at)


def test_the_record_fed_for_a_filing_is_found_by_its_id_or_the_filing_number_its_details_carry(stores):
    first, second, third = (UUID(f"0000000{n}-0000-4000-8000-000000000000") for n in (1, 2, 3))
    feed(stores, "FY-2026-000123", LOAN, first)
    feed(stores, "FY-2026-000124", FENCE, second, REGISTERED_AT - timedelta(hours=1))
    feed(stores, FENCE, FENCE, third)

    with stores.transaction() as store:
        by_details = store.record_for_filing(LOAN)
        by_id_first = store.record_for_filing(FENCE)
        never = store.record_for_filing(LAND_TAKING)

    assert (by_details["record_id"], by_details["message_id"]) == ("FY-2026-000123", first)
    assert (by_id_first["record_id"], by_id_first["message_id"]) == (FENCE, third)
    assert never is None


def test_a_filing_number_is_fed_before_when_another_record_carried_it(stores):
    first, second = (UUID(f"0000000{n}-0000-4000-8000-000000000000") for n in (1, 2))
    feed(stores, "FY-2026-000123", LOAN, first)
    feed(stores, FENCE, FENCE, second)

    with stores.transaction() as store:
        answers = [
            store.filing_fed_before(LOAN, "FY-2026-000124"),  # fed under another id before
            store.filing_fed_before(LOAN, "FY-2026-000123"),  # only under this one
            store.filing_fed_before(FENCE, "FY-2026-000124"),  # under the number itself, carried in its details
            store.filing_fed_before(LAND_TAKING, "FY-2026-000124"),  # never
        ]

    assert answers == [True, False, True, False]


@pytest.mark.integration
def test_a_filing_number_is_held_until_its_transaction_ends(service_database: str) -> None:
    """A filing registered while a record carrying its number is fed waits for the feed, and so finds it."""
    empty_tables(service_database)
    bench = postgres_bench(service_database, PostgresCourtStore)

    # Held writes go with the next read, as the handlers' hold goes with the look for what was fed or registered.
    with bench.transaction() as first:
        first.hold_filing_number(LOAN)
        assert not first.filing_fed_before(LOAN, "FY-2026-000123")
        with pytest.raises(Exception, match="lock"), bench.transaction() as second:
            second.sql.write("SET LOCAL lock_timeout = '200ms'")
            second.hold_filing_number(LOAN)
            second.filing_fed_before(LOAN, "FY-2026-000124")
        with bench.transaction() as other:
            other.sql.write("SET LOCAL lock_timeout = '200ms'")
            other.hold_filing_number(FENCE)  # another number does not wait
            assert not other.filing_fed_before(FENCE, "FY-2026-000124")


# --- one filing number, whatever its form ------------------------------------------------------------------
# New filings are kept in the official form (the requests see to it); a filing kept before in the form it was
# typed in is found under every form of its number, and shows the form it is kept under.

OFFICIAL_LOAN = "（2026）湘0426民初123号"
LOAN_FORMS = (OFFICIAL_LOAN, "(2026）湘0426民初123号", "（２０２６）湘０４２６民初１２３号", LOAN)


def test_a_filing_kept_under_one_form_is_found_read_and_locked_under_every_form_of_its_number(stores):
    keep(stores, LOAN, facts())  # kept as typed, before numbers were kept officially

    with stores.transaction() as store:
        read = [store.get_filing(number)["filing_number"] for number in LOAN_FORMS]
        locked = [store.lock_filing(number)[0].number for number in LOAN_FORMS]
        decisions = {store.filing_decision(number) for number in LOAN_FORMS}
        with pytest.raises(NotFound):
            store.get_filing("（2026）湘0426民初1234号")

    assert read == locked == [LOAN] * len(LOAN_FORMS)
    assert decisions == {FilingDecision.DIVERTED}


@pytest.mark.parametrize(
    ("first", "again"), [(OFFICIAL_LOAN, form) for form in LOAN_FORMS[1:]] + [(LOAN, OFFICIAL_LOAN)]
)
def test_a_number_kept_under_one_form_is_not_kept_again_under_another(stores, first, again):
    assert keep(stores, first, facts()) is True

    assert keep(stores, again, facts(screening_facts=ScreeningFacts(False, False, False))) is False

    with stores.transaction() as store:
        assert numbers(store.list_filings(None, None, 10, OWN)) == [first]
        assert [line["kind"] for line in store.get_filing(again)["log"]] == ["registered"]


def test_an_action_on_a_filing_found_under_another_form_is_kept_under_its_own(stores):
    keep(stores, LOAN, facts())
    at = REGISTERED_AT + timedelta(days=19)

    with stores.transaction() as store:
        filing, _ = store.lock_filing(OFFICIAL_LOAN)
        on = date(2026, 6, 22)
        mediated, application_kept = request_confirmation(filing, None, AGREEMENT, AGREEMENT.signed_on, on, on)
        store.save_filing(mediated, at)
        store.add_confirmation(application_kept)
        store.log_filing(filing.number, "confirmation_requested", OFFICER, {}, at)

    with stores.transaction() as store:
        read = store.get_filing(OFFICIAL_LOAN)
        _, application = store.lock_filing(OFFICIAL_LOAN)
    assert (read["filing_number"], read["status"]) == (LOAN, "mediated")
    assert [line["kind"] for line in read["log"]] == ["registered", "confirmation_requested"]
    assert [c["seq"] for c in read["confirmations"]] == [1]
    assert application is not None and application.filing_number == LOAN


def test_a_record_fed_under_one_form_is_found_for_every_form_of_the_number(stores):
    first, second = (UUID(f"0000000{n}-0000-4000-8000-000000000000") for n in (1, 2))
    feed(stores, LOAN, LOAN, first)  # fed with ASCII brackets, id and details alike
    feed(stores, "FY-2026-000124", "(2026)湘0426民初124号", second)

    with stores.transaction() as store:
        by_id = [store.record_for_filing(number)["message_id"] for number in LOAN_FORMS]
        by_details = store.record_for_filing("（2026）湘0426民初124号")
        fed_before = [
            store.filing_fed_before(OFFICIAL_LOAN, "FY-2026-000123"),  # the ASCII record carried it
            store.filing_fed_before(OFFICIAL_LOAN, LOAN),  # only that record: its id as it was fed
            store.filing_fed_before(OFFICIAL_LOAN, OFFICIAL_LOAN),  # another id than the one fed: another record
        ]

    assert by_id == [first] * len(LOAN_FORMS)
    assert by_details is not None and by_details["record_id"] == "FY-2026-000124"
    assert fed_before == [True, False, True]


def test_the_referrals_of_a_filings_case_are_found_whatever_form_its_record_id_travelled_in(stores):
    """Intake and the coordinator keep a record id as it was fed: the referral carries the form fed, old or new."""
    keep(stores, OFFICIAL_LOAN, facts())
    feed(stores, "FY-2026-000123", LOAN, MESSAGE)  # the court's own system fed it, with ASCII brackets
    receive(stores, LEAD, LOAN, REGISTERED_AT, accepted=True)  # fed under its number, with ASCII brackets
    receive(stores, LATER_ROUND, "FY-2026-000123", REGISTERED_AT + timedelta(days=1))
    receive(stores, OTHER_CASE, "(2026)湘0426民初124号", REGISTERED_AT, accepted=True)

    with stores.transaction() as store:
        links = [link["referral_id"] for link in store.get_filing(OFFICIAL_LOAN)["referrals"]]
        accepted = store.accepted_referral_for("(2026）湘0426民初123号", OWN)

    assert links == [LEAD, LATER_ROUND]
    assert accepted == LEAD


@pytest.mark.integration
def test_two_forms_of_one_number_are_held_as_one_and_registered_once(service_database: str) -> None:
    """Two officers registering one filing at once, with ASCII and full-width brackets: the second waits for the
    first, then finds its filing (200, sent again), rather than keeping a second."""
    empty_tables(service_database)
    bench = postgres_bench(service_database, PostgresCourtStore)
    filing = register(OFFICIAL_LOAN, COURT, facts().screening, REGISTERED_AT.date())

    with bench.transaction() as first:
        assert first.add_filing(filing, facts(), OFFICER, MESSAGE, REGISTERED_AT) is True
        with pytest.raises(Exception, match="lock"), bench.transaction() as second:
            second.sql.write("SET LOCAL lock_timeout = '200ms'")
            second.hold_filing_number(LOAN)
    with bench.transaction() as second:
        assert second.add_filing(replace(filing, number=LOAN), facts(), OFFICER, MESSAGE, REGISTERED_AT) is False
    with bench.transaction() as store:
        assert numbers(store.list_filings(None, None, 10, OWN)) == [OFFICIAL_LOAN]


def test_a_reader_changing_what_it_read_changes_nothing_stored(stores):
    keep(stores, LOAN, facts())
    with stores.transaction() as store:
        read = store.get_filing(LOAN)
        read["parties"].clear()
        read["log"][0]["detail"]["decision"] = "filed"
        store.list_filings(None, None, 10, OWN)[0]["reasons"].append("no_consent")

    with stores.transaction() as store:
        again = store.get_filing(LOAN)
    assert len(again["parties"]) == 2
    assert again["log"][0]["detail"]["decision"] == "diverted"
    assert again["reasons"] == []


# --- what came of the mediation -------------------------------------------------------------------------


def test_a_locked_filing_comes_back_as_it_stands_and_keeps_its_agreement(stores):
    keep(stores, LOAN, facts())
    at = REGISTERED_AT + timedelta(days=19)

    with stores.transaction() as store:
        filing, latest = store.lock_filing(LOAN)
        store.save_filing(record_agreement(filing, AGREEMENT), at)
        store.log_filing(LOAN, "agreement", OFFICER, {"agreement": AGREEMENT.model_dump(mode="json")}, at)

    with stores.transaction() as store:
        locked, _ = store.lock_filing(LOAN)
        read = store.get_filing(LOAN)
    assert latest is None
    assert (locked.status, locked.agreement, locked.mediated_on) == (
        FilingStatus.MEDIATED,
        AGREEMENT,
        date(2026, 6, 20),
    )
    assert read["agreement"] == STORED_AGREEMENT
    assert (read["status"], read["updated_at"]) == ("mediated", at)
    assert [line["kind"] for line in read["log"]] == ["registered", "agreement"]


def test_a_returned_filing_keeps_the_day_the_reason_and_its_new_number(stores):
    keep(stores, LOAN, facts())

    with stores.transaction() as store:
        filing, _ = store.lock_filing(LOAN)
        returned = return_to_litigation(filing, None, "被告拒绝调解", date(2026, 6, 15), "(2026)湘0426民初456号")
        store.save_filing(returned, REGISTERED_AT + timedelta(days=14))

    with stores.transaction() as store:
        locked, _ = store.lock_filing(LOAN)
        read = store.get_filing(LOAN)
    assert locked == returned
    assert (read["status"], read["returned_on"], read["return_reason"], read["litigation_number"]) == (
        "returned",
        date(2026, 6, 15),
        "被告拒绝调解",
        "(2026)湘0426民初456号",
    )


def test_applications_are_kept_in_order_and_the_latest_comes_with_the_locked_filing(stores):
    keep(stores, LOAN, facts())
    with stores.transaction() as store:
        filing, _ = store.lock_filing(LOAN)
        filing, first = request_confirmation(
            filing, None, AGREEMENT, date(2026, 6, 20), date(2026, 6, 22), date(2026, 6, 22)
        )
        store.add_confirmation(first)
        store.save_filing(filing, REGISTERED_AT + timedelta(days=21))
    with stores.transaction() as store:
        filing, latest = store.lock_filing(LOAN)
        store.save_confirmation(
            decide_confirmation(
                extend_decision_term(latest, "需调取借条原件"), False, "利息超过法定上限", date(2026, 7, 10)
            )
        )
    changed = Agreement(signed_on=date(2026, 7, 12), terms="被告分两期归还借款五万元，免除利息。")
    with stores.transaction() as store:
        filing, refused = store.lock_filing(LOAN)
        _, second = request_confirmation(
            filing, refused, changed, changed.signed_on, date(2026, 7, 13), date(2026, 7, 13)
        )
        store.add_confirmation(second)

    with stores.transaction() as store:
        _, latest = store.lock_filing(LOAN)
        read = store.get_filing(LOAN)
    assert latest == second
    assert [(c["seq"], c["status"], c["extended"]) for c in read["confirmations"]] == [
        (1, "refused", True),
        (2, "pending", False),
    ]
    assert read["confirmations"][0] == {
        "seq": 1,
        "agreement": STORED_AGREEMENT,
        "effective_on": date(2026, 6, 20),
        "applied_on": date(2026, 6, 22),
        "application_due_on": date(2026, 7, 20),
        "accepted_on": date(2026, 6, 22),
        "decision_due_on": date(2026, 7, 17),
        "status": "refused",
        "extended": True,
        "extension_reason": "需调取借条原件",
        "decided_on": date(2026, 7, 10),
        "decision_reason": "利息超过法定上限",
    }


def test_the_running_terms_over_a_year_are_the_filings_in_mediation_and_pending_applications_that_touch_it(stores):
    december = datetime(2026, 12, 20, 9, 30, tzinfo=BEIJING)
    keep(stores, LOAN, facts(filed_on=december.date()), at=december)  # in mediation into January 2027
    keep(stores, FENCE, facts(screening_facts=ScreeningFacts(False, False, True)), at=december)  # filed: no term
    keep(stores, LAND_TAKING, facts(CaseType.ADMINISTRATIVE, matter=AdministrativeMatter.COMPENSATION))  # June only
    mediated = "(2026)湘0426民初200号"
    keep(stores, mediated, facts(), at=REGISTERED_AT)
    with stores.transaction() as store:
        filing, _ = store.lock_filing(mediated)
        _, pending = request_confirmation(
            filing, None, AGREEMENT, date(2026, 12, 20), date(2026, 12, 22), date(2026, 12, 22)
        )
        store.add_confirmation(pending)  # decision due in January 2027

    with stores.transaction() as store:
        in_mediation, applications = store.running_terms_over(date(2027, 1, 1), date(2027, 12, 31))
        moved = replace(in_mediation[0], mediation_due_on=date(2027, 1, 25))
        store.save_mediation_term(moved, december + timedelta(days=1))
        store.save_confirmation(replace(applications[0], decision_due_on=date(2027, 1, 8)))
    with stores.transaction() as store:
        none_in_2025, _ = store.running_terms_over(date(2025, 1, 1), date(2025, 12, 31))
        loan = store.get_filing(LOAN)
        other = store.get_filing(mediated)

    assert [f.number for f in in_mediation] == [LOAN]
    assert [(a.filing_number, a.seq) for a in applications] == [(mediated, 1)]
    assert none_in_2025 == []
    assert (loan["mediation_due_on"], loan["updated_at"]) == (date(2027, 1, 25), december + timedelta(days=1))
    assert other["confirmations"][0]["decision_due_on"] == date(2027, 1, 8)


def test_an_application_for_a_filing_never_registered_is_refused_and_is_no_conflict(stores):
    keep(stores, LOAN, facts())
    with stores.transaction() as store:
        filing, _ = store.lock_filing(LOAN)
        _, confirmation = request_confirmation(
            filing, None, AGREEMENT, date(2026, 6, 20), date(2026, 6, 22), date(2026, 6, 22)
        )

    with pytest.raises(StoreError) as raised, stores.transaction() as store:
        store.add_confirmation(replace(confirmation, filing_number=FENCE))
    assert not isinstance(raised.value, Conflict)


def test_the_same_application_kept_twice_is_a_conflict(stores):
    keep(stores, LOAN, facts())
    with stores.transaction() as store:
        filing, _ = store.lock_filing(LOAN)
        _, confirmation = request_confirmation(
            filing, None, AGREEMENT, date(2026, 6, 20), date(2026, 6, 22), date(2026, 6, 22)
        )
        store.add_confirmation(confirmation)

    with pytest.raises(Conflict), stores.transaction() as store:
        store.add_confirmation(confirmation)


def test_a_line_logged_on_a_filing_never_registered_is_refused(stores):
    with pytest.raises(StoreError), stores.transaction() as store:
        store.log_filing(LOAN, "returned", OFFICER, {}, REGISTERED_AT)


# --- lists ------------------------------------------------------------------------------------------------


@pytest.fixture
def three_filings(stores):
    keep(stores, LOAN, facts())
    keep(stores, FENCE, facts(screening_facts=ScreeningFacts(True, False, True)), REGISTERED_AT + timedelta(hours=1))
    keep(
        stores,
        LAND_TAKING,
        facts(CaseType.ADMINISTRATIVE, matter=AdministrativeMatter.INDEMNITY),
        REGISTERED_AT + timedelta(hours=2),
    )
    with stores.transaction() as store:
        filing, _ = store.lock_filing(LAND_TAKING)
        store.save_filing(return_to_litigation(filing, None, "补偿标准争议大", date(2026, 6, 2), None), REGISTERED_AT)
    return stores


def numbers(rows: list[dict]) -> list[str]:
    return [row["filing_number"] for row in rows]


def test_filings_are_listed_the_latest_registered_first_and_by_decision_or_status(three_filings):
    with three_filings.transaction() as store:
        assert numbers(store.list_filings(None, None, 10, OWN)) == [LAND_TAKING, FENCE, LOAN]
        assert numbers(store.list_filings(FilingDecision.DIVERTED, None, 10, OWN)) == [LAND_TAKING, LOAN]
        assert numbers(store.list_filings(FilingDecision.FILED, None, 10, OWN)) == [FENCE]
        assert numbers(store.list_filings(None, FilingStatus.IN_MEDIATION, 10, OWN)) == [LOAN]
        assert numbers(store.list_filings(FilingDecision.DIVERTED, FilingStatus.RETURNED, 10, OWN)) == [LAND_TAKING]
        assert numbers(store.list_filings(None, None, 2, OWN)) == [LAND_TAKING, FENCE]
        assert store.list_filings(None, None, 0, OWN) == []


def test_a_listed_filing_carries_its_row_but_not_its_log_applications_or_referrals(three_filings):
    with three_filings.transaction() as store:
        (listed,) = store.list_filings(None, FilingStatus.IN_MEDIATION, 10, OWN)
        read = store.get_filing(LOAN)
    assert listed == {k: v for k, v in read.items() if k not in ("log", "confirmations", "referrals", "record_link")}


def test_a_list_shows_only_the_given_units_filings(stores):
    keep(stores, LOAN, facts())
    keep(stores, FENCE, facts(), unit="court:430421")

    with stores.transaction() as store:
        assert numbers(store.list_filings(None, None, 10, OWN)) == [LOAN]
        assert numbers(store.list_filings(None, None, 10, frozenset({"court:430421"}))) == [FENCE]
        assert store.list_filings(None, None, 10, frozenset()) == []


# --- the case a filing became ----------------------------------------------------------------------------

LEAD = UUID("33333333-3333-4333-8333-333333333333")
LATER_ROUND = UUID("44444444-4444-4444-8444-444444444444")
OTHER_CASE = UUID("55555555-5555-4555-8555-555555555555")


def receive(
    stores,
    referral_id: UUID,
    record: str | None,
    at: datetime,
    unit: str = COURT,
    accepted: bool = False,
    source: str = "court_filing",
):
    message = referral_issued(
        referral_id, unit, occurred_at=at, case_id="430426-20260601-00042", source_record_id=record, source=source
    )
    with stores.transaction() as store:
        store.add_referral(message, {}, at)
        if accepted:
            referral, _ = store.lock_referral(referral_id)
            store.save_referral(accept(referral, at))


def test_a_filing_shows_the_referrals_of_the_case_it_became_and_none_other(stores):
    keep(stores, LOAN, facts())
    receive(stores, LEAD, LOAN, REGISTERED_AT + timedelta(minutes=5), accepted=True)
    receive(stores, OTHER_CASE, FENCE, REGISTERED_AT + timedelta(minutes=6))

    with stores.transaction() as store:
        (link,) = store.get_filing(LOAN)["referrals"]

    assert link == {
        "referral_id": LEAD,
        "case_id": "430426-20260601-00042",
        "unit": COURT,
        "role": "lead",
        "round": 1,
        "status": "accepted",
        "result": None,
        "outcome": None,
        "received_at": REGISTERED_AT + timedelta(minutes=5),
    }


def test_the_accepted_referral_for_a_filing_is_the_latest_accepted_one_to_the_given_units(stores):
    receive(stores, LEAD, LOAN, REGISTERED_AT, accepted=True)
    receive(stores, LATER_ROUND, LOAN, REGISTERED_AT + timedelta(days=3), accepted=True)
    receive(stores, OTHER_CASE, FENCE, REGISTERED_AT, accepted=True)

    with stores.transaction() as store:
        assert store.accepted_referral_for(LOAN, OWN) == LATER_ROUND
        assert store.accepted_referral_for(LOAN, frozenset({"court:430421"})) is None
        assert store.accepted_referral_for(LAND_TAKING, OWN) is None


def test_another_agencys_record_under_a_filings_number_is_no_referral_of_the_filing(stores):
    keep(stores, LOAN, facts())
    receive(stores, LEAD, LOAN, REGISTERED_AT, accepted=True)
    # The police fed a record under the same number, and the court was called into the case it opened.
    receive(stores, OTHER_CASE, LOAN, REGISTERED_AT + timedelta(days=1), accepted=True, source="police_call")

    with stores.transaction() as store:
        assert [link["referral_id"] for link in store.get_filing(LOAN)["referrals"]] == [LEAD]
        assert store.accepted_referral_for(LOAN, OWN) == LEAD


def test_a_filing_registered_after_its_record_reaches_the_referrals_of_the_case_the_record_opened(stores):
    """The court fed the filing under its own system's id before registering it here: the case's referrals carry
    that id, and the filing, which joined that case, is reported on them."""
    feed(stores, "FY-2026-000123", LOAN, MESSAGE)
    keep(stores, LOAN, facts())
    receive(stores, LEAD, "FY-2026-000123", REGISTERED_AT, accepted=True)
    receive(stores, OTHER_CASE, "FY-2026-000999", REGISTERED_AT + timedelta(days=1), accepted=True)

    with stores.transaction() as store:
        assert [link["referral_id"] for link in store.get_filing(LOAN)["referrals"]] == [LEAD]
        assert store.accepted_referral_for(LOAN, OWN) == LEAD


# --- the case a filing joined -------------------------------------------------------------------------------

LED_CASE = "430426-20260520-00007"  # a loan the court leads already, from another filing


def test_a_filing_linked_to_a_case_the_court_already_leads_reads_the_link_and_that_cases_referrals(stores):
    """No referral names the filing (the court led the case already): intake's link, under any form of the number,
    names the case, and the filing's page lists the court's referrals of it beside those of its own case."""
    keep(stores, OFFICIAL_LOAN, facts())
    receive(stores, LEAD, LOAN, REGISTERED_AT)  # the filing's own case (before the repeat rule linked a later one)
    with stores.transaction() as store:
        store.add_referral(
            referral_issued(LATER_ROUND, COURT, case_id=LED_CASE, source="court_filing", source_record_id=FENCE),
            {},
            REGISTERED_AT + timedelta(minutes=1),
        )
        store.add_referral(referral_issued(OTHER_CASE, COURT, case_id="430426-20260521-00001"), {}, REGISTERED_AT)
        assert store.get_filing(OFFICIAL_LOAN)["record_link"] is None
        store.keep_record_link(record_linked(UUID(int=9), COURT, LOAN, LED_CASE), REGISTERED_AT)

    with stores.transaction() as store:
        read = store.get_filing(OFFICIAL_LOAN)

    assert (read["record_link"]["record_id"], read["record_link"]["case_id"]) == (LOAN, LED_CASE)
    assert [(r["referral_id"], r["case_id"]) for r in read["referrals"]] == [
        (LEAD, "430426-20260601-00042"),
        (LATER_ROUND, LED_CASE),
    ]


def test_a_filing_fed_as_a_record_of_the_courts_own_id_finds_the_case_that_record_joined(stores):
    """The court's own system fed the filing under its id; intake linked that record, and named the id it came under.
    A link under the filing's number itself comes first."""
    feed(stores, "FY-2026-000123", LOAN, MESSAGE)
    keep(stores, LOAN, facts())
    with stores.transaction() as store:
        store.add_referral(referral_issued(LATER_ROUND, COURT, case_id=LED_CASE), {}, REGISTERED_AT)
        store.keep_record_link(record_linked(UUID(int=9), COURT, "FY-2026-000123", LED_CASE), REGISTERED_AT)
        store.keep_record_link(
            record_linked(UUID(int=11), COURT, "FY-2026-000999", "430426-20260521-00001"), REGISTERED_AT
        )

    with stores.transaction() as store:
        read = store.get_filing(OFFICIAL_LOAN)
    assert (read["record_link"]["record_id"], read["record_link"]["case_id"]) == ("FY-2026-000123", LED_CASE)
    assert [r["referral_id"] for r in read["referrals"]] == [LATER_ROUND]

    with stores.transaction() as store:
        store.keep_record_link(
            record_linked(UUID(int=13), COURT, OFFICIAL_LOAN, "430426-20260522-00002", occurred_at=REGISTERED_AT),
            REGISTERED_AT,
        )
        assert store.get_filing(LOAN)["record_link"]["record_id"] == OFFICIAL_LOAN


def test_a_referral_only_received_is_not_the_accepted_one(stores):
    receive(stores, LEAD, LOAN, REGISTERED_AT)

    with stores.transaction() as store:
        assert store.accepted_referral_for(LOAN, OWN) is None


# --- figures --------------------------------------------------------------------------------------------


def test_the_figures_count_the_filings_of_the_period_by_their_filing_day_both_ends_included(stores):
    keep(stores, "(2026)湘0426民初1号", facts(filed_on=date(2026, 1, 1)))
    keep(
        stores,
        "(2026)湘0426民初2号",
        facts(filed_on=date(2026, 7, 31), screening_facts=ScreeningFacts(False, True, False)),
    )
    keep(stores, "(2026)湘0426民初3号", facts(CaseType.COMMERCIAL, filed_on=date(2026, 3, 5)))
    keep(
        stores,
        "(2026)湘0426行初1号",
        facts(CaseType.ADMINISTRATIVE, matter=AdministrativeMatter.OTHER, filed_on=date(2026, 3, 6)),
    )
    keep(stores, "(2025)湘0426民初9号", facts(filed_on=date(2025, 12, 31)))  # before the period
    keep(stores, "(2026)湘0426民初4号", facts(filed_on=date(2026, 8, 1)))  # after it
    keep(stores, "(2026)湘0421民初5号", facts(filed_on=date(2026, 3, 5)), unit="court:430421")  # another county
    with stores.transaction() as store:
        filing, _ = store.lock_filing("(2026)湘0426民初1号")
        filing, confirmation = request_confirmation(
            filing, None, AGREEMENT, date(2026, 6, 20), date(2026, 6, 22), date(2026, 6, 22)
        )
        store.save_filing(filing, REGISTERED_AT)
        store.add_confirmation(confirmation)
        store.save_confirmation(decide_confirmation(confirmation, True, None, date(2026, 6, 30)))
        filing, _ = store.lock_filing("(2026)湘0426民初3号")
        store.save_filing(return_to_litigation(filing, None, "调解不成", date(2026, 4, 1), None), REGISTERED_AT)

    with stores.transaction() as store:
        figures = store.filing_figures(date(2026, 1, 1), date(2026, 7, 31), OWN).as_json()

    assert figures["filings"] == {
        "registered": 4,
        "by_type": {"civil": 2, "commercial": 1, "administrative": 1},
        "diverted": 2,
        "filed": 2,
        "diversion_rate": 0.5,
        "not_diverted_because": {
            "not_mediable_by_law": 1,
            "legal_relation_unclear": 1,
            "facts_unclear": 0,
            "no_consent": 1,
        },
    }
    assert figures["mediation"] == {
        "in_mediation": 0,
        "mediated": 1,
        "returned_to_litigation": 1,
        "ended": 2,
        "success_rate": 0.5,
        "mediated_share_of_diverted": 0.5,
    }
    assert figures["confirmations"] == {"requested": 1, "pending": 0, "confirmed": 1, "refused": 0}


def test_a_period_without_filings_has_no_rates(stores):
    keep(stores, LOAN, facts())

    with stores.transaction() as store:
        figures = store.filing_figures(date(2025, 1, 1), date(2025, 12, 31), OWN).as_json()

    assert (figures["filings"]["registered"], figures["filings"]["diversion_rate"]) == (0, None)
    assert figures["mediation"]["success_rate"] is None
