"""Intake numbers cases by county and local day, and links a repeat report to the case it repeats."""

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import TypeAdapter

from services.intake.domain import (
    REPEAT_WINDOW,
    LinkedRepeat,
    NewCase,
    PriorCase,
    case_id_for,
    decide_registration,
    format_case_id,
    local_day,
    party_key,
    repeat_keys,
)
from shared.contracts.disputes import DisputeReport, Party
from shared.contracts.identifiers import CaseId
from shared.contracts.vocabulary import LinkReason, PartyRole

ZHANG_SAN_ID = "430426199005201239"
LI_SI_ID = "430426198511114563"
WANG_WU_ID = "430426197703034440"

# A deployment's secret, as `wuyuan up` makes one: 32 random bytes, here fixed.
SECRET = bytes.fromhex("5f1c0a9e3b7d2c4a8e6f1b3d5c7a9e0f2b4d6c8a0e1f3b5d7c9a2e4f6b8d0c1a")
OTHER_SECRET = bytes(32)

FIRST_FILED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
EARLIER_CASE = "430426-20261001-00007"
COURT_RECORD = "(2026)湘0426民诉前调1234号"


def zhang_san(**fields) -> dict:
    return {"role": "applicant", "name": "张三", "id_number": ZHANG_SAN_ID, **fields}


def li_si(**fields) -> dict:
    return {"role": "respondent", "name": "李四", "id_number": LI_SI_ID, **fields}


def dispute(*parties: dict, category="neighbour", source="walk_in", record=None) -> DisputeReport:
    return DisputeReport(
        source=source,
        category=category,
        division_code="430426101",
        summary="李四家装修占用公共楼道，张三多次协商未果。",
        parties=list(parties) or [zhang_san(), li_si()],
        source_record_id=record,
    )


def decide(report: DisputeReport, candidates: list[PriorCase], now: datetime):
    return decide_registration(repeat_keys(report, SECRET), candidates, now)


def registered(report: DisputeReport, at: datetime = FIRST_FILED, case_id: str = EARLIER_CASE) -> PriorCase:
    return PriorCase.registered_with(case_id, at, repeat_keys(report, SECRET))


# --- case numbers -------------------------------------------------------------------


def test_a_case_number_shows_county_day_and_five_digit_sequence():
    number = format_case_id("430426", date(2026, 11, 21), 42)

    assert number == "430426-20261121-00042"
    assert TypeAdapter(CaseId).validate_python(number) == number


@pytest.mark.parametrize("sequence", [1, 99_999])
def test_the_first_and_last_case_of_a_day_are_numbered(sequence):
    assert format_case_id("430426", date(2026, 11, 21), sequence).endswith(f"-{sequence:05d}")


@pytest.mark.parametrize(
    ("sequence", "number"),
    [
        (100_000, "430426-20261121-100000"),
        (1_234_567, "430426-20261121-1234567"),
        (999_999_999, "430426-20261121-999999999"),
    ],
)
def test_a_busy_day_never_runs_out_of_numbers_the_sequence_widens(sequence, number):
    assert format_case_id("430426", date(2026, 11, 21), sequence) == number
    assert TypeAdapter(CaseId).validate_python(number) == number


@pytest.mark.parametrize("sequence", [0, -1, 1_000_000_000])
def test_a_sequence_outside_what_a_case_number_holds_is_refused(sequence):
    with pytest.raises(ValueError, match=r"1\.\.999999999"):
        format_case_id("430426", date(2026, 11, 21), sequence)


@pytest.mark.parametrize("county", ["43042", "430426101", "000000", "43042a"])
def test_a_county_that_is_not_six_digits_of_a_real_county_is_refused(county):
    with pytest.raises(ValueError):
        format_case_id(county, date(2026, 11, 21), 1)


def test_a_report_half_past_midnight_in_beijing_is_numbered_with_the_beijing_day():
    half_past_midnight_beijing = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)

    assert local_day(half_past_midnight_beijing) == date(2026, 11, 21)
    assert case_id_for("430426101201", half_past_midnight_beijing, 1) == "430426-20261121-00001"


def test_a_moment_without_a_timezone_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        local_day(datetime(2026, 11, 21, 9, 0))


# --- party keys ---------------------------------------------------------------------


ZHANG_SAN = Party(role=PartyRole.APPLICANT, name="张三", id_number=ZHANG_SAN_ID)


def test_a_party_key_is_the_keyed_digest_of_the_id_number_and_never_the_number_itself():
    key = party_key(ZHANG_SAN, SECRET)

    # Fixed for a given secret: keys already stored must keep matching after an upgrade.
    assert key == hmac.new(SECRET, f"wuyuan.party.v2:id:{ZHANG_SAN_ID}".encode(), hashlib.sha256).hexdigest()
    assert ZHANG_SAN_ID not in key


def test_without_the_deployment_secret_a_key_cannot_be_recomputed_from_an_id_number():
    key = party_key(ZHANG_SAN, SECRET)

    # Whoever holds intake's key column but not the secret cannot hash candidate ID numbers to match it.
    assert key != hashlib.sha256(f"wuyuan.party.v2:id:{ZHANG_SAN_ID}".encode()).hexdigest()
    assert key != hashlib.sha256(f"wuyuan.party.v1:id:{ZHANG_SAN_ID}".encode()).hexdigest()
    assert key != party_key(ZHANG_SAN, OTHER_SECRET)


def test_a_secret_shorter_than_32_bytes_is_refused():
    with pytest.raises(ValueError, match="at least 32 bytes"):
        party_key(ZHANG_SAN, b"password")


def test_the_id_number_identifies_a_person_whatever_name_was_written_down():
    as_written_at_the_window = Party(role=PartyRole.APPLICANT, name="张三", id_number=ZHANG_SAN_ID)
    as_written_by_the_court = Party(role=PartyRole.APPLICANT, name="张 三", id_number=ZHANG_SAN_ID)

    assert party_key(as_written_at_the_window, SECRET) == party_key(as_written_by_the_court, SECRET)


@pytest.mark.parametrize(
    "typed,as_stored",
    [(" 张三 ", "张三"), ("Zhang  San", "zhang san"), ("ＺＨＡＮＧ　ＳＡＮ", "zhang san")],
    ids=["surrounding spaces", "case and doubled space", "full-width letters and space"],
)
def test_a_name_typed_differently_is_the_same_name(typed, as_stored):
    assert party_key(Party(role=PartyRole.APPLICANT, name=typed), SECRET) == party_key(
        Party(role=PartyRole.APPLICANT, name=as_stored), SECRET
    )


def test_two_people_of_the_same_name_with_different_phones_are_different_parties():
    one = Party(role=PartyRole.RESPONDENT, name="王五", phone="13800138000")
    another = Party(role=PartyRole.RESPONDENT, name="王五", phone="13900139000")

    assert party_key(one, SECRET) != party_key(another, SECRET)


def test_repeat_keys_pair_every_applicant_with_every_respondent_without_id_numbers():
    wang_wu = {"role": "applicant", "name": "王五", "phone": "13700137000"}
    report = dispute(zhang_san(), wang_wu, li_si(), category="wages", source="court_filing", record=COURT_RECORD)

    keys = repeat_keys(report, SECRET)

    assert keys.record == f"court_filing:{COURT_RECORD}"
    assert len(keys.pairs) == 2
    assert {pair.category for pair in keys.pairs} == {"wages"}
    assert ZHANG_SAN_ID not in repr(keys) and LI_SI_ID not in repr(keys)


def test_a_report_without_a_source_record_has_no_record_key():
    assert repeat_keys(dispute(), SECRET).record is None


# --- repeat reports -----------------------------------------------------------------


def test_a_first_report_opens_a_new_case():
    decision = decide(dispute(), [], FIRST_FILED)

    assert isinstance(decision, NewCase)
    assert decision.keys == repeat_keys(dispute(), SECRET)


def test_the_same_parties_and_category_30_days_less_a_minute_later_link_to_the_case():
    earlier = registered(dispute())

    decision = decide(dispute(), [earlier], FIRST_FILED + timedelta(days=30, minutes=-1))

    assert decision == LinkedRepeat(EARLIER_CASE, LinkReason.SAME_PARTIES, repeat_keys(dispute(), SECRET))
    assert decision.reason == "same parties and category within 30 days"


def test_the_same_parties_and_category_30_days_and_a_minute_later_open_a_new_case():
    earlier = registered(dispute())

    decision = decide(dispute(), [earlier], FIRST_FILED + timedelta(days=30, minutes=1))

    assert isinstance(decision, NewCase)


def test_the_window_is_thirty_days():
    assert timedelta(days=30) == REPEAT_WINDOW


def test_the_same_source_record_links_even_a_year_later():
    court_filing = dispute(source="court_filing", category="debt", record=COURT_RECORD)
    earlier = registered(court_filing)

    decision = decide(court_filing, [earlier], FIRST_FILED + timedelta(days=365))

    assert isinstance(decision, LinkedRepeat)
    assert decision.case_id == EARLIER_CASE
    assert decision.reason == "same source record"


def test_a_court_record_fed_again_finds_its_case_though_a_police_call_was_linked_to_it_since():
    """A case holds every record its reports brought; the court refiling 40 days on opens no second case."""
    walk_in = dispute()
    court_filing = dispute(source="court_filing", record=COURT_RECORD)
    police_call = dispute(source="police_call", record="JQ4304262026112100017")
    case = PriorCase.registered_with(
        EARLIER_CASE, FIRST_FILED, *(repeat_keys(report, SECRET) for report in (walk_in, court_filing, police_call))
    )

    decision = decide(court_filing, [case], FIRST_FILED + timedelta(days=40))

    assert isinstance(decision, LinkedRepeat)
    assert (decision.case_id, decision.reason) == (EARLIER_CASE, LinkReason.SAME_SOURCE_RECORD)


def test_the_same_record_number_from_another_agency_is_not_the_same_record():
    court_filing = dispute(source="court_filing", record="2026-0001")
    police_call = dispute(zhang_san(), {"role": "respondent", "name": "赵六"}, source="police_call", record="2026-0001")

    decision = decide(police_call, [registered(court_filing)], FIRST_FILED + timedelta(days=1))

    assert isinstance(decision, NewCase)


def test_a_different_applicant_against_the_same_respondent_does_not_link():
    wang_wu = {"role": "applicant", "name": "王五", "id_number": WANG_WU_ID}
    earlier = registered(dispute())

    decision = decide(dispute(wang_wu, li_si()), [earlier], FIRST_FILED + timedelta(days=2))

    assert isinstance(decision, NewCase)


def test_the_same_people_in_another_category_do_not_link():
    earlier = registered(dispute(category="neighbour"))

    decision = decide(dispute(category="debt"), [earlier], FIRST_FILED + timedelta(days=2))

    assert isinstance(decision, NewCase)


def test_a_group_report_links_when_any_applicant_respondent_pair_repeats():
    wang_wu = {"role": "applicant", "name": "王五", "id_number": WANG_WU_ID}
    earlier = registered(dispute(zhang_san(), li_si(), category="wages"))

    decision = decide(
        dispute(wang_wu, zhang_san(), li_si(), category="wages"), [earlier], FIRST_FILED + timedelta(days=3)
    )

    assert isinstance(decision, LinkedRepeat)
    assert decision.reason is LinkReason.SAME_PARTIES


def test_parties_without_id_numbers_link_by_name_and_phone():
    by_phone = dispute(
        {"role": "applicant", "name": "张三", "phone": "13800138000"},
        {"role": "respondent", "name": "李四", "phone": "+86 13900139000"},
    )
    again = dispute(
        {"role": "applicant", "name": " 张三", "phone": "13800138000"},
        {"role": "respondent", "name": "李四", "phone": "13900139000"},
    )

    decision = decide(again, [registered(by_phone)], FIRST_FILED + timedelta(days=1))

    assert isinstance(decision, LinkedRepeat)


def test_the_source_record_wins_over_a_more_recent_case_of_the_same_parties():
    court_filing = dispute(source="court_filing", record=COURT_RECORD)
    by_record = registered(court_filing, at=FIRST_FILED, case_id="430426-20261001-00001")
    by_parties = registered(dispute(), at=FIRST_FILED + timedelta(days=5), case_id="430426-20261006-00002")

    decision = decide(court_filing, [by_parties, by_record], FIRST_FILED + timedelta(days=6))

    assert decision.case_id == "430426-20261001-00001"
    assert decision.reason is LinkReason.SAME_SOURCE_RECORD


def test_among_several_matching_cases_the_most_recent_is_linked():
    oldest = registered(dispute(), at=FIRST_FILED, case_id="430426-20261001-00001")
    newest = registered(dispute(), at=FIRST_FILED + timedelta(days=10), case_id="430426-20261011-00003")
    middle = registered(dispute(), at=FIRST_FILED + timedelta(days=5), case_id="430426-20261006-00002")

    decision = decide(dispute(), [oldest, newest, middle], FIRST_FILED + timedelta(days=12))

    assert decision.case_id == "430426-20261011-00003"


def test_a_naive_now_is_refused_rather_than_compared_wrongly():
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(dispute(), [], datetime(2026, 11, 21, 9, 0))


def test_registration_times_in_other_zones_compare_as_instants():
    registered_in_beijing = datetime(2026, 10, 1, 17, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # 09:00 UTC
    earlier = registered(dispute(), at=registered_in_beijing)

    just_inside = decide(dispute(), [earlier], FIRST_FILED + REPEAT_WINDOW)
    just_outside = decide(dispute(), [earlier], FIRST_FILED + REPEAT_WINDOW + timedelta(seconds=1))

    assert isinstance(just_inside, LinkedRepeat)
    assert isinstance(just_outside, NewCase)
