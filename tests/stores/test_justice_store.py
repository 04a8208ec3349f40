"""The justice bureau's store keeps the mediation directory, each referral's assignment, sessions and legal aid,
and reads them back for the mediation view and the figures, alike in memory and in PostgreSQL."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from services.justice_link.directory import Directory, load_directory
from services.justice_link.domain.figures import AssignmentOutcome
from services.justice_link.store import PostgresJusticeStore
from shared.agency.domain import accept, report_result
from shared.contracts.disputes import Agreement, ResultReport
from shared.contracts.vocabulary import ResultCode
from shared.persistence.errors import StoreError
from tests.fakes.justice import FakeJusticeStore
from tests.messages import referral_issued

SERVICE = "justice_link"
FAKE = FakeJusticeStore
POSTGRES_STORE = PostgresJusticeStore

BEIJING = ZoneInfo("Asia/Shanghai")
OFFICE = "justice:430426101"
AT = datetime(2026, 12, 4, 9, 30, tzinfo=BEIJING)
FENCE = UUID("11111111-1111-4111-8111-111111111111")
WAGES = UUID("22222222-2222-4222-8222-222222222222")
DIRECTORY = load_directory(Path(__file__).parents[2] / "config")


def seeded(stores, directory: Directory = DIRECTORY) -> None:
    with stores.transaction() as store:
        store.sync_directory(directory, AT)
        store.add_referral(referral_issued(FENCE, OFFICE, division_code="430426101203"), {}, AT)
        store.add_referral(referral_issued(WAGES, OFFICE, category="wages", case_id="430426-20261204-00002"), {}, AT)


def test_the_directory_reads_back_as_synced(stores):
    seeded(stores)
    with stores.transaction() as store:
        assert store.organisations() == sorted(DIRECTORY.organisations, key=lambda o: o.code)
        assert store.mediators() == sorted(DIRECTORY.mediators, key=lambda m: m.code)


def test_an_entry_dropped_from_the_file_becomes_inactive_and_a_changed_one_is_updated(stores):
    seeded(stores)
    [village] = [o for o in DIRECTORY.organisations if o.code == "zt-xintang"]
    renamed = replace(village, name="新塘村人民调解委员会（新）")
    others = tuple(o for o in DIRECTORY.organisations if o.code != "zt-xintang")
    fewer = Directory((*others, renamed), tuple(m for m in DIRECTORY.mediators if m.code != "zt-xintang-02"))
    with stores.transaction() as store:
        store.sync_directory(fewer, AT + timedelta(days=1))
    with stores.transaction() as store:
        by_code = {o.code: o for o in store.organisations()}
        mediators = {m.code: m for m in store.mediators()}
    assert by_code["zt-xintang"].name == "新塘村人民调解委员会（新）"
    assert (mediators["zt-xintang-02"].active, mediators["zt-xintang-01"].active) == (False, True)


def test_an_assignment_is_kept_replaced_and_counted_as_open_load(stores):
    seeded(stores)
    with stores.transaction() as store:
        store.assign(FENCE, "zt-xintang", "zt-xintang-02", False, "tang.li", AT)
        store.assign(FENCE, "zt-xintang", "zt-xintang-01", True, "tang.li", AT + timedelta(hours=1))
        store.assign(WAGES, "cty-labour", "cty-labour-01", True, "tang.li", AT)
    with stores.transaction() as store:
        assert store.assignment(FENCE) == {
            "referral_id": FENCE,
            "organisation": "zt-xintang",
            "mediator": "zt-xintang-01",
            "as_proposed": True,
            "assigned_by": "tang.li",
            "assigned_at": AT + timedelta(hours=1),
        }
        assert store.open_load() == {"zt-xintang-01": 1, "cty-labour-01": 1}
        assert store.assignment(UUID(int=5)) is None


def test_an_assignment_to_an_unknown_mediator_is_refused(stores):
    seeded(stores)
    with pytest.raises(StoreError), stores.transaction() as store:
        store.assign(FENCE, "zt-xintang", "nobody", True, "tang.li", AT)


def test_sessions_and_legal_aid_read_back_in_order(stores):
    seeded(stores)
    with stores.transaction() as store:
        store.add_session(FENCE, "zt-xintang", "zt-xintang-01", date(2026, 12, 3), ["张三", "李四"], "第二次", "a", AT)
        store.add_session(FENCE, "zt-xintang", "zt-xintang-01", date(2026, 12, 1), [], "第一次", "a", AT)
        store.add_legal_aid(FENCE, "张三", "经济困难，需代理诉讼", "a", AT)
    with stores.transaction() as store:
        assert [(s["held_on"], s["note"], s["attendees"]) for s in store.sessions(FENCE)] == [
            (date(2026, 12, 1), "第一次", []),
            (date(2026, 12, 3), "第二次", ["张三", "李四"]),
        ]
        assert store.legal_aid(FENCE) == [
            {"party": "张三", "reason": "经济困难，需代理诉讼", "recorded_by": "a", "recorded_at": AT}
        ]
        assert store.sessions(WAGES) == [] and store.legal_aid(WAGES) == []


def test_outcomes_follow_the_referrals_result_within_the_period_and_units(stores):
    seeded(stores)
    agreement = Agreement(number="砖司调〔2026〕第9号", signed_on=date(2026, 12, 4), terms="李四拆除越界围墙。")
    with stores.transaction() as store:
        store.assign(FENCE, "zt-xintang", "zt-xintang-01", True, "a", AT)
        store.assign(WAGES, "cty-labour", "cty-labour-01", True, "a", AT + timedelta(days=2))
        store.add_session(FENCE, "zt-town", "zt-town-01", date(2026, 12, 3), [], "镇调委先行调解", "a", AT)
        store.add_session(FENCE, "zt-xintang", "zt-xintang-01", date(2026, 12, 4), [], "调解", "a", AT)
        store.add_session(FENCE, "zt-xintang", "zt-xintang-01", date(2026, 12, 4), [], "达成协议", "a", AT)
        referral, _ = store.lock_referral(FENCE)
        report = ResultReport(result=ResultCode.MEDIATED, agreement=agreement)
        store.save_referral(report_result(accept(referral, AT), report, AT))
    day = datetime(2026, 12, 4, tzinfo=BEIJING)
    with stores.transaction() as store:
        assert store.assignment_outcomes(day, day + timedelta(days=1), frozenset({"justice:430426"})) == [
            AssignmentOutcome(
                "zt-xintang",
                "zt-xintang-01",
                "reported",
                ResultCode.MEDIATED,
                (("zt-town", "zt-town-01", 1), ("zt-xintang", "zt-xintang-01", 2)),
            )
        ]
        later = store.assignment_outcomes(day, day + timedelta(days=3), frozenset({OFFICE}))
        assert [(o.mediator, o.sessions) for o in later][1] == ("cty-labour-01", ())
        assert store.assignment_outcomes(day, day + timedelta(days=3), frozenset({"justice:430426102"})) == []
        assert store.open_load() == {"cty-labour-01": 1}
