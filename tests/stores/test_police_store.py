"""The police's store keeps every dispute call once, with its decision, and notes what its mediation came to."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from services.police_link.domain.calls import (
    Classification,
    Decision,
    Offence,
    RecordedCall,
    SceneFacts,
    decide,
    flags_of,
)
from services.police_link.domain.risk import RiskFacts
from services.police_link.store import PostgresPoliceStore
from shared.agency.domain import accept, report_result
from shared.contracts.disputes import PartyNotice, ResultReport
from shared.contracts.vocabulary import Category, ResultCode
from shared.persistence.errors import NotFound
from tests.fakes.police import FakePoliceStore
from tests.messages import record_linked, referral_issued

SERVICE = "police_link"
FAKE = FakePoliceStore
POSTGRES_STORE = PostgresPoliceStore

BEIJING = ZoneInfo("Asia/Shanghai")
STATION = "police:430426101"  # 城关派出所
OTHER_STATION = "police:430426102"
OWN = frozenset({STATION})
RECEIVED_AT = datetime(2026, 11, 21, 21, 40, tzinfo=BEIJING)
MESSAGE = UUID("12341234-1234-4234-8234-123412341234")

BOUNDARY = "JQ4304262026112100017"  # 宅基地界址推搡: handed to mediation
DEBT = "JQ4304262026112100018"  # 讨债, 扬言报复: handed to mediation
STABBING = "JQ4304262026112100019"  # 持刀伤人: a crime, kept
CASE = "430426-20261121-00017"
OTHER_CASE = "430426-20261121-00018"
CALM = RiskFacts()


def call(
    number: str,
    *,
    unit: str = STATION,
    received_at: datetime = RECEIVED_AT,
    risk: RiskFacts = CALM,
    suitable: bool = True,
    offence: Offence = Offence.NONE,
    classification: Classification = Classification.NEIGHBOUR,
) -> RecordedCall:
    scene = SceneFacts(risk, suitable, offence)
    decided = decide(scene)
    return RecordedCall(
        call_number=number,
        unit=unit,
        received_at=received_at,
        classification=classification,
        category=Category.NEIGHBOUR,
        division_code=unit.partition(":")[2] + "203",
        summary="两户因宅基地界址发生推搡，民警到场制止。",
        parties=(
            PartyNotice(role="applicant", kind="person", name="刘桂兰"),
            PartyNotice(role="respondent", kind="person", name="何建军"),
        ),
        scene=scene,
        flags=tuple(flags_of(scene)),
        decided=decided,
        message_id=MESSAGE if decided.handed_over else None,
        recorded_by="liu.yang",
        recorded_at=received_at + timedelta(hours=1),
    )


def add(stores, *calls: RecordedCall) -> list[bool]:
    with stores.transaction() as store:
        return [store.add_call(c) for c in calls]


def referral_of(stores, number: str, case_id: str, unit: str = STATION, source: str = "police_call", n: int = 1):
    with stores.transaction() as store:
        store.add_referral(
            referral_issued(UUID(int=n), unit, case_id=case_id, source=source, source_record_id=number),
            {},
            RECEIVED_AT + timedelta(days=1, minutes=n),
        )


def test_a_call_is_kept_once_by_its_number_as_first_recorded(stores):
    violent = call(BOUNDARY, risk=RiskFacts(violence=True, injury=True))

    assert add(stores, violent) == [True]
    assert add(stores, replace(violent, summary="另一次录入。"), call(BOUNDARY, suitable=False)) == [False, False]

    with stores.transaction() as store:
        kept = store.get_call(BOUNDARY, OWN)
    assert kept["summary"] == "两户因宅基地界址发生推搡，民警到场制止。"
    assert (kept["decision"], kept["procedure"], kept["reasons"]) == ("mediation", None, [])
    assert (kept["violence"], kept["injury"], kept["flags"]) == (True, True, ["violence_risk"])
    assert (kept["received_at"], kept["received_on"]) == (RECEIVED_AT, date(2026, 11, 21))
    assert kept["parties"] == [
        {"role": "applicant", "kind": "person", "name": "刘桂兰", "phone": None},
        {"role": "respondent", "kind": "person", "name": "何建军", "phone": None},
    ]
    assert (kept["message_id"], kept["recorded_by"], kept["result"], kept["referrals"]) == (
        MESSAGE,
        "liu.yang",
        None,
        [],
    )


def test_a_kept_call_has_its_procedure_and_reasons_and_was_fed_nowhere(stores):
    add(stores, call(STABBING, risk=RiskFacts(weapon_or_threat=True, injury=True), offence=Offence.CRIMINAL))

    with stores.transaction() as store:
        kept = store.get_call(STABBING, OWN)
    assert (kept["decision"], kept["procedure"], kept["reasons"]) == ("police", "criminal", ["crime_suspected"])
    assert (kept["offence"], kept["message_id"]) == ("criminal", None)


def test_an_unknown_call_is_not_found(stores):
    with stores.transaction() as store, pytest.raises(NotFound):
        store.get_call("JQ-NONE", OWN)


def test_a_call_shows_the_referrals_the_police_received_for_the_case_it_became(stores):
    add(stores, call(BOUNDARY))
    referral_of(stores, BOUNDARY, CASE, n=1)
    # A court filing that happens to carry the same number is no police call.
    referral_of(stores, BOUNDARY, OTHER_CASE, source="court_filing", n=2)

    with stores.transaction() as store:
        (referral,) = store.get_call(BOUNDARY, OWN)["referrals"]
    assert (referral["referral_id"], referral["case_id"], referral["unit"]) == (UUID(int=1), CASE, STATION)
    assert (referral["role"], referral["status"], referral["result"]) == ("lead", "received", None)


def test_a_call_shows_only_the_referrals_of_the_readers_own_units(stores):
    add(stores, call(BOUNDARY))
    referral_of(stores, BOUNDARY, CASE, n=1)
    referral_of(stores, BOUNDARY, CASE, unit=OTHER_STATION, n=2)  # the other station, called into the case

    with stores.transaction() as store:
        station = [r["referral_id"] for r in store.get_call(BOUNDARY, OWN)["referrals"]]
        county = [r["referral_id"] for r in store.get_call(BOUNDARY, frozenset({"police:430426"}))["referrals"]]
    assert station == [UUID(int=1)]
    assert county == [UUID(int=1), UUID(int=2)]


def test_a_call_linked_to_a_case_the_station_already_leads_shows_that_cases_referrals_of_the_readers_units(stores):
    add(stores, call(BOUNDARY))
    # A walk-in case the station leads and the neighbouring station co-handles: no referral names the call.
    with stores.transaction() as store:
        store.add_referral(referral_issued(UUID(int=1), STATION, case_id=OTHER_CASE), {}, RECEIVED_AT)
        store.add_referral(
            referral_issued(UUID(int=2), OTHER_STATION, case_id=OTHER_CASE, role="co_unit"), {}, RECEIVED_AT
        )
        store.add_referral(referral_issued(UUID(int=3), STATION, case_id=CASE), {}, RECEIVED_AT)
        assert store.get_call(BOUNDARY, OWN)["referrals"] == []
        store.keep_record_link(record_linked(UUID(int=9), STATION, BOUNDARY, OTHER_CASE), RECEIVED_AT)

    with stores.transaction() as store:
        station = [r["referral_id"] for r in store.get_call(BOUNDARY, OWN)["referrals"]]
        county = [r["referral_id"] for r in store.get_call(BOUNDARY, frozenset({"police:430426"}))["referrals"]]
    assert station == [UUID(int=1)]
    assert county == [UUID(int=1), UUID(int=2)]


def test_the_list_shows_the_units_calls_the_latest_received_first(stores):
    add(
        stores,
        call(BOUNDARY),
        call(DEBT, received_at=RECEIVED_AT + timedelta(hours=2)),
        call(STABBING, offence=Offence.CRIMINAL, received_at=RECEIVED_AT + timedelta(hours=1)),
        call("JQ4304262026112100020", unit=OTHER_STATION),
    )

    with stores.transaction() as store:
        mine = store.list_calls(None, 10, frozenset({STATION}))
        handed = store.list_calls(Decision.MEDIATION, 10, frozenset({STATION}))
        kept = store.list_calls(Decision.POLICE, 10, frozenset({STATION}))
        county = store.list_calls(None, 2, frozenset({"police:430426"}))
    assert [c["call_number"] for c in mine] == [DEBT, STABBING, BOUNDARY]
    assert [c["call_number"] for c in handed] == [DEBT, BOUNDARY]
    assert [c["call_number"] for c in kept] == [STABBING]
    assert [c["call_number"] for c in county] == [DEBT, STABBING]
    assert "referrals" not in mine[0]
    assert (mine[0]["link"], mine[0]["joined_referrals"]) == (None, [])


def test_a_listed_call_that_joined_another_case_carries_its_link_and_the_readers_referrals_of_that_case(stores):
    """In the one query of the list, as the call's page reads them: the link, and the referrals of the joined case
    that the reader's units received (not another station's), with the result the station reported."""
    again = "JQ4304262026112100020"
    add(stores, call(BOUNDARY), call(again, received_at=RECEIVED_AT + timedelta(hours=1)))
    referral_of(stores, BOUNDARY, CASE, n=1)
    referral_of(stores, BOUNDARY, CASE, unit=OTHER_STATION, n=2)  # the other station, called into the case
    with stores.transaction() as store:
        store.keep_record_link(record_linked(UUID(int=9), STATION, again, CASE), RECEIVED_AT + timedelta(hours=2))
        referral, _ = store.lock_referral(UUID(int=1))
        accepted = accept(referral, RECEIVED_AT + timedelta(days=1))
        store.save_referral(report_result(accepted, ResultReport(result=ResultCode.HANDLED), RECEIVED_AT))

    with stores.transaction() as store:
        joined, opened = store.list_calls(None, 10, OWN)
        county = store.list_calls(None, 10, frozenset({"police:430426"}))[0]
        page, link = store.get_call(again, OWN), store.record_link(again)

    assert (joined["call_number"], opened["call_number"]) == (again, BOUNDARY)
    assert joined["link"] == link
    assert (joined["link"]["case_id"], joined["link"]["received_at"]) == (CASE, RECEIVED_AT + timedelta(hours=2))
    assert joined["joined_referrals"] == page["referrals"]
    (reported,) = joined["joined_referrals"]
    assert (reported["referral_id"], reported["status"], reported["result"]) == (UUID(int=1), "reported", "handled")
    assert reported["received_at"] == RECEIVED_AT + timedelta(days=1, minutes=1)
    assert [r["referral_id"] for r in county["joined_referrals"]] == [UUID(int=1), UUID(int=2)]
    # The call that opened the case is followed by its own mediation, not as a joined one.
    assert (opened["link"], opened["joined_referrals"]) == (None, [])


def test_a_resolved_case_is_noted_on_the_handed_call_it_came_from_only(stores):
    add(stores, call(BOUNDARY), call(DEBT))
    referral_of(stores, BOUNDARY, CASE, n=1)
    referral_of(stores, DEBT, OTHER_CASE, n=2)
    at = RECEIVED_AT + timedelta(days=5)

    with stores.transaction() as store:
        noted = store.note_case_result(CASE, 1, ResultCode.MEDIATED, at)
        elsewhere = store.note_case_result("430426-20261121-09999", 1, ResultCode.HANDLED, at)

    with stores.transaction() as store:
        boundary, debt = store.get_call(BOUNDARY, OWN), store.get_call(DEBT, OWN)
    assert (noted, elsewhere) == ([BOUNDARY], [])
    assert (boundary["case_id"], boundary["result"], boundary["result_round"], boundary["resolved_at"]) == (
        CASE,
        "mediated",
        1,
        at,
    )
    assert (debt["case_id"], debt["result"]) == (None, None)


def test_a_later_rounds_result_is_kept_over_an_earlier_one_that_arrives_late(stores):
    add(stores, call(BOUNDARY))
    referral_of(stores, BOUNDARY, CASE)
    first, second = RECEIVED_AT + timedelta(days=5), RECEIVED_AT + timedelta(days=30)

    with stores.transaction() as store:
        store.note_case_result(CASE, 2, ResultCode.REFERRED_TO_LITIGATION, second)
        late = store.note_case_result(CASE, 1, ResultCode.MEDIATED, first)

    with stores.transaction() as store:
        kept = store.get_call(BOUNDARY, OWN)
    assert late == []
    assert (kept["result"], kept["result_round"], kept["resolved_at"]) == ("referred_to_litigation", 2, second)


def test_a_call_the_police_kept_takes_no_result_even_if_fed_later(stores):
    add(stores, call(STABBING, offence=Offence.CRIMINAL))
    referral_of(stores, STABBING, CASE)

    with stores.transaction() as store:
        assert store.note_case_result(CASE, 1, ResultCode.HANDLED, RECEIVED_AT) == []
        assert store.note_mediator_result(CASE, "justice:430426101", ResultCode.MEDIATED, RECEIVED_AT) == []


def test_the_mediators_latest_result_is_noted_on_the_handed_call(stores):
    add(stores, call(BOUNDARY))
    referral_of(stores, BOUNDARY, CASE)
    failed, later = RECEIVED_AT + timedelta(days=3), RECEIVED_AT + timedelta(days=9)

    with stores.transaction() as store:
        noted = store.note_mediator_result(CASE, "justice:430426101", ResultCode.MEDIATED, later)
        stale = store.note_mediator_result(CASE, "justice:430426101", ResultCode.MEDIATION_FAILED, failed)

    with stores.transaction() as store:
        kept = store.get_call(BOUNDARY, OWN)
    assert (noted, stale) == ([BOUNDARY], [])
    assert (kept["case_id"], kept["mediator_unit"], kept["mediator_result"], kept["mediator_reported_at"]) == (
        CASE,
        "justice:430426101",
        "mediated",
        later,
    )
    assert kept["result"] is None


def test_the_figures_count_the_units_calls_received_on_the_days_of_the_period(stores):
    late_evening = datetime(2026, 11, 30, 23, 30, tzinfo=BEIJING)  # 15:30 UTC: still 30 November in the county
    add(
        stores,
        call(BOUNDARY, risk=RiskFacts(violence=True)),
        call(DEBT, risk=RiskFacts(weapon_or_threat=True, civil_to_criminal_risk=True), received_at=late_evening),
        call(STABBING, risk=RiskFacts(injury=True), offence=Offence.CRIMINAL, suitable=False),
        call("JQ4304262026120100001", received_at=late_evening + timedelta(hours=1)),  # 1 December
        call("JQ4304262026112100021", unit=OTHER_STATION),
    )
    referral_of(stores, BOUNDARY, CASE, n=1)
    referral_of(stores, DEBT, OTHER_CASE, n=2)
    with stores.transaction() as store:
        store.note_case_result(CASE, 1, ResultCode.MEDIATED, RECEIVED_AT + timedelta(days=5))

    with stores.transaction() as store:
        figures = store.call_figures(date(2026, 11, 1), date(2026, 11, 30), frozenset({STATION})).as_json()

    assert figures["calls"]["recorded"] == 3
    assert (figures["calls"]["handed_to_mediation"], figures["calls"]["kept_by_police"]) == (2, 1)
    assert figures["calls"]["kept_because"] == {"crime_suspected": 1, "not_suitable_for_mediation": 1}
    assert figures["calls"]["kept_in_procedure"]["criminal"] == 1
    mediation = figures["mediation"]
    assert (mediation["mediated"], mediation["resolved"], mediation["awaiting_result"]) == (1, 1, 1)
    assert (mediation["success_rate"], mediation["resolution_rate"]) == (0.5, 0.5)
    assert figures["risk"]["violence_or_injury"] == 2
    assert (figures["risk"]["weapon_or_threat"], figures["risk"]["civil_to_criminal_risk"]) == (1, 1)


def test_a_call_joined_to_another_calls_case_counts_as_handed_over_but_its_dispute_is_mediated_once(stores):
    """The second call about the boundary was linked by intake to the case the first one opened: one dispute, one
    警调对接 case. A call linked because its own record was fed again joined its own case, and counts as before."""
    again = "JQ4304262026112100020"
    fed_twice = "JQ4304262026112100021"
    add(stores, call(BOUNDARY), call(again, received_at=RECEIVED_AT + timedelta(days=2)), call(fed_twice))
    referral_of(stores, BOUNDARY, CASE, n=1)
    referral_of(stores, fed_twice, OTHER_CASE, n=2)
    with stores.transaction() as store:
        store.keep_record_link(record_linked(UUID(int=9), STATION, again, CASE), RECEIVED_AT + timedelta(days=2))
        store.keep_record_link(
            record_linked(UUID(int=11), STATION, fed_twice, OTHER_CASE, reason="same source record"), RECEIVED_AT
        )
        store.note_case_result(CASE, 1, ResultCode.MEDIATED, RECEIVED_AT + timedelta(days=5))

    with stores.transaction() as store:
        figures = store.call_figures(date(2026, 11, 1), date(2026, 11, 30), OWN).as_json()
        joined = store.get_call(again, OWN)

    assert (figures["calls"]["recorded"], figures["calls"]["handed_to_mediation"]) == (3, 3)
    mediation = figures["mediation"]
    assert (mediation["handed_to_mediation"], mediation["joined_existing_case"]) == (2, 1)
    assert (mediation["mediated"], mediation["with_result"], mediation["awaiting_result"]) == (1, 1, 1)
    assert mediation["success_rate"] == 0.5
    # The joined call keeps no result of its own: its page reads the station's referral of the case it joined.
    assert joined["result"] is None
    assert [(r["referral_id"], r["case_id"], r["outcome"]) for r in joined["referrals"]] == [(UUID(int=1), CASE, None)]


def test_a_joined_call_reads_the_result_and_outcome_the_station_reported_on_the_cases_referral(stores):
    again = "JQ4304262026112100020"
    add(stores, call(BOUNDARY), call(again))
    referral_of(stores, BOUNDARY, CASE, n=1)
    with stores.transaction() as store:
        store.keep_record_link(record_linked(UUID(int=9), STATION, again, CASE), RECEIVED_AT)
        referral, _ = store.lock_referral(UUID(int=1))
        accepted = accept(referral, RECEIVED_AT + timedelta(days=1))
        store.save_referral(report_result(accepted, ResultReport(result=ResultCode.HANDLED), RECEIVED_AT))

    with stores.transaction() as store:
        (referral_row,) = store.get_call(again, OWN)["referrals"]
    assert (referral_row["status"], referral_row["result"], referral_row["outcome"]) == (
        "reported",
        "handled",
        "resolved",
    )
