"""Intake's store finds earlier cases by their keys, numbers each county's day, and keeps every report of a case."""

from datetime import date, datetime, timedelta
from functools import partial
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from services.intake.domain import PairKey, PriorCase, RepeatKeys, record_key, repeat_keys
from services.intake.frequency import Alert, Watched
from services.intake.personal_data import PersonalDataCipher, PersonalDataError
from services.intake.store import PostgresIntakeStore
from shared.contracts.disputes import DisputeReport
from shared.contracts.vocabulary import AlertKind, LinkReason
from shared.persistence.errors import Conflict, NotFound, StoreError
from shared.persistence.jsonb import jsonb
from tests.fakes.intake import FakeIntakeStore

SERVICE = "intake"
# Both stores seal with the same key, as intake does with the deployment's.
CIPHER = PersonalDataCipher(bytes(range(32)))
FAKE = partial(FakeIntakeStore, CIPHER)
POSTGRES_STORE = partial(PostgresIntakeStore, cipher=CIPHER)

ZHANG_SAN_ID = "430426199005201239"
LI_SI_ID = "430426198511114563"
WANG_WU_ID = "430426197703034440"

# A deployment's secret, as `wuyuan up` makes one: 32 random bytes, here fixed.
SECRET = bytes.fromhex("5f1c0a9e3b7d2c4a8e6f1b3d5c7a9e0f2b4d6c8a0e1f3b5d7c9a2e4f6b8d0c1a")

BEIJING = ZoneInfo("Asia/Shanghai")
FIRST_FILED = datetime(2026, 11, 21, 9, 30, tzinfo=BEIJING)
NEIGHBOUR_CASE = "430426-20261121-00001"
DEBT_CASE = "430426-20261121-00002"
WAGES_CASE = "430426-20261121-00003"
COURT_RECORD = "(2026)湘0426民诉前调1234号"
POLICE_RECORD = "JQ4304262026112100017"
SUMMARY = "李四家装修占用公共楼道，张三多次协商未果。"
TRACE = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}

WALK_IN_REPORT = UUID("11111111-1111-4111-8111-111111111111")
HOTLINE_REPORT = UUID("22222222-2222-4222-8222-222222222222")
COURT_REPORT = UUID("33333333-3333-4333-8333-333333333333")


def zhang_san(**fields) -> dict:
    return {"role": "applicant", "name": "张三", "id_number": ZHANG_SAN_ID, **fields}


def li_si(**fields) -> dict:
    return {"role": "respondent", "name": "李四", "id_number": LI_SI_ID, **fields}


def wang_wu(**fields) -> dict:
    return {"role": "respondent", "name": "王五", "id_number": WANG_WU_ID, **fields}


def dispute(*parties: dict, category="neighbour", source="walk_in", record=None, flags=()) -> DisputeReport:
    return DisputeReport(
        source=source,
        category=category,
        division_code="430426101",
        summary=SUMMARY,
        parties=list(parties) or [zhang_san(), li_si()],
        flags=list(flags),
        source_record_id=record,
    )


def court_filing(*parties: dict) -> DisputeReport:
    return dispute(*parties, category="debt", source="court_filing", record=COURT_RECORD)


def keys_of(report: DisputeReport) -> RepeatKeys:
    return repeat_keys(report, SECRET)


def pair(applicant: dict, respondent: dict, category="neighbour") -> PairKey:
    """The key of one applicant against one respondent, as intake stores it."""
    sides = {**applicant, "role": "applicant"}, {**respondent, "role": "respondent"}
    (key,) = keys_of(dispute(*sides, category=category)).pairs
    return key


def register(stores, case_id: str, report: DisputeReport, at: datetime = FIRST_FILED) -> RepeatKeys:
    keys = keys_of(report)
    with stores.transaction() as store:
        store.add_case(case_id, report, keys, at, TRACE)
    return keys


def found(candidates: list[PriorCase]) -> dict[str, tuple[set[str], set[PairKey]]]:
    """Each candidate's number with its record and pair keys, in no particular order."""
    assert len({c.case_id for c in candidates}) == len(candidates), "a case is a candidate once"
    return {c.case_id: (set(c.records), set(c.pairs)) for c in candidates}


# --- finding earlier cases ---------------------------------------------------------------


def test_a_report_of_the_same_court_record_finds_the_case_with_all_its_keys(stores):
    register(stores, DEBT_CASE, court_filing())
    refiled_by_someone_else = court_filing(zhang_san(), wang_wu())

    with stores.transaction() as store:
        candidates = store.candidates(keys_of(refiled_by_someone_else))

    assert found(candidates) == {DEBT_CASE: ({f"court_filing:{COURT_RECORD}"}, {pair(zhang_san(), li_si(), "debt")})}
    assert candidates[0].registered_at == FIRST_FILED
    assert candidates[0].registered_at.utcoffset() is not None


def test_the_same_applicant_against_the_same_respondent_in_the_same_category_finds_the_case(stores):
    register(stores, NEIGHBOUR_CASE, dispute())
    on_the_hotline_with_a_phone_number = dispute(zhang_san(phone="13800138000"), li_si(), source="hotline")

    with stores.transaction() as store:
        candidates = store.candidates(keys_of(on_the_hotline_with_a_phone_number))

    assert found(candidates) == {NEIGHBOUR_CASE: (set(), {pair(zhang_san(), li_si())})}


def test_one_shared_pair_among_several_finds_the_case_and_brings_back_every_pair(stores):
    register(stores, NEIGHBOUR_CASE, dispute(zhang_san(), li_si(), wang_wu()))

    with stores.transaction() as store:
        candidates = store.candidates(keys_of(dispute(zhang_san(), wang_wu())))

    assert found(candidates) == {NEIGHBOUR_CASE: (set(), {pair(zhang_san(), li_si()), pair(zhang_san(), wang_wu())})}


def test_keys_added_to_a_case_later_find_it_and_come_back_with_it(stores):
    register(stores, NEIGHBOUR_CASE, dispute())
    linked_filing = court_filing(zhang_san(), li_si(), wang_wu())
    with stores.transaction() as store:
        store.add_keys(NEIGHBOUR_CASE, keys_of(linked_filing))

    with stores.transaction() as store:
        by_record = store.candidates(RepeatKeys(f"court_filing:{COURT_RECORD}", ()))
        by_added_pair = store.candidates(RepeatKeys(None, (pair(zhang_san(), wang_wu(), "debt"),)))

    every_key = (
        {f"court_filing:{COURT_RECORD}"},
        {pair(zhang_san(), li_si()), pair(zhang_san(), li_si(), "debt"), pair(zhang_san(), wang_wu(), "debt")},
    )
    assert found(by_record) == {NEIGHBOUR_CASE: every_key}
    assert found(by_added_pair) == {NEIGHBOUR_CASE: every_key}


def test_a_case_linked_from_two_agencies_records_comes_back_with_both(stores):
    """A walk-in case, then the court's filing and a police call linked to it: either record finds it, with both."""
    register(stores, NEIGHBOUR_CASE, dispute())
    police_call = RepeatKeys(f"police_call:{POLICE_RECORD}", ())
    with stores.transaction() as store:
        store.add_keys(NEIGHBOUR_CASE, keys_of(court_filing()))
        store.add_keys(NEIGHBOUR_CASE, police_call)

    with stores.transaction() as store:
        by_court_record = store.candidates(RepeatKeys(f"court_filing:{COURT_RECORD}", ()))
        by_police_record = store.candidates(police_call)

    records = {f"court_filing:{COURT_RECORD}", f"police_call:{POLICE_RECORD}"}
    assert found(by_court_record)[NEIGHBOUR_CASE][0] == records
    assert found(by_police_record)[NEIGHBOUR_CASE][0] == records


def test_a_report_matching_two_cases_finds_both_and_each_once(stores):
    register(stores, DEBT_CASE, court_filing())
    register(stores, WAGES_CASE, dispute(zhang_san(), wang_wu(), category="wages"), at=FIRST_FILED + timedelta(hours=1))
    same_record_and_same_wages_dispute = RepeatKeys(
        f"court_filing:{COURT_RECORD}",
        (pair(zhang_san(), li_si(), "debt"), pair(zhang_san(), wang_wu(), "wages")),
    )

    with stores.transaction() as store:
        candidates = store.candidates(same_record_and_same_wages_dispute)

    assert found(candidates) == {
        DEBT_CASE: ({f"court_filing:{COURT_RECORD}"}, {pair(zhang_san(), li_si(), "debt")}),
        WAGES_CASE: (set(), {pair(zhang_san(), wang_wu(), "wages")}),
    }
    registered = {c.case_id: c.registered_at for c in candidates}
    assert registered == {DEBT_CASE: FIRST_FILED, WAGES_CASE: FIRST_FILED + timedelta(hours=1)}


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(dispute(zhang_san(), wang_wu()), id="another respondent"),
        pytest.param(dispute(category="family"), id="another category"),
        pytest.param(
            dispute({**li_si(), "role": "applicant"}, {**zhang_san(), "role": "respondent"}), id="sides swapped"
        ),
        pytest.param(dispute(source="court_filing", record="(2026)湘0426民诉前调9999号"), id="another record"),
    ],
)
def test_a_report_sharing_no_key_with_earlier_cases_finds_nothing(stores, report):
    register(stores, DEBT_CASE, court_filing(zhang_san(), li_si()))
    register(stores, NEIGHBOUR_CASE, dispute(zhang_san(), li_si()))
    with stores.transaction() as store:
        store.add_keys(NEIGHBOUR_CASE, RepeatKeys(None, (pair(wang_wu(), li_si()),)))
    unrelated = keys_of(report)
    if report.source_record_id is not None:
        unrelated = RepeatKeys(unrelated.record, ())  # the record alone: its parties are the earlier case's

    with stores.transaction() as store:
        assert store.candidates(unrelated) == []


def test_a_report_without_any_key_finds_nothing(stores):
    register(stores, NEIGHBOUR_CASE, dispute())

    with stores.transaction() as store:
        assert store.candidates(RepeatKeys(None, ())) == []


def test_locking_keys_lets_the_same_transaction_go_on_and_register_the_case(stores):
    keys = keys_of(court_filing())

    with stores.transaction() as store:
        store.lock_keys(keys)
        store.lock_keys(keys)  # a transaction already holding the locks takes them again at once
        store.lock_keys(RepeatKeys(None, ()))
        assert store.candidates(keys) == []
        store.add_case(DEBT_CASE, court_filing(), keys, FIRST_FILED, TRACE)
    with stores.transaction() as store:
        store.lock_keys(keys)
        assert set(found(store.candidates(keys))) == {DEBT_CASE}


# --- case numbers ------------------------------------------------------------------------


def test_case_numbers_count_one_two_three_for_each_county_and_day_apart(stores):
    qidong, hengyang = "430426", "430421"
    saturday, sunday = date(2026, 11, 21), date(2026, 11, 22)
    taken = []
    for county, day in [
        (qidong, saturday),
        (qidong, saturday),
        (qidong, sunday),
        (hengyang, saturday),
        (qidong, saturday),
        (qidong, sunday),
    ]:
        with stores.transaction() as store:
            taken.append(store.next_sequence(county, day))

    assert taken == [1, 2, 1, 1, 3, 2]


def test_a_number_taken_in_a_transaction_that_failed_is_given_again(stores):
    with pytest.raises(RuntimeError), stores.transaction() as store:
        assert store.next_sequence("430426", date(2026, 11, 21)) == 1
        raise RuntimeError("the case could not be stored")

    with stores.transaction() as store:
        assert store.next_sequence("430426", date(2026, 11, 21)) == 1


# --- cases and their reports -------------------------------------------------------------


def test_a_case_reads_back_as_it_was_reported(stores):
    report = dispute(zhang_san(phone="13800138000"), li_si(), flags=["violence_risk"])
    with stores.transaction() as store:
        store.add_case(NEIGHBOUR_CASE, report, keys_of(report), FIRST_FILED, TRACE)
        store.add_report(
            WALK_IN_REPORT, NEIGHBOUR_CASE, report, None, False, None, FIRST_FILED, registered_by="wang.fang"
        )

    with stores.transaction() as store:
        case = store.get_case(NEIGHBOUR_CASE)

    assert case == {
        "case_id": NEIGHBOUR_CASE,
        "source": "walk_in",
        "category": "neighbour",
        "division_code": "430426101",
        "summary": SUMMARY,
        "report": report.model_dump(mode="json"),
        "registered_at": FIRST_FILED,
        "reports": [
            {
                "report_id": WALK_IN_REPORT,
                "source": "walk_in",
                "linked": False,
                "reason": None,
                "received_at": FIRST_FILED,
                "registered_by": "wang.fang",
            }
        ],
    }
    assert case["report"]["parties"][0]["id_number"] == ZHANG_SAN_ID
    assert case["registered_at"].utcoffset() is not None


def test_a_case_lists_its_reports_in_the_order_they_were_received(stores):
    walk_in = dispute()
    register(stores, NEIGHBOUR_CASE, walk_in)
    filing, call = court_filing(), dispute(source="hotline")
    with stores.transaction() as store:
        store.add_report(WALK_IN_REPORT, NEIGHBOUR_CASE, walk_in, None, False, None, FIRST_FILED)
        store.add_report(
            COURT_REPORT,
            NEIGHBOUR_CASE,
            filing,
            record_key(filing),
            True,
            LinkReason.SAME_PARTIES.value,
            FIRST_FILED + timedelta(days=2),
            registered_by="demo.court",
        )
    with stores.transaction() as store:
        # Received the day before the filing, stored after it: a feed that caught up late.
        store.add_report(
            HOTLINE_REPORT,
            NEIGHBOUR_CASE,
            call,
            None,
            True,
            LinkReason.SAME_PARTIES.value,
            FIRST_FILED + timedelta(days=1),
        )

    with stores.transaction() as store:
        reports = store.get_case(NEIGHBOUR_CASE)["reports"]

    assert reports == [
        {
            "report_id": WALK_IN_REPORT,
            "source": "walk_in",
            "linked": False,
            "reason": None,
            "received_at": FIRST_FILED,
            "registered_by": None,
        },
        {
            "report_id": HOTLINE_REPORT,
            "source": "hotline",
            "linked": True,
            "reason": "same parties and category within 30 days",
            "received_at": FIRST_FILED + timedelta(days=1),
            "registered_by": None,
        },
        {
            "report_id": COURT_REPORT,
            "source": "court_filing",
            "linked": True,
            "reason": "same parties and category within 30 days",
            "received_at": FIRST_FILED + timedelta(days=2),
            "registered_by": "demo.court",
        },
    ]


def test_a_reader_changing_a_case_it_read_changes_nothing_stored(stores):
    walk_in = dispute()
    register(stores, NEIGHBOUR_CASE, walk_in)
    with stores.transaction() as store:
        store.add_report(WALK_IN_REPORT, NEIGHBOUR_CASE, walk_in, None, False, None, FIRST_FILED)

    with stores.transaction() as store:
        case = store.get_case(NEIGHBOUR_CASE)
        case["report"]["parties"][0]["id_number"] = "430426***********9"
        case["reports"].clear()
        store.case_trace(NEIGHBOUR_CASE).clear()

    with stores.transaction() as store:
        case = store.get_case(NEIGHBOUR_CASE)
        assert store.case_trace(NEIGHBOUR_CASE) == TRACE
    assert case["report"]["parties"][0]["id_number"] == ZHANG_SAN_ID
    assert [r["report_id"] for r in case["reports"]] == [WALK_IN_REPORT]


def test_a_second_case_under_a_number_already_taken_is_a_conflict_and_stores_nothing(stores):
    register(stores, NEIGHBOUR_CASE, dispute())
    filing = court_filing(wang_wu(role="applicant"), li_si())

    with pytest.raises(Conflict), stores.transaction() as store:
        store.add_case(NEIGHBOUR_CASE, filing, keys_of(filing), FIRST_FILED + timedelta(hours=1), {})

    with stores.transaction() as store:
        assert store.get_case(NEIGHBOUR_CASE)["source"] == "walk_in"
        assert store.case_trace(NEIGHBOUR_CASE) == TRACE
        assert store.candidates(keys_of(filing)) == []


def test_a_report_stored_twice_under_one_id_is_a_conflict(stores):
    walk_in = dispute()
    register(stores, NEIGHBOUR_CASE, walk_in)
    with stores.transaction() as store:
        store.add_report(WALK_IN_REPORT, NEIGHBOUR_CASE, walk_in, None, False, None, FIRST_FILED)

    with pytest.raises(Conflict), stores.transaction() as store:
        store.add_report(WALK_IN_REPORT, NEIGHBOUR_CASE, walk_in, None, True, "again", FIRST_FILED + timedelta(days=1))

    with stores.transaction() as store:
        assert [r["linked"] for r in store.get_case(NEIGHBOUR_CASE)["reports"]] == [False]


def test_keys_for_a_case_never_registered_are_refused_and_are_no_conflict(stores):
    with pytest.raises(StoreError) as refused, stores.transaction() as store:
        store.add_keys(NEIGHBOUR_CASE, keys_of(court_filing()))

    assert not isinstance(refused.value, Conflict)  # nothing was there twice: the case is missing
    with stores.transaction() as store:
        assert store.candidates(keys_of(court_filing())) == []


def test_a_report_for_a_case_never_registered_is_refused_and_is_no_conflict(stores):
    with pytest.raises(StoreError) as refused, stores.transaction() as store:
        store.add_report(WALK_IN_REPORT, NEIGHBOUR_CASE, dispute(), None, False, None, FIRST_FILED)

    assert not isinstance(refused.value, Conflict)


def test_a_case_keeps_the_trace_it_was_registered_in(stores):
    register(stores, NEIGHBOUR_CASE, dispute())

    with stores.transaction() as store:
        assert store.case_trace(NEIGHBOUR_CASE) == TRACE


def test_a_case_never_registered_is_not_found_and_has_no_trace(stores):
    register(stores, NEIGHBOUR_CASE, dispute())

    with stores.transaction() as store:
        assert store.case_trace(WAGES_CASE) == {}
        with pytest.raises(NotFound):
            store.get_case(WAGES_CASE)
        assert store.contacts(WAGES_CASE) is None


def test_a_case_gives_its_parties_back_with_their_mobile_numbers_never_their_id_numbers(stores):
    """What a lead's referral sent again after an agency's restore carries (`ProvideLeadContacts`)."""
    report = dispute(zhang_san(phone="13800138000"), li_si())
    register(stores, NEIGHBOUR_CASE, report)

    with stores.transaction() as store:
        contacts = store.contacts(NEIGHBOUR_CASE)
    assert contacts == [
        {"role": "applicant", "kind": "person", "name": "张三", "phone": "13800138000"},
        {"role": "respondent", "kind": "person", "name": "李四", "phone": None},
    ]


# --- personal data at rest -----------------------------------------------------------------

PHONE = "13800138000"


def raw_report(stores, store, case_id: str) -> dict:
    """The report column as stored, not as the store reads it back."""
    if stores.kind == "memory":
        return store.cases[case_id]["report"]
    return store.sql.one("SELECT report FROM cases WHERE case_id = %s", (case_id,))["report"]


def test_id_and_mobile_numbers_are_sealed_in_the_column_and_read_back_in_clear(stores):
    register(stores, NEIGHBOUR_CASE, dispute(zhang_san(phone=PHONE), li_si()))

    with stores.transaction() as store:
        raw = raw_report(stores, store, NEIGHBOUR_CASE)
        case = store.get_case(NEIGHBOUR_CASE)
    assert ZHANG_SAN_ID not in str(raw) and LI_SI_ID not in str(raw) and PHONE not in str(raw)
    assert all(p["id_number"].startswith("pd1:") for p in raw["parties"])
    assert [(p["name"], p["id_number"], p["phone"]) for p in case["report"]["parties"]] == [
        ("张三", ZHANG_SAN_ID, PHONE),
        ("李四", LI_SI_ID, None),
    ]


def test_a_sealed_number_does_not_open_under_another_case(stores):
    register(stores, NEIGHBOUR_CASE, dispute(zhang_san(), li_si()))

    with stores.transaction() as store:
        sealed = raw_report(stores, store, NEIGHBOUR_CASE)["parties"][0]["id_number"]
    assert CIPHER.open(sealed, NEIGHBOUR_CASE) == ZHANG_SAN_ID
    with pytest.raises(PersonalDataError):
        CIPHER.open(sealed, DEBT_CASE)


def test_only_cases_closed_before_the_cut_off_lose_their_numbers_and_keep_their_names(stores):
    register(stores, NEIGHBOUR_CASE, dispute(zhang_san(phone=PHONE), li_si()))
    register(stores, DEBT_CASE, dispute(zhang_san(), wang_wu(), category="debt"))
    register(stores, WAGES_CASE, dispute(wang_wu(role="applicant"), li_si()))
    closed = FIRST_FILED + timedelta(days=10)
    with stores.transaction() as store:
        store.note_closure(NEIGHBOUR_CASE, closed, closed)
        store.note_closure(DEBT_CASE, closed + timedelta(days=400), closed + timedelta(days=400))
    cut_off = closed + timedelta(days=100)

    with stores.transaction() as store:
        assert store.purge_personal_data(cut_off, cut_off, dry_run=True) == [NEIGHBOUR_CASE]
        assert ZHANG_SAN_ID in str(store.get_case(NEIGHBOUR_CASE)["report"])  # a dry run changes nothing
    with stores.transaction() as store:
        assert store.purge_personal_data(cut_off, cut_off) == [NEIGHBOUR_CASE]
        assert store.purge_personal_data(cut_off, cut_off) == []  # done once
        purged = store.get_case(NEIGHBOUR_CASE)["report"]["parties"]
        kept = store.get_case(DEBT_CASE)["report"]["parties"]
    assert [(p["name"], p["id_number"], p["phone"]) for p in purged] == [("张三", None, None), ("李四", None, None)]
    assert kept[0]["id_number"] == ZHANG_SAN_ID


def test_rows_stored_in_clear_before_sealing_are_sealed_once(stores):
    register(stores, NEIGHBOUR_CASE, dispute(zhang_san(phone=PHONE), li_si()))
    with stores.transaction() as store:
        plain = store.get_case(NEIGHBOUR_CASE)["report"]
        if stores.kind == "memory":
            store.cases[NEIGHBOUR_CASE]["report"] = plain
        else:
            store.sql.write("UPDATE cases SET report = %s WHERE case_id = %s", (jsonb(plain), NEIGHBOUR_CASE))

    with stores.transaction() as store:
        assert store.seal_plain_rows() == 1
        assert store.seal_plain_rows() == 0
        raw = raw_report(stores, store, NEIGHBOUR_CASE)
        case = store.get_case(NEIGHBOUR_CASE)
    assert ZHANG_SAN_ID not in str(raw) and PHONE not in str(raw)
    assert case["report"]["parties"][0]["id_number"] == ZHANG_SAN_ID


# --- high-frequency clue alerts --------------------------------------------------------------


def test_alert_histories_give_each_party_its_sightings_by_side_since_a_moment_and_its_last_alert(stores):
    zhang = Watched("key-zhang", AlertKind.REPEATED_APPLICANT, "张*")
    li = Watched("key-li", AlertKind.SHARED_RESPONDENT, "李*")
    zhang_named = Watched("key-zhang", AlertKind.SHARED_RESPONDENT, "张*")  # the same person on the other side
    register(stores, NEIGHBOUR_CASE, dispute())
    register(stores, DEBT_CASE, dispute(category="debt"))
    later = FIRST_FILED + timedelta(days=3)
    with stores.transaction() as store:
        store.add_sightings(WALK_IN_REPORT, NEIGHBOUR_CASE, [zhang, li], frozenset({"key-zhang"}), FIRST_FILED)
        store.add_sightings(HOTLINE_REPORT, DEBT_CASE, [zhang], frozenset({"key-zhang", "key-wang"}), later)
        store.add_sightings(HOTLINE_REPORT, DEBT_CASE, [zhang], frozenset({"key-zhang", "key-wang"}), later)  # again

    with stores.transaction() as store:
        assert store.alert_histories([], FIRST_FILED) == []
        applied, named, unseen = store.alert_histories([zhang, li, zhang_named], FIRST_FILED - timedelta(days=30))
        (since_first,) = store.alert_histories([zhang], FIRST_FILED)
    assert [(s.report_id, s.case_id, s.received_at) for s in applied.seen] == [
        (str(WALK_IN_REPORT), NEIGHBOUR_CASE, FIRST_FILED),
        (str(HOTLINE_REPORT), DEBT_CASE, later),
    ]
    assert applied.seen[1].applicants == frozenset({"key-zhang", "key-wang"})
    assert [s.case_id for s in since_first.seen] == [DEBT_CASE]  # after `since`, not at it
    assert [s.case_id for s in named.seen] == [NEIGHBOUR_CASE]
    assert unseen.seen == []
    assert (applied.last_raised_at, named.last_raised_at, unseen.last_raised_at) == (None, None, None)

    alert = Alert(AlertKind.REPEATED_APPLICANT, "key-zhang", "张*", 3, 3, FIRST_FILED, (NEIGHBOUR_CASE, DEBT_CASE))
    with stores.transaction() as store:
        store.add_alert(UUID(int=1), alert, FIRST_FILED)
        store.add_alert(UUID(int=2), alert, later)
    with stores.transaction() as store:
        histories = store.alert_histories([li, zhang, zhang_named], FIRST_FILED - timedelta(days=30))
    assert [h.last_raised_at for h in histories] == [None, later, None]
    assert len(histories[1].seen) == 2  # the alerts' own rows are not sightings
