"""The petition register keeps each petition once, with its petitioners by key, and finds earlier petitions."""

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from services.petition_link.domain import decisions, persons
from services.petition_link.domain.model import (
    OtherSide,
    Petition,
    PetitionForm,
    PetitionOrder,
    PetitionStatus,
    ReviewResult,
    ReviewStage,
)
from services.petition_link.store import PostgresPetitionStore
from shared.contracts.disputes import Agreement
from shared.contracts.vocabulary import Category, PartyKind, ResultCode
from shared.persistence.errors import NotFound, StoreError
from tests.fakes.petition import FakePetitionStore
from tests.messages import record_linked, referral_issued
from tests.stores.conftest import empty_tables, postgres_bench

SERVICE = "petition_link"
FAKE = FakePetitionStore
POSTGRES_STORE = PostgresPetitionStore

BEIJING = ZoneInfo("Asia/Shanghai")
SECRET = b"a petition key secret of 32 byte"
BUREAU = "petition:430426"
OWN = frozenset({BUREAU})
REGISTERED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=BEIJING)

DENG = persons.petitioner("邓小勇", "430426198507120012", "13786543210", SECRET)
DENG_BY_PHONE = persons.petitioner("邓小勇", None, "13786543210", SECRET)  # the same man, without his ID card
LIU = persons.petitioner("刘桂香", None, "13907341122", SECRET)
NAMELESS_NUMBER = persons.petitioner("王五", None, None, SECRET)  # neither ID nor mobile: no key
BUILDER = OtherSide(PartyKind.ORGANISATION, "祁东县某建筑有限公司")
FOREMAN = OtherSide(PartyKind.PERSON, "周工头", "13807340001")


def petition(number: str, received_on: date = date(2026, 11, 2), **fields) -> Petition:
    """A collective visit about unpaid wages; `fields` override any of it."""
    defaults = {
        "unit": BUREAU,
        "form": PetitionForm.VISIT,
        "petitioners": (DENG, LIU),
        "group_size": 6,
        "category": Category.WAGES,
        "division_code": "430426105",
        "summary": "六名务工人员集体来访，反映某建筑公司拖欠工资共计十二万元。",
        "litigation_reason": None,
        "repeat_of": None,
        "matter": number,
        "respondents": (BUILDER, FOREMAN),
        "fingerprint": "f" * 64,
        "registered_by": "xu.jing",
        "registered_at": REGISTERED_AT,
    }
    return Petition(number=number, received_on=received_on, **{**defaults, **fields})


def add(stores, *petitions: Petition) -> list[bool]:
    with stores.transaction() as store:
        return [store.add_petition(p) for p in petitions]


def found(stores, number: str) -> Petition | None:
    with stores.transaction() as store:
        return store.find_petition(number)


# --- kept once --------------------------------------------------------------------------------


def test_a_petition_reads_back_as_registered_with_its_petitioners_in_order(stores):
    kept = petition("XF-2026-0311")

    assert add(stores, kept) == [True]

    assert found(stores, "XF-2026-0311") == kept


def test_a_petition_registered_again_under_its_number_is_refused_quietly_and_keeps_the_first(stores):
    first = petition("XF-2026-0311")
    add(stores, first)

    again = add(stores, replace(first, summary="另一份材料", group_size=1, petitioners=(LIU,), fingerprint="e" * 64))

    assert again == [False]
    assert found(stores, "XF-2026-0311") == first


def test_a_litigation_related_petition_is_kept_separated_with_its_answer(stores):
    separated = decisions.register(
        petition("XF-2026-0312", litigation_reason="已向法院起诉，案件正在审理中。"), date(2026, 11, 2)
    )

    add(stores, separated)

    kept = found(stores, "XF-2026-0312")
    assert kept is not None
    assert kept.status is PetitionStatus.SEPARATED
    assert kept.reply is not None
    assert (kept.reply.result, kept.reply.replied_on) == (ResultCode.REFERRED_TO_LITIGATION, date(2026, 11, 2))
    assert kept.decision is not None and kept.decision.accepted is False


def test_a_petition_never_registered_is_not_found_to_read_or_lock(stores):
    assert found(stores, "XF-2026-9999") is None
    with pytest.raises(NotFound), stores.transaction() as store:
        store.lock_petition("XF-2026-9999")


def test_a_repeat_of_a_petition_never_registered_is_refused(stores):
    with pytest.raises(StoreError), stores.transaction() as store:
        store.add_petition(petition("XF-2026-0400", repeat_of="XF-2025-0001", matter="XF-2025-0001"))

    assert found(stores, "XF-2026-0400") is None


def test_a_petition_without_contact_keeps_no_key_for_its_petitioner(stores):
    add(stores, petition("XF-2026-0313", petitioners=(NAMELESS_NUMBER,), group_size=1, respondents=()))

    kept = found(stores, "XF-2026-0313")
    assert kept is not None
    assert kept.petitioners == (NAMELESS_NUMBER,)
    assert kept.petitioners[0].key is None


def test_no_id_number_is_stored_anywhere_only_its_key(stores):
    add(stores, petition("XF-2026-0311"))

    kept = found(stores, "XF-2026-0311")
    assert kept is not None
    assert "430426198507120012" not in repr(kept)
    assert kept.petitioners[0].id_key == DENG.id_key


# --- the steps of its handling -------------------------------------------------------------------


def test_the_decision_extension_reply_and_feed_are_kept_and_nothing_registered_changes(stores):
    add(stores, petition("XF-2026-0311"))
    agreement = Agreement(number="祁调〔2026〕58号", signed_on=date(2026, 12, 20), terms="公司于年底前付清工资。")
    fed = UUID("0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f")

    with stores.transaction() as store:
        kept = store.lock_petition("XF-2026-0311")
        decided = decisions.decide(kept, True, "属本机关职权范围，予以受理。", date(2026, 11, 10))
        accepted = decisions.mark_fed(decided, fed)
        store.save_petition(accepted, REGISTERED_AT + timedelta(days=8))
    with stores.transaction() as store:
        kept = store.lock_petition("XF-2026-0311")
        extended = decisions.extend(kept, 20, "涉及人数多，需核实工程款结算。", date(2026, 12, 30))
        store.save_petition(extended, REGISTERED_AT + timedelta(days=58))
    with stores.transaction() as store:
        kept = store.lock_petition("XF-2026-0311")
        replied = decisions.reply(kept, ResultCode.MEDIATED, "调解成功。", agreement, date(2027, 1, 15))
        store.save_petition(replied, REGISTERED_AT + timedelta(days=74))

    kept = found(stores, "XF-2026-0311")
    assert kept == replied
    assert kept is not None
    assert kept.fed_message_id == fed
    assert kept.extension is not None and (kept.extension.days, kept.extension.granted_on) == (20, date(2026, 12, 30))
    assert kept.reply is not None and kept.reply.agreement == agreement


def test_the_review_and_re_review_and_their_opinions_are_kept_and_nothing_else_changes(stores):
    add(stores, petition("XF-2026-0311"))
    with stores.transaction() as store:
        kept = store.lock_petition("XF-2026-0311")
        accepted = decisions.decide(kept, True, "予以受理。", date(2026, 11, 10))
        replied = decisions.reply(accepted, ResultCode.HANDLED, "已答复。", None, date(2026, 12, 10))
        asked = decisions.request_review(
            replied, ReviewStage.REVIEW, "衡阳市信访局", date(2026, 12, 12), date(2026, 12, 20)
        )
        store.save_petition(asked, REGISTERED_AT + timedelta(days=48))
    assert found(stores, "XF-2026-0311") == asked
    with stores.transaction() as store:
        kept = store.lock_petition("XF-2026-0311")
        reviewed = decisions.give_opinion(
            kept, ReviewStage.REVIEW, ReviewResult.CHANGED, "变更为足额支付。", date(2027, 1, 5)
        )
        re_asked = decisions.request_review(
            reviewed, ReviewStage.RE_REVIEW, "湖南省信访局", date(2027, 1, 8), date(2027, 1, 20)
        )
        done = decisions.give_opinion(
            re_asked, ReviewStage.RE_REVIEW, ReviewResult.REVOKED, "撤销复查意见。", date(2027, 2, 10)
        )
        store.save_petition(done, REGISTERED_AT + timedelta(days=100))

    kept = found(stores, "XF-2026-0311")
    assert kept == done
    assert kept is not None and kept.re_review is not None and kept.re_review.opinion is not None
    assert (kept.re_review.body, kept.re_review.opinion.result) == ("湖南省信访局", ReviewResult.REVOKED)
    assert kept.status is PetitionStatus.REPLIED


def test_the_petitions_of_matters_are_found_by_day_received_then_number(stores):
    add(
        stores,
        petition("XF-1", date(2026, 11, 2)),
        petition("XF-3", date(2026, 11, 20), repeat_of="XF-1", matter="XF-1"),
        petition("XF-2", date(2026, 11, 20), repeat_of="XF-1", matter="XF-1"),
        petition("XF-4", date(2026, 11, 3)),
    )

    with stores.transaction() as store:
        of_first = store.petitions_on_matters(frozenset({"XF-1"}))
        of_none = store.petitions_on_matters(frozenset())
        of_both = store.petitions_on_matters(frozenset({"XF-1", "XF-4"}))

    assert [p.number for p in of_first] == ["XF-1", "XF-2", "XF-3"]
    assert (of_none, [p.number for p in of_both]) == ([], ["XF-1", "XF-4", "XF-2", "XF-3"])


def test_saving_a_petition_never_registered_stores_nothing(stores):
    with stores.transaction() as store:
        store.save_petition(petition("XF-2026-0500"), REGISTERED_AT)

    assert found(stores, "XF-2026-0500") is None


# --- periods ---------------------------------------------------------------------------------------


def test_petitions_received_in_a_period_both_days_included_by_day_then_number(stores):
    add(
        stores,
        petition("XF-B", date(2026, 11, 30)),
        petition("XF-A", date(2026, 11, 30)),
        petition("XF-C", date(2026, 11, 1)),
        petition("XF-D", date(2026, 10, 31)),
        petition("XF-E", date(2026, 12, 1)),
    )

    with stores.transaction() as store:
        november = store.petitions_received(date(2026, 11, 1), date(2026, 11, 30), OWN)

    assert [p.number for p in november] == ["XF-C", "XF-A", "XF-B"]
    assert november[1].petitioners == (DENG, LIU)


def test_a_period_lists_only_the_units_given_and_those_under_them(stores):
    add(stores, petition("XF-1"), petition("XF-2", unit="petition:430405"))

    with stores.transaction() as store:
        ours = store.petitions_received(date(2026, 1, 1), date(2026, 12, 31), OWN)
        city = store.petitions_received(date(2026, 1, 1), date(2026, 12, 31), frozenset({"petition:4304"}))
        none = store.petitions_received(date(2026, 1, 1), date(2026, 12, 31), frozenset({"court:430426"}))

    assert [p.number for p in ours] == ["XF-1"]
    assert [p.number for p in city] == ["XF-1", "XF-2"]
    assert none == []


# --- the list, what is due first ---------------------------------------------------------------------------

TODAY = date(2026, 11, 20)


def kept_as(stores, number: str, received_on: date, step=None, **fields) -> None:
    """A petition registered, then moved on by `step(petition) -> petition` (decided, extended, replied) and saved."""
    add(stores, decisions.register(petition(number, received_on, **fields), received_on))
    if step is not None:
        with stores.transaction() as store:
            store.save_petition(step(store.lock_petition(number)), REGISTERED_AT)


def accepted_on(day: date):
    return lambda p: decisions.decide(p, True, "予以受理。", day)


def listed(
    stores, today: date = TODAY, *, units=OWN, status=None, overdue=None, order=PetitionOrder.DUE, limit=10, offset=0
) -> tuple[list[str], int]:
    with stores.transaction() as store:
        petitions, total = store.list_petitions(
            units, today, status=status, overdue=overdue, order=order, limit=limit, offset=offset
        )
    return [p.number for p in petitions], total


@pytest.fixture
def register_of_november(stores):
    """Two overdue (a handling term ended 31 October, an acceptance term 16 November), two open, two finished, and
    one of another county's bureau."""
    kept_as(stores, "XF-R1", date(2026, 11, 1))  # acceptance due 16 November: overdue on the 20th
    kept_as(stores, "XF-R2", date(2026, 11, 10))  # acceptance due 25 November
    kept_as(stores, "XF-A1", date(2026, 11, 2), accepted_on(date(2026, 11, 5)))  # handling due 4 January
    kept_as(stores, "XF-A2", date(2026, 8, 25), accepted_on(date(2026, 9, 1)))  # handling due 31 October: overdue
    kept_as(stores, "XF-N", date(2026, 11, 3), lambda p: decisions.decide(p, False, "不属于本机关职权。", TODAY))
    kept_as(stores, "XF-S", date(2026, 11, 4), litigation_reason="不服一审判决。")
    kept_as(stores, "XF-O", date(2026, 11, 1), unit="petition:430405")
    return stores


def test_the_list_puts_what_is_due_first_then_the_finished_latest_received_with_the_total(register_of_november):
    assert listed(register_of_november) == (["XF-A2", "XF-R1", "XF-R2", "XF-A1", "XF-S", "XF-N"], 6)


def test_the_list_takes_only_the_overdue_on_the_day_or_only_the_others(register_of_november):
    assert listed(register_of_november, overdue=True) == (["XF-A2", "XF-R1"], 2)
    assert listed(register_of_november, overdue=False) == (["XF-R2", "XF-A1", "XF-S", "XF-N"], 4)
    assert listed(register_of_november, date(2026, 11, 16), overdue=True) == (["XF-A2"], 1)


def test_the_list_takes_one_status_and_lists_by_receipt_when_asked(register_of_november):
    assert listed(register_of_november, status=PetitionStatus.ACCEPTED) == (["XF-A2", "XF-A1"], 2)
    assert listed(register_of_november, order=PetitionOrder.RECEIVED) == (
        ["XF-R2", "XF-S", "XF-N", "XF-A1", "XF-R1", "XF-A2"],
        6,
    )


def test_the_list_is_paged_and_counts_every_petition_it_matches(register_of_november):
    assert listed(register_of_november, limit=2, offset=1) == (["XF-R1", "XF-R2"], 6)
    assert listed(register_of_november, limit=0) == ([], 6)
    assert listed(register_of_november, offset=6) == ([], 6)


def test_the_list_holds_only_the_units_given_and_those_under_them(register_of_november):
    assert listed(register_of_november, units=frozenset({"petition:430405"})) == (["XF-O"], 1)
    assert listed(register_of_november, units=frozenset({"petition:4304"}))[1] == 7
    assert listed(register_of_november, units=frozenset({"court:430426"})) == ([], 0)


def test_an_extension_moves_a_petition_down_the_list_and_a_reply_takes_it_off_the_overdue(stores):
    kept_as(stores, "XF-1", date(2026, 9, 1), accepted_on(date(2026, 9, 10)))  # due 9 November
    kept_as(stores, "XF-2", date(2026, 9, 1), accepted_on(date(2026, 9, 5)))  # due 4 November
    assert listed(stores, date(2026, 11, 1)) == (["XF-2", "XF-1"], 2)

    with stores.transaction() as store:
        extended = decisions.extend(store.lock_petition("XF-2"), 30, "情况复杂。", date(2026, 11, 1))
        store.save_petition(extended, REGISTERED_AT)  # now due 4 December
    assert listed(stores, date(2026, 11, 20)) == (["XF-1", "XF-2"], 2)
    assert listed(stores, date(2026, 11, 20), overdue=True) == (["XF-1"], 1)

    with stores.transaction() as store:
        replied = decisions.reply(store.lock_petition("XF-1"), ResultCode.HANDLED, "已答复。", None, TODAY)
        store.save_petition(replied, REGISTERED_AT)
    assert listed(stores, date(2026, 11, 20), overdue=True) == ([], 0)
    assert listed(stores, date(2026, 11, 20)) == (["XF-2", "XF-1"], 2)


def replied_on(day: date):
    return lambda p: decisions.reply(
        accepted_on(day - timedelta(days=20))(p), ResultCode.HANDLED, "已答复。", None, day
    )


def review_asked_on(day: date, replied: date = date(2026, 10, 1)):
    """Replied to on `replied`, and a 复查 asked of the city on `day`: its opinion due 30 days later."""
    return lambda p: decisions.request_review(replied_on(replied)(p), ReviewStage.REVIEW, "衡阳市信访局", replied, day)


def test_a_review_unanswered_is_listed_by_its_opinions_last_day_and_overdue_after_it_its_opinion_ends_it(stores):
    kept_as(stores, "XF-A", date(2026, 9, 1), accepted_on(date(2026, 9, 25)))  # due 24 November
    kept_as(stores, "XF-Q", date(2026, 8, 1), review_asked_on(date(2026, 10, 15)))  # 复查意见 due 14 November
    kept_as(stores, "XF-D", date(2026, 8, 2), replied_on(date(2026, 10, 1)))  # replied, no review: finished

    assert listed(stores) == (["XF-Q", "XF-A", "XF-D"], 3)
    assert listed(stores, overdue=True) == (["XF-Q"], 1)
    assert listed(stores, date(2026, 11, 14), overdue=True) == ([], 0)

    with stores.transaction() as store:
        answered = decisions.give_opinion(
            store.lock_petition("XF-Q"), ReviewStage.REVIEW, ReviewResult.UPHELD, "维持。", date(2026, 11, 18)
        )
        store.save_petition(answered, REGISTERED_AT)
    assert listed(stores, overdue=True) == ([], 0)
    assert listed(stores) == (["XF-A", "XF-D", "XF-Q"], 3)


def test_petitions_due_the_same_day_and_received_the_same_day_are_listed_by_number_as_written(stores):
    for number in ("XF-a", "XF-B", "XF-10", "XF-9"):
        kept_as(stores, number, date(2026, 11, 10))

    assert listed(stores)[0] == ["XF-10", "XF-9", "XF-B", "XF-a"]


@pytest.mark.integration
def test_the_migration_gives_each_petition_kept_before_it_the_day_the_domain_gives(service_database):
    """The backfill is the migration's SQL: PostgreSQL's alone, so this runs on it only."""
    empty_tables(service_database)
    stores = postgres_bench(service_database, POSTGRES_STORE)
    kept_as(stores, "XF-R1", date(2026, 11, 1))
    kept_as(stores, "XF-A1", date(2026, 11, 2), accepted_on(date(2026, 11, 5)))
    kept_as(stores, "XF-N", date(2026, 11, 3), lambda p: decisions.decide(p, False, "不属于本机关职权。", TODAY))

    def extended(registered: Petition) -> Petition:
        return decisions.extend(accepted_on(date(2026, 10, 8))(registered), 25, "情况复杂。", TODAY)

    kept_as(stores, "XF-E", date(2026, 10, 1), extended)
    migration = (Path(__file__).parents[2] / "services/petition_link/migrations/p0002_due_on.sql").read_text()
    (backfill,) = re.findall(r"^UPDATE petitions SET due_on = CASE.*?^END", migration, re.MULTILINE | re.DOTALL)

    with stores.transaction() as store:
        store.sql.write("UPDATE petitions SET due_on = NULL")
        store.sql.write(backfill)

    with stores.transaction() as store:
        backfilled = {row["number"]: row["due_on"] for row in store.sql.all("SELECT number, due_on FROM petitions")}
        terms = {number: decisions.open_term(store.lock_petition(number)) for number in backfilled}
    assert backfilled == {number: term.due_on if term else None for number, term in terms.items()}
    assert backfilled["XF-E"] == date(2027, 1, 1)  # 8 October + 60 + 25


@pytest.mark.integration
def test_the_review_migration_gives_each_replied_petition_kept_before_it_the_day_the_domain_gives(service_database):
    """p0004's backfill: a 复查 or 复核 unanswered is the term of a replied petition; PostgreSQL's SQL alone."""
    empty_tables(service_database)
    stores = postgres_bench(service_database, POSTGRES_STORE)
    kept_as(stores, "XF-Q", date(2026, 8, 1), review_asked_on(date(2026, 10, 15)))

    def re_review_asked(registered: Petition) -> Petition:
        reviewed = decisions.give_opinion(
            review_asked_on(date(2026, 10, 2))(registered),
            ReviewStage.REVIEW,
            ReviewResult.UPHELD,
            "维持。",
            date(2026, 10, 20),
        )
        return decisions.request_review(
            reviewed, ReviewStage.RE_REVIEW, "湖南省信访局", date(2026, 10, 22), date(2026, 11, 3)
        )

    kept_as(stores, "XF-K", date(2026, 8, 2), re_review_asked)
    kept_as(stores, "XF-D", date(2026, 8, 3), replied_on(date(2026, 10, 1)))
    kept_as(stores, "XF-A", date(2026, 9, 1), accepted_on(date(2026, 9, 25)))
    migration = (Path(__file__).parents[2] / "services/petition_link/migrations/p0004_review_due_on.sql").read_text()
    (backfill,) = re.findall(
        r"^UPDATE petitions SET due_on = CASE.*?^WHERE status = 'replied';", migration, re.M | re.S
    )

    with stores.transaction() as store:
        store.sql.write("UPDATE petitions SET due_on = NULL WHERE status = 'replied'")
        store.sql.write(backfill)

    with stores.transaction() as store:
        backfilled = {row["number"]: row["due_on"] for row in store.sql.all("SELECT number, due_on FROM petitions")}
        terms = {number: decisions.open_term(store.lock_petition(number)) for number in backfilled}
    assert backfilled == {number: term.due_on if term else None for number, term in terms.items()}
    assert (backfilled["XF-Q"], backfilled["XF-K"], backfilled["XF-D"]) == (date(2026, 11, 14), date(2026, 12, 3), None)


# --- earlier petitions -------------------------------------------------------------------------------


def test_earlier_petitions_are_found_by_any_key_of_the_person_and_carry_every_petitioners_keys(stores):
    add(
        stores,
        petition("XF-1", date(2026, 3, 1), petitioners=(DENG_BY_PHONE,)),
        petition("XF-2", date(2026, 6, 1), petitioners=(LIU,)),
        petition("XF-3", date(2026, 9, 1), repeat_of="XF-1", matter="XF-1"),
    )
    latest = petition("XF-4", date(2026, 11, 2), petitioners=(DENG,), repeat_of="XF-3", matter="XF-1")
    add(stores, latest)

    with stores.transaction() as store:
        mentions = store.mentions(DENG.keys, date(2025, 11, 2), latest)

    assert [(m.number, m.matter, m.received_on) for m in mentions] == [
        ("XF-1", "XF-1", date(2026, 3, 1)),
        ("XF-3", "XF-1", date(2026, 9, 1)),
    ]
    assert mentions[1].keys == DENG.keys | LIU.keys


def test_earlier_means_received_earlier_or_the_same_day_registered_earlier_and_within_the_window(stores):
    later_that_day = REGISTERED_AT + timedelta(hours=3)
    add(
        stores,
        petition("XF-OLD", date(2025, 10, 1)),
        petition("XF-MORNING", date(2026, 11, 2)),
        petition("XF-EVENING", date(2026, 11, 2), registered_at=later_that_day + timedelta(hours=5)),
        petition("XF-NEXT-DAY", date(2026, 11, 3)),
    )
    noon = petition("XF-NOON", date(2026, 11, 2), registered_at=later_that_day)
    add(stores, noon)

    with stores.transaction() as store:
        mentions = store.mentions(DENG.keys, date(2025, 11, 2), noon)
        nobody = store.mentions(frozenset(), date(2025, 11, 2), noon)

    assert [m.number for m in mentions] == ["XF-MORNING"]
    assert nobody == []


# --- mobile numbers past their retention -----------------------------------------------------------------


def test_a_finished_petition_loses_its_mobile_numbers_after_the_cut_off_and_not_before(stores):
    add(stores, petition("XF-DONE"), petition("XF-OPEN"))
    with stores.transaction() as store:
        done = decisions.decide(store.lock_petition("XF-DONE"), False, "不属于本机关职权范围。", date(2026, 11, 5))
        store.save_petition(done, REGISTERED_AT + timedelta(days=3))

    with stores.transaction() as store:
        too_soon = store.purge_petitioner_phones(REGISTERED_AT + timedelta(days=3))
        dry = store.purge_petitioner_phones(REGISTERED_AT + timedelta(days=4), dry_run=True)
    assert (too_soon, dry) == ([], ["XF-DONE"])
    kept = found(stores, "XF-DONE")
    assert kept is not None and kept.petitioners[0].phone == "13786543210"

    with stores.transaction() as store:
        purged = store.purge_petitioner_phones(REGISTERED_AT + timedelta(days=4))

    assert purged == ["XF-DONE"]
    kept = found(stores, "XF-DONE")
    assert kept is not None
    assert [p.phone for p in kept.petitioners] == [None, None]
    assert [side.phone for side in kept.respondents] == [None, None]
    assert kept.petitioners[0].keys == DENG.keys, "the keys count the person still"
    still_open = found(stores, "XF-OPEN")
    assert still_open is not None and still_open.petitioners[0].phone == "13786543210"


def test_the_bureau_keeps_its_referrals_beside_the_register(stores):
    referral_id = UUID("77777777-7777-4777-8777-777777777777")
    add(stores, petition("XF-2026-0311"))

    with stores.transaction() as store:
        store.add_referral(referral_issued(referral_id, BUREAU, source="petition"), {}, REGISTERED_AT)

    with stores.transaction() as store:
        assert store.get_referral(referral_id)["status"] == "received"
        assert store.find_petition("XF-2026-0311") is not None


def test_the_referrals_of_the_case_a_petition_became_are_found_by_its_number_first_received_first(stores):
    lead, again = UUID("77777777-7777-4777-8777-777777777771"), UUID("77777777-7777-4777-8777-777777777772")
    other = UUID("77777777-7777-4777-8777-777777777773")
    joined = UUID("77777777-7777-4777-8777-777777777774")
    add(stores, petition("XF-2026-0311"))
    with stores.transaction() as store:
        store.add_referral(
            referral_issued(again, BUREAU, source="petition", round=2, source_record_id="XF-2026-0311"),
            {},
            REGISTERED_AT + timedelta(days=30),
        )
        store.add_referral(
            referral_issued(lead, BUREAU, source="petition", source_record_id="XF-2026-0311"), {}, REGISTERED_AT
        )
        store.add_referral(referral_issued(other, BUREAU, source="walk_in"), {}, REGISTERED_AT)
        # Another agency's record under the same number opened a case the bureau leads.
        store.add_referral(
            referral_issued(UUID(int=74), BUREAU, source="police_call", source_record_id="XF-2026-0311"),
            {},
            REGISTERED_AT,
        )
        # The petition, linked by intake to a walk-in case as a repeat, brought the bureau in as co-unit.
        store.add_referral(
            referral_issued(joined, BUREAU, source="walk_in", role="co_unit", round=1, source_record_id="XF-2026-0311"),
            {},
            REGISTERED_AT + timedelta(days=40),
        )

    with stores.transaction() as store:
        referrals = store.case_referrals("XF-2026-0311")

    assert [(r["referral_id"], r["round"], r["status"], r["role"]) for r in referrals] == [
        (lead, 1, "received", "lead"),
        (again, 2, "received", "lead"),
        (joined, 1, "received", "co_unit"),
    ]
    assert set(referrals[0]) == {
        "referral_id",
        "case_id",
        "unit",
        "role",
        "round",
        "status",
        "result",
        "outcome",
        "received_at",
    }


def test_a_petition_linked_to_a_case_the_bureau_already_handles_finds_that_cases_referrals(stores):
    """No referral names the petition (the bureau led the case already); intake's link names the case."""
    walk_in, petition_case = "430426-20261101-00003", "430426-20261102-00009"
    township_lead = UUID("77777777-7777-4777-8777-777777777781")
    county_co_unit = UUID("77777777-7777-4777-8777-777777777782")
    unrelated = UUID("77777777-7777-4777-8777-777777777783")
    own = UUID("77777777-7777-4777-8777-777777777784")
    add(stores, petition("XF-2026-0311"))
    add(stores, petition("XF-2026-0312"))
    with stores.transaction() as store:
        # The township's bureau leads the walk-in case, the county bureau co-handles it.
        store.add_referral(
            referral_issued(township_lead, "petition:430426105", case_id=walk_in), {}, REGISTERED_AT + timedelta(days=2)
        )
        store.add_referral(referral_issued(county_co_unit, BUREAU, case_id=walk_in, role="co_unit"), {}, REGISTERED_AT)
        store.add_referral(referral_issued(unrelated, BUREAU, case_id=petition_case), {}, REGISTERED_AT)
        # The other petition opened a case of its own, and its referral names it.
        store.add_referral(
            referral_issued(own, BUREAU, case_id=petition_case, source="petition", source_record_id="XF-2026-0312"),
            {},
            REGISTERED_AT + timedelta(days=1),
        )
        assert store.case_referrals("XF-2026-0311") == []
        store.keep_record_link(record_linked(UUID(int=9), BUREAU, "XF-2026-0311", walk_in), REGISTERED_AT)

    with stores.transaction() as store:
        joined = store.case_referrals("XF-2026-0311")
        others = store.case_referrals("XF-2026-0312")

    assert [(r["referral_id"], r["case_id"], r["unit"], r["role"]) for r in joined] == [
        (county_co_unit, walk_in, BUREAU, "co_unit"),
        (township_lead, walk_in, "petition:430426105", "lead"),
    ]
    assert [r["referral_id"] for r in others] == [own]


def test_a_referral_both_naming_the_petition_and_of_the_case_it_joined_is_listed_once(stores):
    walk_in = "430426-20261101-00003"
    co_unit = UUID("77777777-7777-4777-8777-777777777791")
    add(stores, petition("XF-2026-0311"))
    with stores.transaction() as store:
        store.add_referral(
            referral_issued(co_unit, BUREAU, case_id=walk_in, role="co_unit", source_record_id="XF-2026-0311"),
            {},
            REGISTERED_AT,
        )
        store.keep_record_link(record_linked(UUID(int=9), BUREAU, "XF-2026-0311", walk_in), REGISTERED_AT)

    with stores.transaction() as store:
        assert [r["referral_id"] for r in store.case_referrals("XF-2026-0311")] == [co_unit]
