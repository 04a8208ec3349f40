"""An agency's store keeps the referrals it received with their log, lists them for officers, and keeps its records."""

import shutil
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.rows import dict_row

from shared.agency.domain import (
    AgencyReferral,
    AgencyReferralStatus,
    accept,
    finished_by,
    refused,
    report_result,
    withdraw,
)
from shared.agency.store import PostgresAgencyStore
from shared.contracts.disputes import Agreement, ResultReport
from shared.contracts.messages import ReferralIssued
from shared.contracts.vocabulary import Outcome, ResultCode
from shared.persistence.errors import Conflict, NotFound, StoreError
from tests.fakes.agency import FakeAgencyStore
from tests.integration.databases import migrated_database
from tests.messages import notice_circulated, record_linked, referral_issued
from tests.stores.conftest import empty_tables, postgres_bench
from wuyuan.provision_db import AGENCY_MIGRATIONS, SHARED_MIGRATIONS, apply_migrations

SERVICE = "court_link"
FAKE = FakeAgencyStore
POSTGRES_STORE = PostgresAgencyStore

BEIJING = ZoneInfo("Asia/Shanghai")
CASE_ID = "430426-20261122-00001"
COURT = "court:430426"
OWN = frozenset({COURT})  # the units an officer of the county court lists for
CENTRE = "centre:430426"
REFERRAL = UUID("33333333-3333-4333-8333-333333333333")
NEVER_ISSUED = UUID("99999999-9999-4999-8999-999999999999")
RECEIVED_AT = datetime(2026, 11, 22, 9, 30, tzinfo=BEIJING)
DUE_AT = RECEIVED_AT + timedelta(days=14)
SUMMARY = "张三起诉某建筑公司拖欠货款，立案前委派调解。"
TRACE = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
OFFICER = "法官助理 刘芳"

FILING = "(2026)湘0426民诉前调1234号"
FILING_MESSAGE = UUID("12341234-1234-4234-8234-123412341234")

HANDLED = ResultReport(result=ResultCode.HANDLED)
AGREEMENT = Agreement(
    number="(2026)湘0426民诉前调1234号之一", signed_on=date(2026, 11, 25), terms="某建筑公司分两期支付货款八万六千元。"
)
MEDIATED = ResultReport(result=ResultCode.MEDIATED, agreement=AGREEMENT)


def issued(referral_id: UUID = REFERRAL, due_at: datetime = DUE_AT, summary: str = SUMMARY) -> ReferralIssued:
    return referral_issued(
        referral_id,
        COURT,
        occurred_at=RECEIVED_AT,
        case_id=CASE_ID,
        source="court_filing",
        category="debt",
        summary=summary,
        flags=["petition_involved"],
        parties=[
            {"role": "applicant", "kind": "person", "name": "张三", "phone": "13800138000"},
            {"role": "respondent", "kind": "organisation", "name": "祁东县某建筑公司"},
        ],
        due_at=due_at,
    )


def receive(stores, message: ReferralIssued, at: datetime = RECEIVED_AT) -> None:
    with stores.transaction() as store:
        store.add_referral(message, TRACE, at)


def listed(rows: list[dict]) -> list[UUID]:
    return [row["referral_id"] for row in rows]


# --- referrals as received ---------------------------------------------------------------


def test_a_received_referral_reads_back_as_issued(stores):
    receive(stores, issued())

    with stores.transaction() as store:
        referral = store.get_referral(REFERRAL)

    assert {key: value for key, value in referral.items() if key != "log"} == {
        "referral_id": REFERRAL,
        "case_id": CASE_ID,
        "unit": COURT,
        "role": "lead",
        "round": 1,
        "status": "received",
        "outcome": None,
        "result": None,
        "agreement": None,
        "category": "debt",
        "source": "court_filing",
        "division_code": "430426101",
        "summary": SUMMARY,
        "flags": ["petition_involved"],
        "parties": [
            {"role": "applicant", "kind": "person", "name": "张三", "phone": "13800138000"},
            {"role": "respondent", "kind": "organisation", "name": "祁东县某建筑公司", "phone": None},
        ],
        "due_at": DUE_AT,
        "received_at": RECEIVED_AT,
        "updated_at": RECEIVED_AT,
        "source_record_id": None,
        "paused_at": None,
        "pause_reason": None,
        "pause_note": None,
        "pauses": 0,
        "due_provisional": False,
        "refusal": None,
    }
    assert all(referral[moment].utcoffset() is not None for moment in ("due_at", "received_at", "updated_at"))


def test_a_referral_of_a_case_an_agency_fed_names_the_record_it_came_from_when_read_and_listed(stores):
    """诉调对接: the court ties the centre's referral back to the filing it diverted."""
    receive(stores, referral_issued(REFERRAL, COURT, occurred_at=RECEIVED_AT, source_record_id=FILING))
    receive(stores, issued(NEVER_ISSUED))

    with stores.transaction() as store:
        read = store.get_referral(REFERRAL)
        listed_rows = {row["referral_id"]: row for row in store.list_referrals(None, 10, OWN)}

    assert read["source_record_id"] == FILING
    assert listed_rows[REFERRAL]["source_record_id"] == FILING
    assert listed_rows[NEVER_ISSUED]["source_record_id"] is None


def test_a_received_referral_starts_its_log_with_a_received_line_naming_role_and_deadline(stores):
    receive(stores, issued())

    with stores.transaction() as store:
        (line,) = store.get_referral(REFERRAL)["log"]

    assert line.keys() == {"kind", "officer", "detail", "at"}
    assert (line["kind"], line["officer"], line["at"]) == ("received", None, RECEIVED_AT)
    assert line["detail"].keys() == {"role", "due_at"}
    assert line["detail"]["role"] == "lead"
    assert datetime.fromisoformat(line["detail"]["due_at"]) == DUE_AT


def test_lines_logged_on_a_referral_come_back_in_the_order_logged_with_officer_and_detail(stores):
    receive(stores, issued())
    accepted_at = RECEIVED_AT + timedelta(hours=2)
    with stores.transaction() as store:
        store.log(REFERRAL, "accepted", OFFICER, {}, accepted_at)
        # Logged in the same moment as the acceptance: the order logged still holds.
        store.log(REFERRAL, "progress", OFFICER, {"note": "已电话联系双方", "calls": 2, "met": ["张三"]}, accepted_at)
    with stores.transaction() as store:
        store.log(REFERRAL, "reminder", None, {"due_at": DUE_AT.isoformat(), "urgent": False}, DUE_AT)

    with stores.transaction() as store:
        log = store.get_referral(REFERRAL)["log"]

    assert log[1:] == [
        {"kind": "accepted", "officer": OFFICER, "detail": {}, "at": accepted_at},
        {
            "kind": "progress",
            "officer": OFFICER,
            "detail": {"note": "已电话联系双方", "calls": 2, "met": ["张三"]},
            "at": accepted_at,
        },
        {"kind": "reminder", "officer": None, "detail": {"due_at": DUE_AT.isoformat(), "urgent": False}, "at": DUE_AT},
    ]


def test_a_line_logged_on_a_referral_never_received_is_refused_and_is_no_conflict(stores):
    with pytest.raises(StoreError) as refused, stores.transaction() as store:
        store.log(NEVER_ISSUED, "reminder", None, {}, RECEIVED_AT)

    assert not isinstance(refused.value, Conflict)  # nothing was there twice: the referral is missing


def test_a_referral_issued_twice_is_a_conflict_and_keeps_the_first(stores):
    receive(stores, issued())

    with pytest.raises(Conflict), stores.transaction() as store:
        store.add_referral(issued(summary="重复下发的同一份委派。"), {}, RECEIVED_AT + timedelta(hours=1))

    with stores.transaction() as store:
        referral = store.get_referral(REFERRAL)
        assert store.lock_referral(REFERRAL)[1] == TRACE
    assert referral["summary"] == SUMMARY
    assert [line["kind"] for line in referral["log"]] == ["received"]


def test_a_referral_is_known_once_received(stores):
    with stores.transaction() as store:
        assert store.referral_exists(REFERRAL) is False
    receive(stores, issued())

    with stores.transaction() as store:
        assert store.referral_exists(REFERRAL) is True
        assert store.referral_exists(NEVER_ISSUED) is False


def test_a_referral_never_received_is_not_found_to_read_or_lock(stores):
    receive(stores, issued())

    with stores.transaction() as store:
        with pytest.raises(NotFound):
            store.get_referral(NEVER_ISSUED)
        with pytest.raises(NotFound):
            store.lock_referral(NEVER_ISSUED)


def test_a_reader_changing_what_it_read_changes_nothing_stored(stores):
    receive(stores, issued())
    with stores.transaction() as store:
        store.add_record(FILING, {"summary": SUMMARY}, {"court": "祁东县人民法院"}, FILING_MESSAGE, RECEIVED_AT)
        as_stored = store.get_referral(REFERRAL)

    with stores.transaction() as store:
        referral = store.get_referral(REFERRAL)
        referral["flags"].clear()
        referral["log"][0]["detail"]["role"] = "co_unit"
        store.list_referrals(None, 10, OWN)[0]["parties"].clear()
        store.lock_referral(REFERRAL)[1].clear()
        store.get_record(FILING)["details"]["court"] = "衡阳市中级人民法院"

    with stores.transaction() as store:
        assert store.get_referral(REFERRAL) == as_stored
        assert store.lock_referral(REFERRAL)[1] == TRACE
        assert store.get_record(FILING)["details"] == {"court": "祁东县人民法院"}


# --- officers' actions -------------------------------------------------------------------


def test_a_locked_referral_comes_with_its_unit_status_and_the_trace_it_arrived_in(stores):
    receive(stores, issued())

    with stores.transaction() as store:
        referral, trace = store.lock_referral(REFERRAL)

    assert referral == AgencyReferral(
        referral_id=REFERRAL, case_id=CASE_ID, unit=COURT, status=AgencyReferralStatus.RECEIVED, outcome=None
    )
    assert isinstance(referral.referral_id, UUID)
    assert trace == TRACE


def test_an_accepted_then_reported_referral_keeps_its_status_outcome_and_time_of_update(stores):
    receive(stores, issued())
    accepted_at, reported_at = RECEIVED_AT + timedelta(hours=2), RECEIVED_AT + timedelta(days=3)

    with stores.transaction() as store:
        referral, _ = store.lock_referral(REFERRAL)
        store.save_referral(accept(referral, accepted_at))
    with stores.transaction() as store:
        accepted = store.get_referral(REFERRAL)
        referral, _ = store.lock_referral(REFERRAL)
        store.save_referral(report_result(referral, HANDLED, reported_at))

    with stores.transaction() as store:
        reported = store.get_referral(REFERRAL)
        locked, _ = store.lock_referral(REFERRAL)

    assert (accepted["status"], accepted["outcome"], accepted["updated_at"]) == ("accepted", None, accepted_at)
    assert (reported["status"], reported["outcome"], reported["updated_at"]) == ("reported", "resolved", reported_at)
    assert (accepted["result"], reported["result"], reported["agreement"]) == (None, "handled", None)
    assert reported["received_at"] == RECEIVED_AT
    assert (locked.status, locked.outcome, locked.result) == (
        AgencyReferralStatus.REPORTED,
        Outcome.RESOLVED,
        ResultCode.HANDLED,
    )


def test_a_mediated_referral_keeps_the_signed_agreement_and_reads_it_back_as_json(stores):
    receive(stores, issued())
    reported_at = RECEIVED_AT + timedelta(days=3)

    with stores.transaction() as store:
        referral, _ = store.lock_referral(REFERRAL)
        store.save_referral(report_result(accept(referral, reported_at), MEDIATED, reported_at))

    with stores.transaction() as store:
        reported = store.get_referral(REFERRAL)
        (listed_row,) = store.list_referrals(AgencyReferralStatus.REPORTED, 10, OWN)
        locked, _ = store.lock_referral(REFERRAL)

    assert (reported["result"], reported["outcome"]) == ("mediated", "resolved")
    assert reported["agreement"] == {
        "number": "(2026)湘0426民诉前调1234号之一",
        "signed_on": "2026-11-25",
        "terms": "某建筑公司分两期支付货款八万六千元。",
        "form": "written",
    }
    assert listed_row["agreement"] == reported["agreement"]
    assert (locked.result, locked.agreement) == (ResultCode.MEDIATED, AGREEMENT)


def test_a_referral_saved_without_a_time_of_update_is_refused(stores):
    receive(stores, issued())

    with pytest.raises(StoreError), stores.transaction() as store:
        referral, _ = store.lock_referral(REFERRAL)
        store.save_referral(referral)  # as locked: updated_at is for the rule that changes it to set

    with stores.transaction() as store:
        assert store.get_referral(REFERRAL)["updated_at"] == RECEIVED_AT


def test_saving_a_referral_never_received_stores_nothing(stores):
    stray = AgencyReferral(NEVER_ISSUED, CASE_ID, COURT, AgencyReferralStatus.ACCEPTED, updated_at=RECEIVED_AT)

    with stores.transaction() as store:
        store.save_referral(stray)

    with stores.transaction() as store:
        assert store.referral_exists(NEVER_ISSUED) is False
        assert store.list_referrals(None, 10, OWN) == []


# --- officers' lists ---------------------------------------------------------------------

DUE_FIRST = UUID("11111111-1111-4111-8111-111111111111")
TIED_LOWER = UUID("22222222-2222-4222-8222-222222222222")
TIED_HIGHER = UUID("33333333-3333-4333-8333-333333333333")
ALREADY_ACCEPTED = UUID("44444444-4444-4444-8444-444444444444")


@pytest.fixture
def four_referrals(stores):
    """Received in this order: two due the same day, then one due sooner, then one due soonest but accepted."""
    for hour, (referral_id, due_in) in enumerate(
        [
            (TIED_HIGHER, timedelta(days=14)),
            (TIED_LOWER, timedelta(days=14)),
            (DUE_FIRST, timedelta(days=7)),
            (ALREADY_ACCEPTED, timedelta(days=3)),
        ]
    ):
        receive(stores, issued(referral_id, due_at=RECEIVED_AT + due_in), at=RECEIVED_AT + timedelta(hours=hour))
    with stores.transaction() as store:
        referral, _ = store.lock_referral(ALREADY_ACCEPTED)
        store.save_referral(accept(referral, RECEIVED_AT + timedelta(hours=4)))
    return stores


def test_referrals_of_one_status_are_listed_soonest_deadline_first_then_by_id(four_referrals):
    with four_referrals.transaction() as store:
        received = store.list_referrals(AgencyReferralStatus.RECEIVED, 10, OWN)
        accepted = store.list_referrals(AgencyReferralStatus.ACCEPTED, 10, OWN)
        declined = store.list_referrals(AgencyReferralStatus.DECLINED, 10, OWN)

    assert listed(received) == [DUE_FIRST, TIED_LOWER, TIED_HIGHER]
    assert listed(accepted) == [ALREADY_ACCEPTED]
    assert declined == []


def test_every_referral_is_listed_the_latest_received_first(four_referrals):
    with four_referrals.transaction() as store:
        everything = store.list_referrals(None, 10, OWN)

    assert listed(everything) == [ALREADY_ACCEPTED, DUE_FIRST, TIED_LOWER, TIED_HIGHER]


def test_a_list_stops_at_its_limit(four_referrals):
    with four_referrals.transaction() as store:
        assert listed(store.list_referrals(None, 2, OWN)) == [ALREADY_ACCEPTED, DUE_FIRST]
        assert listed(store.list_referrals(AgencyReferralStatus.RECEIVED, 1, OWN)) == [DUE_FIRST]
        assert store.list_referrals(None, 0, OWN) == []


def test_a_listed_referral_carries_what_reading_it_shows_but_its_log(four_referrals):
    with four_referrals.transaction() as store:
        (row,) = store.list_referrals(AgencyReferralStatus.ACCEPTED, 10, OWN)
        referral = store.get_referral(ALREADY_ACCEPTED)

    assert row == {key: value for key, value in referral.items() if key != "log"}
    assert row["status"] == "accepted"


# --- whose referrals a list shows -------------------------------------------------------------

STATION_101 = UUID("51515151-5151-4151-8151-515151515151")
STATION_102 = UUID("52525252-5252-4252-8252-525252525252")
JUSTICE_101 = UUID("53535353-5353-4353-8353-535353535353")
ANOTHER_COUNTY = UUID("54545454-5454-4545-8545-545454545454")


@pytest.fixture
def referrals_to_several_units(stores):
    """Two police stations of the county, a justice office of the same township, a station of another county."""
    for hour, (referral_id, unit) in enumerate(
        [
            (STATION_101, "police:430426101"),
            (STATION_102, "police:430426102"),
            (JUSTICE_101, "justice:430426101"),
            (ANOTHER_COUNTY, "police:430421101"),
        ]
    ):
        message = referral_issued(referral_id, unit, occurred_at=RECEIVED_AT, case_id=CASE_ID)
        receive(stores, message, at=RECEIVED_AT + timedelta(hours=hour))
    return stores


@pytest.mark.parametrize(
    ("units", "shown"),
    [
        ({"police:430426101"}, [STATION_101]),
        ({"police:430426102"}, [STATION_102]),
        ({"police:430426101", "police:430426102"}, [STATION_102, STATION_101]),
        ({"police:430426"}, [STATION_102, STATION_101]),  # the county bureau: every station under it
        ({"justice:430426101"}, [JUSTICE_101]),
        ({"police:430421"}, [ANOTHER_COUNTY]),
        ({"court:430426"}, []),
        (set(), []),
    ],
    ids=lambda value: ",".join(sorted(value)) if isinstance(value, set) else None,
)
def test_a_list_shows_only_the_given_units_and_the_units_under_them(referrals_to_several_units, units, shown):
    with referrals_to_several_units.transaction() as store:
        everything = store.list_referrals(None, 10, frozenset(units))
        received = store.list_referrals(AgencyReferralStatus.RECEIVED, 10, frozenset(units))

    assert listed(everything) == shown
    assert sorted(listed(received)) == sorted(shown)


def test_a_county_level_unit_reaches_its_own_agencys_units_only(referrals_to_several_units):
    with referrals_to_several_units.transaction() as store:
        justice_bureau = store.list_referrals(None, 10, frozenset({"justice:430426"}))

    assert listed(justice_bureau) == [JUSTICE_101]


# --- the agency's own records ------------------------------------------------------------


def test_a_record_is_kept_once_and_a_second_copy_is_reported_as_known(stores):
    report = {"category": "debt", "division_code": "430426101", "summary": SUMMARY, "parties": [{"name": "张三"}]}
    details = {"filing_number": FILING, "court": "祁东县人民法院", "claim_yuan": 86000}

    with stores.transaction() as store:
        assert store.add_record(FILING, report, details, FILING_MESSAGE, RECEIVED_AT) is True
    with stores.transaction() as store:
        assert (
            store.add_record(FILING, {"summary": "重复推送"}, {}, NEVER_ISSUED, RECEIVED_AT + timedelta(days=1))
            is False
        )

    with stores.transaction() as store:
        record = store.get_record(FILING)
    assert record == {
        "record_id": FILING,
        "report": report,
        "details": details,
        "message_id": FILING_MESSAGE,
        "recorded_at": RECEIVED_AT,
    }


def test_a_record_never_fed_in_reads_as_none(stores):
    with stores.transaction() as store:
        store.add_record(FILING, {"summary": SUMMARY}, {}, FILING_MESSAGE, RECEIVED_AT)

    with stores.transaction() as store:
        assert store.get_record("(2026)湘0426民诉前调9999号") is None


# --- the case a fed record joined -----------------------------------------------------------------

JOINED_CASE = "430426-20261120-00007"
LATER_CASE = "430426-20261125-00002"


def test_the_case_a_fed_record_joined_is_kept_and_read_back_by_the_record(stores):
    with stores.transaction() as store:
        store.add_record(FILING, {"summary": SUMMARY}, {}, FILING_MESSAGE, RECEIVED_AT)
        assert store.record_link(FILING) is None
        link = record_linked(UUID(int=1), COURT, FILING, JOINED_CASE, occurred_at=RECEIVED_AT)
        assert store.keep_record_link(link, RECEIVED_AT + timedelta(seconds=2)) is True

    with stores.transaction() as store:
        kept = store.record_link(FILING)
    assert kept == {
        "record_id": FILING,
        "case_id": JOINED_CASE,
        "reason": "same parties and category within 30 days",
        "unit": COURT,
        "fed_message_id": link.fed_message_id,
        "linked_at": RECEIVED_AT,
        "received_at": RECEIVED_AT + timedelta(seconds=2),
    }
    with stores.transaction() as store:
        assert store.record_link("(2026)湘0426民诉前调9999号") is None


def test_a_record_not_kept_here_is_linked_all_the_same(stores):
    """A record fed before this database was restored to an earlier point: the case it joined is still news."""
    with stores.transaction() as store:
        store.keep_record_link(record_linked(UUID(int=1), COURT, FILING, JOINED_CASE), RECEIVED_AT)

    with stores.transaction() as store:
        assert store.get_record(FILING) is None
        assert store.record_link(FILING)["case_id"] == JOINED_CASE


def test_the_latest_link_intake_made_wins_whatever_order_they_arrive_in(stores):
    earlier = record_linked(UUID(int=1), COURT, FILING, JOINED_CASE, occurred_at=RECEIVED_AT)
    later = record_linked(
        UUID(int=2), COURT, FILING, LATER_CASE, occurred_at=RECEIVED_AT + timedelta(days=1), reason="same source record"
    )
    with stores.transaction() as store:
        assert store.keep_record_link(later, RECEIVED_AT + timedelta(days=1)) is True
    with stores.transaction() as store:
        assert store.keep_record_link(earlier, RECEIVED_AT + timedelta(days=2)) is False
        # The same link again (intake linking the record fed once more) changes nothing either.
        again = record_linked(UUID(int=3), COURT, FILING, LATER_CASE, occurred_at=RECEIVED_AT + timedelta(days=3))
        assert store.keep_record_link(again.model_copy(update={"reason": "same source record"}), RECEIVED_AT) is False

    with stores.transaction() as store:
        kept = store.record_link(FILING)
    assert (kept["case_id"], kept["reason"], kept["linked_at"]) == (
        LATER_CASE,
        "same source record",
        RECEIVED_AT + timedelta(days=1),
    )


# --- mobile numbers past their retention ---------------------------------------------------

ROUND_TWO = UUID("44444444-4444-4444-8444-444444444444")


def finish(stores, referral_id: UUID, at: datetime) -> None:
    with stores.transaction() as store:
        referral, _ = store.lock_referral(referral_id)
        store.save_referral(report_result(accept(referral, at), HANDLED, at))


def phones(stores, referral_id: UUID) -> list:
    with stores.transaction() as store:
        return [p.get("phone") for p in store.get_referral(referral_id)["parties"]]


def test_a_finished_referral_loses_its_mobile_numbers_after_the_cut_off_and_not_before(stores):
    receive(stores, issued())
    finish(stores, REFERRAL, RECEIVED_AT + timedelta(days=3))

    with stores.transaction() as store:
        assert store.purge_phones(RECEIVED_AT + timedelta(days=2)) == []
        assert store.purge_phones(RECEIVED_AT + timedelta(days=4), dry_run=True) == [REFERRAL]
    assert phones(stores, REFERRAL) == ["13800138000", None]
    with stores.transaction() as store:
        assert store.purge_phones(RECEIVED_AT + timedelta(days=4)) == [REFERRAL]
        assert store.purge_phones(RECEIVED_AT + timedelta(days=4)) == []
        names = [p["name"] for p in store.get_referral(REFERRAL)["parties"]]
    assert phones(stores, REFERRAL) == [None, None]
    assert names == ["张三", "祁东县某建筑公司"]


def test_a_withdrawn_referral_loses_its_mobile_numbers_after_the_cut_off_too(stores):
    receive(stores, issued())
    withdrawn_at = RECEIVED_AT + timedelta(days=3)
    with stores.transaction() as store:
        referral, _ = store.lock_referral(REFERRAL)
        withdrawn = withdraw(accept(referral, withdrawn_at), withdrawn_at)
        assert withdrawn is not None
        store.save_referral(withdrawn)

    with stores.transaction() as store:
        assert store.purge_phones(RECEIVED_AT + timedelta(days=2)) == []
        assert store.purge_phones(RECEIVED_AT + timedelta(days=4)) == [REFERRAL]
    assert phones(stores, REFERRAL) == [None, None]


def test_an_open_referral_keeps_its_mobile_numbers_however_old(stores):
    receive(stores, issued())

    with stores.transaction() as store:
        assert store.purge_phones(RECEIVED_AT + timedelta(days=5000)) == []


def test_a_later_round_without_numbers_takes_them_from_the_leads_earlier_referral(stores):
    receive(stores, issued())
    later = referral_issued(
        ROUND_TWO,
        COURT,
        occurred_at=RECEIVED_AT + timedelta(days=20),
        case_id=CASE_ID,
        round=2,
        parties=[
            {"role": "applicant", "kind": "person", "name": "张三"},
            {"role": "respondent", "kind": "organisation", "name": "祁东县某建筑公司"},
        ],
    )
    receive(stores, later, RECEIVED_AT + timedelta(days=20))

    with stores.transaction() as store:
        store.carry_over_phones(ROUND_TWO)
    assert phones(stores, ROUND_TWO) == ["13800138000", None]


def test_the_agencys_own_records_lose_their_mobile_numbers_after_the_cut_off_and_not_before(stores):
    report = {
        "summary": SUMMARY,
        "parties": [{"name": "张三", "phone": "13800138000"}, {"name": "李四", "phone": None}],
    }
    with stores.transaction() as store:
        store.add_record(FILING, report, {}, FILING_MESSAGE, RECEIVED_AT)

    with stores.transaction() as store:
        assert store.purge_record_phones(RECEIVED_AT) == []
        assert store.purge_record_phones(RECEIVED_AT + timedelta(days=1), dry_run=True) == [FILING]
        assert store.get_record(FILING)["report"]["parties"][0]["phone"] == "13800138000"
    with stores.transaction() as store:
        assert store.purge_record_phones(RECEIVED_AT + timedelta(days=1)) == [FILING]
        assert store.purge_record_phones(RECEIVED_AT + timedelta(days=1)) == []
        kept = store.get_record(FILING)["report"]
    assert kept["parties"] == [{"name": "张三", "phone": None}, {"name": "李四", "phone": None}]
    assert kept["summary"] == SUMMARY


# --- results reported before result codes ---------------------------------------------------------


@pytest.mark.integration
def test_the_results_migration_reads_referrals_reported_before_it_as_the_codes_their_outcomes_stood_for(tmp_path):
    """Migrated up to the agency tables alone, with referrals reported then, and migrated on."""
    earlier = tmp_path / "agency"
    earlier.mkdir()
    shutil.copy(AGENCY_MIGRATIONS / "a0001_agency.sql", earlier)
    columns = "referral_id, case_id, unit, role, round, status, outcome, category, source, division_code, summary,"
    columns += " flags, parties, due_at, received_at, updated_at"
    rows = [
        (UUID(int=1), "reported", "resolved"),
        (UUID(int=2), "reported", "unresolved"),
        (UUID(int=3), "accepted", None),
        (UUID(int=4), "declined", None),
    ]
    with migrated_database("wys_results", [SHARED_MIGRATIONS, earlier]) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            for referral_id, status, outcome in rows:
                conn.execute(
                    f"INSERT INTO referrals ({columns}) VALUES"
                    " (%s, %s, %s, 'lead', 1, %s, %s, 'debt', 'court_filing', '430426101', %s, '[]', '[]', %s, %s, %s)",
                    (referral_id, CASE_ID, COURT, status, outcome, SUMMARY, DUE_AT, RECEIVED_AT, RECEIVED_AT),
                )
        shutil.copy(AGENCY_MIGRATIONS / "a0002_results.sql", earlier)

        assert apply_migrations(url, [SHARED_MIGRATIONS, earlier]) == ["a0002_results"]

        with psycopg.connect(url, row_factory=dict_row) as conn:
            migrated = conn.execute("SELECT referral_id, status, outcome, result, agreement FROM referrals").fetchall()
    assert sorted((r["referral_id"].int, r["outcome"], r["result"], r["agreement"]) for r in migrated) == [
        (1, "resolved", "handled", None),
        (2, "unresolved", "mediation_failed", None),
        (3, None, None, None),
        (4, None, None, None),
    ]


# --- a finishing report the centre refused ----------------------------------------------------

REPORT = UUID("44444444-4444-4444-8444-444444444444")
REFUSAL = {"reason": "failed", "detail": "rejected: failed after 5 attempts", "rejected_type": "ResultReported"}


def test_the_report_that_finished_a_referral_and_its_refusal_are_kept_and_the_refusal_shown(stores):
    receive(stores, issued())
    at = RECEIVED_AT + timedelta(days=3)
    with stores.transaction() as store:
        referral, _ = store.lock_referral(REFERRAL)
        accepted = accept(referral, at)
        store.save_referral(finished_by(accepted, report_result(accepted, MEDIATED, at), REPORT))
    with stores.transaction() as store:
        reported, _ = store.lock_referral(REFERRAL)
        shown_reported = store.get_referral(REFERRAL)
    assert (reported.finished_by, reported.finished_from) == (REPORT, AgencyReferralStatus.ACCEPTED)
    assert shown_reported["refusal"] is None

    with stores.transaction() as store:
        reopened = refused(reported, REPORT, "ResultReported", REFUSAL, at + timedelta(hours=1))
        assert reopened is not None
        store.save_referral(reopened)
    with stores.transaction() as store:
        locked, _ = store.lock_referral(REFERRAL)
        shown = store.get_referral(REFERRAL)
        (listed_row,) = store.list_referrals(AgencyReferralStatus.ACCEPTED, 10, OWN)

    assert (locked.status, locked.finished_by, locked.finished_from) == (AgencyReferralStatus.ACCEPTED, None, None)
    assert (locked.result, locked.outcome, locked.agreement) == (None, None, None)
    assert locked.refusal == REFUSAL
    assert (shown["status"], shown["result"], shown["agreement"], shown["refusal"]) == ("accepted", None, None, REFUSAL)
    assert listed_row["refusal"] == REFUSAL


# --- 通报 naming the agency's units ------------------------------------------------------------


@pytest.mark.integration
def test_a_notice_is_kept_once_by_id_and_unit_with_its_number_and_period(service_database):
    empty_tables(service_database)
    bench = postgres_bench(service_database, PostgresAgencyStore)
    notice = notice_circulated(UUID(int=8), COURT, "祁东综治〔2026〕通报第11号")

    for _ in range(2):  # the copy taken again, after the inbox lost its row to pruning
        with bench.transaction() as store:
            store.keep_notice(notice, RECEIVED_AT)

    with psycopg.connect(service_database) as conn:
        kept = conn.execute("SELECT document_id, unit, document_number, period_from, period_to FROM notices").fetchall()
    assert kept == [(UUID(int=8), COURT, "祁东综治〔2026〕通报第11号", date(2026, 11, 1), date(2026, 11, 30))]
