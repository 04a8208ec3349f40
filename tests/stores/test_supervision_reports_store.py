"""The report's read model, held to one contract whether the store is the fake or PostgreSQL: counters kept as facts
arrive, counted once, on the fact's own day however late it comes, and rebuilt from the facts to the same sums."""

from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from services.supervision.domain import FollowUp, unit_result
from services.supervision.reports import Level, Period, Scope, report_from_sums
from services.supervision.reports_counters import (
    Contribution,
    Metric,
    change,
    contribution_to_json,
    expand,
    kept_from_json,
    to_rows,
)
from services.supervision.store import PostgresSupervisionStore
from shared.contracts.messages import (
    CaseAssigned,
    CaseAwaitingManualTriage,
    CaseReopened,
    CaseResolved,
    LinkRecordNoted,
    ReferralClosed,
    ReferralSummary,
)
from shared.contracts.vocabulary import Category, HandlingMode, Rating, ReferralRole, ResultCode, Source
from shared.persistence.jsonb import jsonb
from tests.fakes.supervision import FakeSupervisionStore
from tests.stores.conftest import StoreBench

SERVICE = "supervision"
FAKE = FakeSupervisionStore
POSTGRES_STORE = PostgresSupervisionStore

CST = timezone(timedelta(hours=8))
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
AS_OF = datetime(2026, 12, 1, 9, tzinfo=CST)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=CST)


class County:
    """One county's cases and units: the same drive in two counties compares a rebuild with counting as it goes."""

    def __init__(self, code: str, offset: int) -> None:
        self.code = code
        self.offset = offset  # message and referral ids of this county's own
        self.police = f"police:{code}101"
        self.justice = f"justice:{code}101"
        self.court = f"court:{code}"
        self.in_november = f"{code}-20261102-00001"
        self.october_only = f"{code}-20261020-00002"
        self.late = f"{code}-20261021-00003"

    def id(self, n: int) -> UUID:
        return UUID(int=self.offset + n)

    def summary(self, n: int, unit: str, role: ReferralRole, issued: datetime) -> ReferralSummary:
        return ReferralSummary(
            referral_id=self.id(n), unit=unit, role=role, round=1, issued_at=issued, due_at=issued + timedelta(days=10)
        )

    def assigned(self, n: int, case_id: str, when: datetime, *referrals: ReferralSummary) -> CaseAssigned:
        return CaseAssigned.build(
            message_id=self.id(n),
            occurred_at=when,
            case_id=case_id,
            sender=f"centre:{self.code}",
            recipient=f"centre:{self.code}",
            mode=HandlingMode.JOINT,
            source=Source.POLICE_CALL,
            category=Category.NEIGHBOUR,
            division_code=f"{self.code}101",
            flags=[],
            lead_unit=self.police,
            co_units=[self.justice],
            referrals=list(referrals),
        )

    def closed(self, n: int, referral: int, when: datetime, result: ResultCode) -> ReferralClosed:
        return ReferralClosed.build(
            message_id=self.id(n),
            occurred_at=when,
            case_id=self.in_november,
            sender=f"centre:{self.code}",
            recipient=f"centre:{self.code}",
            referral_id=self.id(referral),
            unit=self.justice,
            reason="result_reported",
            result=result,
        )

    def resolved(self, n: int, case_id: str, when: datetime, result: ResultCode = ResultCode.MEDIATED) -> CaseResolved:
        return CaseResolved.build(
            message_id=self.id(n),
            occurred_at=when,
            case_id=case_id,
            sender=f"centre:{self.code}",
            recipient=f"centre:{self.code}",
            lead_unit=self.police,
            round=1,
            result=result,
        )

    def noted(self, n: int, when: datetime) -> LinkRecordNoted:
        return LinkRecordNoted.build(
            message_id=self.id(n),
            occurred_at=when,
            case_id=None,
            sender=self.court,
            recipient=f"centre:{self.code}",
            link="court",
            record_id=f"F2026-{n}",
            kind="filing_registered",
            unit=self.court,
            at=when,
            detail={"diverted": True},
        )


QIDONG = County("430426", 0)
HENGNAN = County("430422", 10_000)


def drive(stores: StoreBench[Any], county: County, counting: bool = True) -> None:
    """As the handlers do: each change, and (when `counting`) its case marked stale for the recount."""

    def counted(store: Any, case_id: str) -> None:
        if counting:
            store.mark_report_stale(case_id)

    c = county
    lead = c.summary(101, c.police, ReferralRole.LEAD, at(11, 2))
    co_unit = c.summary(102, c.justice, ReferralRole.CO_UNIT, at(11, 2))
    with stores.transaction() as store:
        october = c.summary(201, c.police, ReferralRole.LEAD, at(10, 20))
        store.add_watch(c.october_only, october, {})
        store.record_fact(c.assigned(1, c.october_only, at(10, 20), october))
        counted(store, c.october_only)
        store.record_fact(c.assigned(4, c.in_november, at(11, 2), lead, co_unit))
        store.add_watch(c.in_november, lead, {})
        store.add_watch(c.in_november, co_unit, {})
        counted(store, c.in_november)
    with stores.transaction() as store:
        store.close_watch(c.in_november, c.id(102), at(11, 4))
        store.record_referral_result(unit_result(c.closed(5, 102, at(11, 4), ResultCode.MEDIATED)))
        counted(store, c.in_november)
    with stores.transaction() as store:
        store.close_watches_of_case(c.in_november, 1, at(11, 6))
        store.record_fact(c.resolved(7, c.in_november, at(11, 6)))
        visit = FollowUp(case_id=c.in_november, lead_unit=c.police, round=1, opened_at=at(11, 6))
        store.open_follow_up(visit, {})
        counted(store, c.in_november)
    with stores.transaction() as store:
        store.save_rating(replace(visit, rating=Rating.SATISFIED, rated_at=at(11, 7)), None, "supervisor:li")
        counted(store, c.in_november)
        for n, when in ((8, at(11, 3)), (9, at(12, 1, 0))):  # the second: the first instant after November
            store.record_link_fact(c.noted(n, when))
    # Out of order: the case's resolution is handled before its CaseAssigned of October.
    with stores.transaction() as store:
        store.record_fact(c.resolved(11, c.late, at(11, 9), ResultCode.REFERRED_TO_LITIGATION))
        counted(store, c.late)
    with stores.transaction() as store:
        store.record_fact(c.assigned(10, c.late, at(10, 21)))
        counted(store, c.late)


def figures(stores: StoreBench[Any], scope: Scope, days: tuple[date, date]) -> dict[str, Any]:
    """As a report read: what is still stale recounted first."""
    with stores.transaction() as store:
        store.recount_stale(1000)
        sums = store.report_sums(scope.code, *days)
    report = report_from_sums(sums, Period(*days), scope, AS_OF)
    return {key: figure["value"] for key, figure in report["figures"].items()} | {"ranking": report["ranking"]}


def test_the_counters_say_what_happened_in_november_on_each_facts_own_day(stores: StoreBench[Any]) -> None:
    drive(stores, QIDONG)
    county = figures(stores, Scope(Level.COUNTY, "430426"), NOVEMBER)
    assert county["cases_received"] == 1  # the October cases were received in October
    assert county["cases_handled"] == 2 and county["cases_resolved"] == 1
    assert county["cases_to_litigation"] == 1  # the late case, resolved in November
    assert county["police_referred"] == 1 and county["police_mediated"] == 1
    assert county["court_filings_registered"] == 1  # the decision of 1 December is not November's
    assert (county["ratings"], county["ratings_satisfied"]) == (1, 1)
    assert (county["parts_ended"], county["parts_on_time"]) == (2, 2)
    assert county["average_working_days_to_resolve"] == 4.0  # Mon 2 -> Fri 6 November
    justice = next(row for row in county["ranking"] if row["unit"] == QIDONG.justice)
    assert justice["resolution_rate"]["value"] == 100.0  # its own result
    assert figures(stores, Scope(Level.COUNTY, "430426"), OCTOBER)["cases_received"] == 2


def test_the_cases_still_handled_at_a_periods_end_count_rounds_begun_before_the_period_too(
    stores: StoreBench[Any],
) -> None:
    """期末在办: of the October cases one is still handled; the other and November's were resolved in November."""
    drive(stores, QIDONG)
    county = Scope(Level.COUNTY, "430426")
    first_of_december = (date(2026, 12, 1), date(2026, 12, 1))

    assert figures(stores, county, OCTOBER)["cases_open_at_end"] == 2
    assert figures(stores, county, NOVEMBER)["cases_open_at_end"] == 1
    assert figures(stores, county, (date(2026, 11, 2), date(2026, 11, 5)))["cases_open_at_end"] == 3
    assert figures(stores, county, first_of_december)["cases_open_at_end"] == 1  # no flow that day, the stock stays
    assert figures(stores, Scope(Level.UNIT, QIDONG.police), NOVEMBER)["cases_open_at_end"] == 1
    assert figures(stores, Scope(Level.UNIT, QIDONG.justice), NOVEMBER)["cases_open_at_end"] == 0
    assert figures(stores, Scope(Level.COUNTY, "430422"), NOVEMBER)["cases_open_at_end"] == 0  # another county


def test_a_fact_handled_late_still_counts_on_its_own_day(stores: StoreBench[Any]) -> None:
    c = QIDONG
    with stores.transaction() as store:
        store.record_fact(c.resolved(11, c.late, at(11, 9), ResultCode.MEDIATED))
        store.mark_report_stale(c.late)
    # Without its CaseAssigned, the case has no place yet: no county counts it.
    assert figures(stores, Scope(Level.COUNTY, "430426"), NOVEMBER)["cases_handled"] == 0
    with stores.transaction() as store:
        store.record_fact(c.assigned(10, c.late, at(10, 21)))
        store.mark_report_stale(c.late)
    assert figures(stores, Scope(Level.COUNTY, "430426"), NOVEMBER)["cases_handled"] == 1
    assert figures(stores, Scope(Level.COUNTY, "430426"), OCTOBER)["cases_received"] == 1
    assert figures(stores, Scope(Level.TOWNSHIP, "430426101"), OCTOBER)["cases_received"] == 1


def test_counting_again_changes_nothing(stores: StoreBench[Any]) -> None:
    drive(stores, QIDONG)
    before = figures(stores, Scope(Level.COUNTY, "430426"), NOVEMBER)
    with stores.transaction() as store:
        for case_id in (QIDONG.in_november, QIDONG.october_only, QIDONG.late):
            store.mark_report_stale(case_id)
        store.record_link_fact(QIDONG.noted(8, at(11, 3)))  # a redelivery: kept once, counted once
    assert figures(stores, Scope(Level.COUNTY, "430426"), NOVEMBER) == before


def test_a_change_counts_once_the_stale_case_is_recounted(stores: StoreBench[Any]) -> None:
    drive(stores, QIDONG)
    with stores.transaction() as store:
        assert store.report_sums("430426", *NOVEMBER) == {}  # marked stale, not counted yet
        assert store.recount_stale(2) == 2 + 2  # a batch: two of the three cases, and the two link decisions
        assert store.recount_stale(1000) == 1  # the third
        assert store.recount_stale(1000) == 0  # nothing is stale any more
    assert figures(stores, Scope(Level.COUNTY, "430426"), NOVEMBER)["cases_received"] == 1


def test_a_case_changed_many_times_between_recounts_is_recounted_once(stores: StoreBench[Any]) -> None:
    c = QIDONG
    with stores.transaction() as store:
        store.record_fact(c.assigned(10, c.late, at(10, 21)))
        store.mark_report_stale(c.late)
    with stores.transaction() as store:
        store.record_fact(c.resolved(11, c.late, at(11, 9), ResultCode.MEDIATED))
        store.mark_report_stale(c.late)
    with stores.transaction() as store:
        assert store.recount_stale(1000) == 1
    assert figures(stores, Scope(Level.COUNTY, "430426"), NOVEMBER)["cases_handled"] == 1
    assert figures(stores, Scope(Level.COUNTY, "430426"), OCTOBER)["cases_received"] == 1


def test_a_unit_scope_counts_the_cases_of_the_unit_and_the_units_below_it_once(stores: StoreBench[Any]) -> None:
    drive(stores, QIDONG)
    station = figures(stores, Scope(Level.UNIT, QIDONG.police), NOVEMBER)
    assert station["cases_received"] == 1 and station["parts_ended"] == 1
    bureau = figures(stores, Scope(Level.UNIT, "police:430426"), NOVEMBER)
    assert bureau["cases_received"] == 1
    court = figures(stores, Scope(Level.UNIT, QIDONG.court), NOVEMBER)
    assert court["court_filings_registered"] == 1 and court["cases_received"] == 0


def rebased(result: dict[str, Any]) -> dict[str, Any]:
    ranking = [{**row, "unit": row["unit"].replace("430422", "430426")} for row in result["ranking"]]
    return {**result, "ranking": ranking}


def test_a_rebuild_from_the_kept_facts_counts_what_counting_as_they_came_counted(stores: StoreBench[Any]) -> None:
    drive(stores, QIDONG)  # counted as the facts came
    drive(stores, HENGNAN, counting=False)  # kept before the read model existed
    with stores.transaction() as store:
        assert store.report_sums("430422", *NOVEMBER) == {}
    steps = 0
    while True:
        with stores.transaction() as store:
            if not store.rebuild_report_step(2):
                break
        steps += 1
    assert steps >= 3  # six cases two at a time, then the link decisions
    for level, (qidong, hengnan), days in (
        (Level.COUNTY, ("430426", "430422"), NOVEMBER),
        (Level.COUNTY, ("430426", "430422"), OCTOBER),
        (Level.TOWNSHIP, ("430426101", "430422101"), NOVEMBER),
        (Level.UNIT, (QIDONG.police, HENGNAN.police), NOVEMBER),
        (Level.UNIT, ("justice:430426", "justice:430422"), NOVEMBER),
        (Level.UNIT, (QIDONG.court, HENGNAN.court), (date(2026, 10, 1), date(2026, 12, 31))),
    ):
        counted = figures(stores, Scope(level, qidong), days)
        assert rebased(figures(stores, Scope(level, hengnan), days)) == counted
    with stores.transaction() as store:
        assert store.rebuild_report_step(2) is False  # complete: nothing more to do


def test_a_case_kept_as_expanded_rows_before_counts_on_from_them(stores: StoreBench[Any]) -> None:
    """Migration 0012 kept each case's counters as [day, scope, unit, dim, metric, n] rows; the next fact about such
    a case adds only its own difference, and the case is kept in the compact form from then on."""
    drive(stores, QIDONG)
    if stores.kind == "postgres":  # the fake keeps its own form in memory: nothing was ever kept in the old one
        with stores.transaction() as store:
            for row in store.sql.all("SELECT case_id, counters FROM report_cases"):
                rows = to_rows(expand(kept_from_json(row["counters"])))
                store.sql.write(
                    "UPDATE report_cases SET counters = %s WHERE case_id = %s", (jsonb(rows), row["case_id"])
                )
    before = figures(stores, Scope(Level.COUNTY, "430426"), NOVEMBER)
    with stores.transaction() as store:
        reopened = CaseReopened.build(
            message_id=QIDONG.id(12),
            occurred_at=at(11, 8),
            case_id=QIDONG.in_november,
            sender="centre:430426",
            recipient="centre:430426",
            round=2,
            rating=Rating.DISSATISFIED,
        )
        store.record_fact(reopened)
        store.mark_report_stale(QIDONG.in_november)
        for case_id in (QIDONG.october_only, QIDONG.late):
            store.mark_report_stale(case_id)  # nothing new: nothing changes
    after = figures(stores, Scope(Level.COUNTY, "430426"), NOVEMBER)
    assert (before["cases_reopened"], after["cases_reopened"], after["reopened_rate"]) == (0, 1, 50.0)
    assert after["cases_open_at_end"] == before["cases_open_at_end"] + 1  # being handled again
    unchanged = {**after, "cases_reopened": 0, "reopened_rate": before["reopened_rate"]}
    assert {**unchanged, "cases_open_at_end": before["cases_open_at_end"]} == before  # all else as it was
    if stores.kind == "postgres":
        with stores.transaction() as store:
            kept = store.sql.one("SELECT counters FROM report_cases WHERE case_id = %s", (QIDONG.in_november,))
        assert kept is not None and set(kept["counters"]) == {"scopes", "case", "units"}


def escalated_case(stores: StoreBench[Any], c: County) -> tuple[str, str]:
    """The station's part, due 12 November, taken up a level on the 17th (逾期提级); the county bureau it passed to
    ended with the case on the 20th. The case and the bureau."""
    case_id, bureau = f"{c.code}-20261102-00004", f"police:{c.code}"
    station_part = c.summary(301, c.police, ReferralRole.LEAD, at(11, 2))
    bureau_part = c.summary(302, bureau, ReferralRole.LEAD, at(11, 17))
    with stores.transaction() as store:
        store.record_fact(c.assigned(30, case_id, at(11, 2), station_part))
        store.add_watch(case_id, station_part, {})
        store.mark_report_stale(case_id)
    with stores.transaction() as store:
        store.close_watch(case_id, station_part.referral_id, at(11, 17))
        escalated = ReferralClosed.build(
            message_id=c.id(31),
            occurred_at=at(11, 17),
            case_id=case_id,
            sender=f"centre:{c.code}",
            recipient=f"centre:{c.code}",
            referral_id=station_part.referral_id,
            unit=c.police,
            reason="escalated",
        )
        store.record_referral_result(unit_result(escalated))
        store.add_watch(case_id, bureau_part, {})
        store.mark_report_stale(case_id)
    with stores.transaction() as store:
        store.close_watches_of_case(case_id, 1, at(11, 20))
        store.record_fact(c.resolved(32, case_id, at(11, 20)))
        store.mark_report_stale(case_id)
    return case_id, bureau


def test_a_part_taken_up_a_level_counts_as_an_escalation_and_not_as_its_units_ended_part(
    stores: StoreBench[Any],
) -> None:
    _, bureau = escalated_case(stores, QIDONG)
    county = figures(stores, Scope(Level.COUNTY, "430426"), NOVEMBER)
    assert (county["parts_ended"], county["parts_on_time"], county["parts_escalated"]) == (1, 1, 1)
    assert [row["unit"] for row in county["ranking"]] == [bureau]
    station = figures(stores, Scope(Level.UNIT, QIDONG.police), NOVEMBER)
    assert (station["parts_ended"], station["parts_escalated"], station["ranking"]) == (0, 1, [])


def test_counters_kept_under_older_definitions_are_recounted_by_the_rebuild(stores: StoreBench[Any]) -> None:
    """Definitions 2026-12.2 counted an escalated part as its unit's late ended part; a deployment's counters kept
    under them are put right by the rebuild that the new DEFINITIONS_VERSION starts, without any new fact."""
    case_id, bureau = escalated_case(stores, QIDONG)
    figures(stores, Scope(Level.COUNTY, "430426"), NOVEMBER)
    with stores.transaction() as store:
        if stores.kind == "postgres":
            row = store.sql.one("SELECT counters FROM report_cases WHERE case_id = %s", (case_id,))
            assert row is not None
            now = kept_from_json(row["counters"])
        else:
            now = store.report_cases[case_id]
        assert isinstance(now, Contribution)
        seventeenth = date(2026, 11, 17)
        units = Counter(now.units)
        del units[(seventeenth, QIDONG.police, Metric.PARTS_ESCALATED)]
        units[(seventeenth, QIDONG.police, Metric.PARTS_ENDED)] += 1
        before = Contribution(now.scopes, now.case, units)
        if stores.kind == "postgres":
            store.sql.write(
                "UPDATE report_cases SET counters = %s, definitions = '2026-12.2' WHERE case_id = %s",
                (jsonb(contribution_to_json(before)), case_id),
            )
            store._add(change(before, now))
            store.sql.write("UPDATE report_rebuild SET definitions = '2026-12.2', next_case = '', done = true")
        else:
            store.report_cases[case_id] = before
            store.report_counters.update(change(before, now))
            store.report_rebuild.update(definitions="2026-12.2", next_case="", done=True)
    assert figures(stores, Scope(Level.COUNTY, "430426"), NOVEMBER)["on_time_rate"] == 50.0  # as 2026-12.2 said

    while True:
        with stores.transaction() as store:
            if not store.rebuild_report_step(500):
                break

    county = figures(stores, Scope(Level.COUNTY, "430426"), NOVEMBER)
    assert (county["on_time_rate"], county["parts_escalated"]) == (100.0, 1)
    assert [row["unit"] for row in county["ranking"]] == [bureau]


def test_the_model_is_complete_only_once_the_rebuild_has_counted_every_case_under_these_definitions(
    stores: StoreBench[Any],
) -> None:
    drive(stores, QIDONG)

    def complete() -> bool:
        with stores.transaction() as store:
            return bool(store.report_model_complete())

    def rebuild() -> None:
        while True:
            with stores.transaction() as store:
                if not store.rebuild_report_step(2):
                    return

    assert complete() is False  # a new database: the rebuild has yet to run
    rebuild()
    assert complete() is True
    with stores.transaction() as store:  # as an upgrade to new definitions finds it
        if stores.kind == "postgres":
            store.sql.write("UPDATE report_rebuild SET definitions = '2026-12.4', next_case = '', done = true")
        else:
            store.report_rebuild.update(definitions="2026-12.4", next_case="", done=True)
    assert complete() is False
    with stores.transaction() as store:
        store.rebuild_report_step(2)
    assert complete() is False  # under way
    rebuild()
    assert complete() is True


def test_a_co_units_own_end_handled_after_the_cases_resolution_counts_on_its_day_and_on_time(
    stores: StoreBench[Any],
) -> None:
    """砖塘镇司法所 mediated on Wednesday 4 November, a day before its deadline; 砖塘镇派出所 settled the round on
    Monday 9 November. Supervision handled the resolution first (the two facts come by different queues; one retried
    comes last): the office's part still ended on the 4th, on time, as its ReferralClosed says."""
    c = QIDONG
    case_id = f"{c.code}-20261102-00005"
    lead = c.summary(401, c.police, ReferralRole.LEAD, at(11, 2))
    co_unit = ReferralSummary(
        referral_id=c.id(402),
        unit=c.justice,
        role=ReferralRole.CO_UNIT,
        round=1,
        issued_at=at(11, 2),
        due_at=at(11, 5, 17),
    )
    with stores.transaction() as store:
        store.record_fact(c.assigned(40, case_id, at(11, 2), lead, co_unit))
        store.add_watch(case_id, lead, {})
        store.add_watch(case_id, co_unit, {})
        store.mark_report_stale(case_id)
    with stores.transaction() as store:  # the resolution of the 9th, handled first
        store.close_watches_of_case(case_id, 1, at(11, 9))
        store.record_fact(c.resolved(41, case_id, at(11, 9)))
        store.mark_report_stale(case_id)
    with stores.transaction() as store:  # the office's own end of the 4th, handled after it
        mediated = ReferralClosed.build(
            message_id=c.id(42),
            occurred_at=at(11, 4),
            case_id=case_id,
            sender=f"centre:{c.code}",
            recipient=f"centre:{c.code}",
            referral_id=co_unit.referral_id,
            unit=c.justice,
            reason="result_reported",
            result=ResultCode.MEDIATED,
        )
        store.close_watch(case_id, co_unit.referral_id, mediated.occurred_at)
        store.record_referral_result(unit_result(mediated))
        store.mark_report_stale(case_id)

    office = figures(stores, Scope(Level.UNIT, c.justice), (date(2026, 11, 4), date(2026, 11, 4)))
    assert (office["parts_ended"], office["parts_on_time"], office["on_time_rate"]) == (1, 1, 100.0)
    county = figures(stores, Scope(Level.COUNTY, c.code), NOVEMBER)
    assert (county["parts_ended"], county["parts_on_time"]) == (2, 2)


def test_a_case_waiting_for_manual_triage_counts_received_and_waiting_until_a_unit_is_designated(
    stores: StoreBench[Any],
) -> None:
    """待人工分流: first seen waiting (its CaseAssigned not handled yet, though it came first: its lead declined with
    no fall-back left), then its assignment, then staff designate a unit by hand."""
    c, case_id = QIDONG, "430426-20261103-00009"
    county, township = Scope(Level.COUNTY, c.code), Scope(Level.TOWNSHIP, f"{c.code}101")

    def waiting(n: int, when: datetime) -> CaseAwaitingManualTriage:
        return CaseAwaitingManualTriage.build(
            message_id=c.id(n),
            occurred_at=when,
            case_id=case_id,
            sender=f"centre:{c.code}",
            recipient=f"centre:{c.code}",
            reason="no competent unit is left",
            source=Source.WALK_IN,
            category=Category.DEBT,
            division_code=f"{c.code}101",
        )

    def read(days: tuple[date, date], scope: Scope = county) -> tuple[int, int]:
        got = figures(stores, scope, days)
        return got["cases_received"], got["cases_awaiting_triage_at_end"]

    third, fourth, sixth = ((date(2026, 11, d), date(2026, 11, d)) for d in (3, 4, 6))
    with stores.transaction() as store:
        store.record_fact(waiting(301, at(11, 3, 15)))
        store.mark_report_stale(case_id)
    assert read(third) == read(third, township) == (1, 1)
    assert read(third, Scope(Level.TOWNSHIP, f"{c.code}102")) == (0, 0)
    # Its assignment, handled late, came first: received on its own day, once; the wait it came before stands.
    lead = c.summary(302, c.police, ReferralRole.LEAD, at(11, 3, 9))
    with stores.transaction() as store:
        store.record_fact(c.assigned(303, case_id, at(11, 3, 9), lead))
        store.add_watch(case_id, lead, {})
        store.close_watch(case_id, lead.referral_id, at(11, 3, 15))
        store.record_referral_result(
            unit_result(
                c.closed(304, 302, at(11, 3, 15), ResultCode.MEDIATED).model_copy(
                    update={"case_id": case_id, "unit": c.police, "reason": "declined", "result": None}
                )
            )
        )
        store.mark_report_stale(case_id)
    assert read(third) == (1, 1) and read(NOVEMBER) == (1, 1)
    # Staff designate the justice office by hand on the 6th: it waits no more, and is still received once.
    designated = c.summary(305, c.justice, ReferralRole.LEAD, at(11, 6))
    with stores.transaction() as store:
        store.add_watch(case_id, designated, {})
        store.mark_report_stale(case_id)
    assert read(fourth) == (0, 1) and read(sixth) == (0, 0) and read(NOVEMBER) == (1, 0)
    assert figures(stores, county, NOVEMBER)["cases_open_at_end"] == 1
