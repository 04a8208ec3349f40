"""Stability's store enters each risky case in the register once and lists it beside the referrals it received."""

from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from services.stability.domain import WarningColour
from services.stability.store import PostgresStabilityStore
from shared.contracts.messages import CaseAssigned, CaseWentOverdue
from tests.fakes.agency import FakeStabilityStore
from tests.messages import referral_issued

SERVICE = "stability"
FAKE = FakeStabilityStore
POSTGRES_STORE = PostgresStabilityStore

BEIJING = ZoneInfo("Asia/Shanghai")
CENTRE = "centre:430426"
POLICE_STATION = "police:430426101"
COMMITTEE = "stability:430426"
NOTED_AT = datetime(2026, 11, 22, 10, 0, tzinfo=BEIJING)

BOUNDARY_FIGHT = "430426-20261122-00001"  # 宅基地界址, 有暴力倾向
UNPAID_WORKERS = "430426-20261122-00002"  # 四十名农民工讨薪, 群体性
FAMILY_THREAT = "430426-20261122-00003"  # 扬言杀人, 命案风险


def assigned(case_id: str, flags: list[str], category: str = "neighbour", lead_unit: str | None = POLICE_STATION):
    return CaseAssigned.build(
        message_id=UUID(int=int(case_id[-5:])),
        occurred_at=NOTED_AT,
        case_id=case_id,
        sender=CENTRE,
        recipient=CENTRE,
        mode="single_unit" if lead_unit else "on_the_spot",
        source="walk_in",
        category=category,
        division_code="430426101203",
        flags=flags,
        lead_unit=lead_unit,
        co_units=[],
        referrals=[],
    )


def note(stores, case_id: str, flags: list[str], colour: WarningColour, at: datetime, **fields) -> None:
    with stores.transaction() as store:
        store.note_risk(assigned(case_id, flags, **fields), colour, at)


def test_a_case_is_entered_once_and_keeps_what_it_was_first_noted_with_but_the_graver_colour(stores):
    note(stores, BOUNDARY_FIGHT, ["violence_risk"], WarningColour.YELLOW, NOTED_AT)

    note(stores, BOUNDARY_FIGHT, ["high_risk"], WarningColour.RED, NOTED_AT + timedelta(days=1))

    with stores.transaction() as store:
        (entry,) = store.risk_register(10)
    assert (entry["colour"], entry["flags"], entry["noted_at"]) == ("red", ["violence_risk"], NOTED_AT)


def test_a_later_milder_note_never_lowers_a_colour(stores):
    note(stores, BOUNDARY_FIGHT, ["high_risk"], WarningColour.RED, NOTED_AT)

    note(stores, BOUNDARY_FIGHT, ["violence_risk"], WarningColour.YELLOW, NOTED_AT + timedelta(days=1))

    with stores.transaction() as store:
        (entry,) = store.risk_register(10)
    assert entry["colour"] == "red"


def test_the_register_lists_the_latest_noted_case_first_with_what_it_was_noted_for(stores):
    note(stores, BOUNDARY_FIGHT, ["violence_risk"], WarningColour.YELLOW, NOTED_AT)
    note(
        stores,
        UNPAID_WORKERS,
        ["group", "petition_involved"],
        WarningColour.YELLOW,
        NOTED_AT + timedelta(hours=2),
        category="wages",
        lead_unit=None,
    )
    note(stores, FAMILY_THREAT, ["high_risk"], WarningColour.RED, NOTED_AT + timedelta(hours=1), category="family")

    with stores.transaction() as store:
        register = store.risk_register(10)

    assert register == [
        {
            "case_id": UNPAID_WORKERS,
            "colour": "yellow",
            "flags": ["group", "petition_involved"],
            "category": "wages",
            "division_code": "430426101203",
            "lead_unit": None,
            "noted_at": NOTED_AT + timedelta(hours=2),
            "record_id": None,
            "closed_at": None,
            "closed_rating": None,
            "status": "open",
        },
        {
            "case_id": FAMILY_THREAT,
            "colour": "red",
            "flags": ["high_risk"],
            "category": "family",
            "division_code": "430426101203",
            "lead_unit": POLICE_STATION,
            "noted_at": NOTED_AT + timedelta(hours=1),
            "record_id": None,
            "closed_at": None,
            "closed_rating": None,
            "status": "open",
        },
        {
            "case_id": BOUNDARY_FIGHT,
            "colour": "yellow",
            "flags": ["violence_risk"],
            "category": "neighbour",
            "division_code": "430426101203",
            "lead_unit": POLICE_STATION,
            "noted_at": NOTED_AT,
            "record_id": None,
            "closed_at": None,
            "closed_rating": None,
            "status": "open",
        },
    ]
    assert all(entry["noted_at"].utcoffset() is not None for entry in register)


def test_the_register_lists_at_most_the_limit(stores):
    for hour, case_id in enumerate([BOUNDARY_FIGHT, UNPAID_WORKERS, FAMILY_THREAT]):
        note(stores, case_id, ["violence_risk"], WarningColour.YELLOW, NOTED_AT + timedelta(hours=hour))

    with stores.transaction() as store:
        assert [entry["case_id"] for entry in store.risk_register(2)] == [FAMILY_THREAT, UNPAID_WORKERS]
        assert store.risk_register(0) == []


def test_the_register_is_read_a_page_at_a_time_in_one_colour_and_counted_whole(stores):
    note(stores, BOUNDARY_FIGHT, ["violence_risk"], WarningColour.YELLOW, NOTED_AT)
    note(stores, UNPAID_WORKERS, ["group"], WarningColour.YELLOW, NOTED_AT + timedelta(hours=1))
    note(stores, FAMILY_THREAT, ["high_risk"], WarningColour.RED, NOTED_AT + timedelta(hours=2))

    with stores.transaction() as store:
        assert [entry["case_id"] for entry in store.risk_register(2, offset=1)] == [UNPAID_WORKERS, BOUNDARY_FIGHT]
        assert [entry["case_id"] for entry in store.risk_register(10, colour="yellow")] == [
            UNPAID_WORKERS,
            BOUNDARY_FIGHT,
        ]
        assert [entry["case_id"] for entry in store.risk_register(10, offset=1, colour="red")] == []
        assert store.risk_register_counts() == {"yellow": {"open": 2}, "red": {"open": 1}}


def test_a_closed_case_reads_closed_with_its_rating_until_a_later_fact_reopens_it(stores):
    note(stores, BOUNDARY_FIGHT, ["violence_risk"], WarningColour.YELLOW, NOTED_AT)
    note(stores, FAMILY_THREAT, ["high_risk"], WarningColour.RED, NOTED_AT + timedelta(hours=1))
    closed_at = NOTED_AT + timedelta(days=8)
    with stores.transaction() as store:
        store.note_closing(BOUNDARY_FIGHT, closed_at, "satisfied", closed_at)
        store.note_closing(FAMILY_THREAT, closed_at, "dissatisfied", closed_at)
        store.note_closing(FAMILY_THREAT, None, None, closed_at + timedelta(hours=1))  # reopened
        store.note_closing(FAMILY_THREAT, closed_at, "dissatisfied", closed_at)  # the closing, again and late

    with stores.transaction() as store:
        [done] = store.risk_register(10, status="closed")
        [still_open] = store.risk_register(10, status="open")
        counts = store.risk_register_counts()
        red_closed = store.risk_register(10, colour="red", status="closed")

    assert (done["case_id"], done["status"], done["closed_at"], done["closed_rating"]) == (
        BOUNDARY_FIGHT,
        "closed",
        closed_at,
        "satisfied",
    )
    assert done["closed_at"].utcoffset() is not None
    assert (still_open["case_id"], still_open["status"], still_open["closed_at"]) == (FAMILY_THREAT, "open", None)
    assert counts == {"yellow": {"closed": 1}, "red": {"open": 1}}
    assert red_closed == []


def test_a_closing_kept_before_its_case_entered_the_register_is_read_with_it(stores):
    with stores.transaction() as store:
        store.note_closing(UNPAID_WORKERS, NOTED_AT, "satisfied", NOTED_AT)
        assert store.risk_register(10) == []
        assert store.risk_register_counts() == {}
    note(stores, UNPAID_WORKERS, ["group"], WarningColour.YELLOW, NOTED_AT - timedelta(days=3))

    with stores.transaction() as store:
        [entry] = store.risk_register(10)
        assert store.risk_register_counts() == {"yellow": {"closed": 1}}
    assert (entry["status"], entry["closed_at"]) == ("closed", NOTED_AT)


def test_cases_noted_at_the_same_moment_keep_one_order_across_pages(stores):
    for case_id in (FAMILY_THREAT, BOUNDARY_FIGHT, UNPAID_WORKERS):
        note(stores, case_id, ["group"], WarningColour.YELLOW, NOTED_AT)

    with stores.transaction() as store:
        pages = [entry["case_id"] for at in range(3) for entry in store.risk_register(1, offset=at)]
    assert pages == [BOUNDARY_FIGHT, UNPAID_WORKERS, FAMILY_THREAT]


def test_a_reader_changing_a_register_entry_it_read_changes_nothing_stored(stores):
    note(stores, BOUNDARY_FIGHT, ["violence_risk"], WarningColour.YELLOW, NOTED_AT)
    with stores.transaction() as store:
        (entry,) = store.risk_register(10)
        entry["colour"] = "red"
        entry["flags"].append("high_risk")

    with stores.transaction() as store:
        (entry,) = store.risk_register(10)
    assert (entry["colour"], entry["flags"]) == ("yellow", ["violence_risk"])


def test_the_committee_keeps_its_referrals_beside_the_register(stores):
    referral_id = UUID("55555555-5555-4555-8555-555555555555")
    referral = referral_issued(
        referral_id,
        COMMITTEE,
        occurred_at=NOTED_AT,
        case_id=UNPAID_WORKERS,
        role="co_unit",
        category="wages",
        division_code="430426101203",
        summary="四十名农民工聚集讨要工程款。",
        flags=["group"],
        parties=[
            {"role": "applicant", "kind": "person", "name": "赵六", "phone": "13900139000"},
            {"role": "respondent", "kind": "organisation", "name": "祁东县某劳务公司"},
        ],
        due_at=NOTED_AT + timedelta(days=7),
    )
    note(stores, UNPAID_WORKERS, ["group"], WarningColour.YELLOW, NOTED_AT)

    with stores.transaction() as store:
        store.add_referral(referral, {}, NOTED_AT)

    with stores.transaction() as store:
        kept = store.get_referral(referral_id)
        listed = store.list_referrals(None, 10, frozenset({COMMITTEE}))
        register = store.risk_register(10)
    assert (kept["unit"], kept["role"], kept["status"]) == (COMMITTEE, "co_unit", "received")
    assert [line["kind"] for line in kept["log"]] == ["received"]
    assert [row["referral_id"] for row in listed] == [referral_id]
    assert [entry["case_id"] for entry in register] == [UNPAID_WORKERS]


# --- every lead enters in its own colour ---------------------------------------------------------

GREEN_LEAD = "430426-20261122-00004"  # 绿色线索, no risk flag


def lead_referral(case_id: str, flags: list[str], record_id: str | None = "WW-2026-0100"):
    return referral_issued(
        UUID(int=int(case_id[-5:]) + 1000),
        "plc:430426",
        occurred_at=NOTED_AT,
        case_id=case_id,
        role="lead",
        source="stability_lead",
        source_record_id=record_id,
        category="land",
        division_code="430426101203",
        summary="两村山林界址争议，暂无激化迹象。",
        flags=flags,
        parties=[
            {"role": "applicant", "kind": "organisation", "name": "上湾村村民委员会"},
            {"role": "respondent", "kind": "organisation", "name": "下湾村村民委员会"},
        ],
        due_at=NOTED_AT + timedelta(days=7),
    )


def test_a_lead_enters_in_its_own_colour_naming_its_record_and_the_committee_as_lead(stores):
    with stores.transaction() as store:
        store.note_lead(lead_referral(GREEN_LEAD, []), WarningColour.GREEN, NOTED_AT)

    with stores.transaction() as store:
        (entry,) = store.risk_register(10)
    assert (entry["case_id"], entry["colour"], entry["flags"]) == (GREEN_LEAD, "green", [])
    assert (entry["record_id"], entry["lead_unit"], entry["category"]) == ("WW-2026-0100", "plc:430426", "land")


def test_a_lead_and_its_case_assignment_meet_in_one_entry_whichever_comes_first(stores):
    note(stores, GREEN_LEAD, ["group"], WarningColour.YELLOW, NOTED_AT, lead_unit=None)
    with stores.transaction() as store:
        store.note_lead(lead_referral(GREEN_LEAD, ["group"]), WarningColour.GREEN, NOTED_AT + timedelta(minutes=1))

    with stores.transaction() as store:
        (entry,) = store.risk_register(10)
    assert (entry["colour"], entry["record_id"], entry["lead_unit"]) == ("yellow", "WW-2026-0100", "plc:430426")


# --- the person file ------------------------------------------------------------------------------

ZHANG = UUID("11111111-1111-4111-8111-111111111111")
LI = UUID("22222222-2222-4222-8222-222222222222")


def person(person_id: UUID, name: str, **fields):
    return {
        "person_id": person_id,
        "name": name,
        "division_code": "430426101203",
        "case_ids": [BOUNDARY_FIGHT],
        "record_ids": ["WW-2026-0100"],
        "created_by": "sun.wei",
        **fields,
    }


def event(number: int, kind: str, at: datetime, **fields):
    return {
        "event_id": UUID(int=number),
        "kind": kind,
        "case_id": None,
        "at": at,
        "detail": "上访",
        "size": None,
        "criminal_risk": False,
        "recorded_by": "sun.wei",
        **fields,
    }


def test_a_person_is_kept_with_name_place_cases_and_leads_and_never_their_keys(stores):
    with stores.transaction() as store:
        store.add_person(person(ZHANG, "张某"), "id-key-zhang", "contact-key-zhang", NOTED_AT)

    with stores.transaction() as store:
        kept = store.get_person(ZHANG)
    assert kept == {
        "person_id": ZHANG,
        "name": "张某",
        "division_code": "430426101203",
        "case_ids": [BOUNDARY_FIGHT],
        "record_ids": ["WW-2026-0100"],
        "leader": None,
        "created_by": "sun.wei",
        "created_at": NOTED_AT,
        "updated_at": NOTED_AT,
        "events": [],
    }


def test_a_person_is_found_by_either_key_and_by_no_other(stores):
    with stores.transaction() as store:
        store.add_person(person(ZHANG, "张某"), "id-key-zhang", "contact-key-zhang", NOTED_AT)
        store.add_person(person(LI, "李某"), None, "contact-key-li", NOTED_AT)

    with stores.transaction() as store:
        assert store.find_person("id-key-zhang", None) == ZHANG
        assert store.find_person(None, "contact-key-zhang") == ZHANG
        assert store.find_person("id-key-other", "contact-key-li") == LI
        assert store.find_person("id-key-other", "contact-key-other") is None
        assert store.find_person(None, None) is None


def test_linking_adds_cases_and_leads_once_each(stores):
    with stores.transaction() as store:
        store.add_person(person(ZHANG, "张某"), "id-key-zhang", None, NOTED_AT)
    with stores.transaction() as store:
        store.link_person(ZHANG, [BOUNDARY_FIGHT, FAMILY_THREAT], ["WW-2026-0101"], NOTED_AT + timedelta(hours=1))

    with stores.transaction() as store:
        kept = store.get_person(ZHANG)
    assert kept["case_ids"] == [BOUNDARY_FIGHT, FAMILY_THREAT]
    assert kept["record_ids"] == ["WW-2026-0100", "WW-2026-0101"]
    assert kept["updated_at"] == NOTED_AT + timedelta(hours=1)


def test_events_come_back_oldest_first_and_a_leader_is_kept(stores):
    with stores.transaction() as store:
        store.add_person(person(ZHANG, "张某"), "id-key-zhang", None, NOTED_AT)
        store.add_person_event(ZHANG, event(2, "group", NOTED_AT, size=12, detail="组织12人聚集"), NOTED_AT)
        store.add_person_event(
            ZHANG,
            event(1, "violence", NOTED_AT - timedelta(days=3), criminal_risk=True, case_id=FAMILY_THREAT),
            NOTED_AT,
        )
        assert store.set_leader(ZHANG, {"name": "李书记", "post": "县委政法委书记", "plan": "每周走访"}, NOTED_AT)
        assert not store.set_leader(LI, {"name": "x", "post": "y", "plan": "z"}, NOTED_AT)

    with stores.transaction() as store:
        kept = store.get_person(ZHANG)
        assert store.get_person(LI) is None
    assert [(e["kind"], e["size"], e["criminal_risk"], e["case_id"]) for e in kept["events"]] == [
        ("violence", None, True, FAMILY_THREAT),
        ("group", 12, False, None),
    ]
    assert kept["leader"] == {"name": "李书记", "post": "县委政法委书记", "plan": "每周走访"}


def test_persons_are_listed_latest_changed_first_with_their_events(stores):
    with stores.transaction() as store:
        store.add_person(person(ZHANG, "张某"), "id-key-zhang", None, NOTED_AT)
        store.add_person(person(LI, "李某"), "id-key-li", None, NOTED_AT + timedelta(hours=1))
    with stores.transaction() as store:
        store.add_person_event(ZHANG, event(3, "overdue", NOTED_AT), NOTED_AT + timedelta(hours=2))

    with stores.transaction() as store:
        listed = store.list_persons(["430426"])
    assert [p["person_id"] for p in listed] == [ZHANG, LI]
    assert [[e["kind"] for e in p["events"]] for p in listed] == [["overdue"], []]


def test_every_person_of_the_places_is_listed_however_many_and_those_changed_at_once_by_id(stores):
    many = [UUID(int=number) for number in range(1, 506)]
    with stores.transaction() as store:
        store.add_person(person(ZHANG, "张某"), "id-key-zhang", None, NOTED_AT)
        for number, person_id in enumerate(reversed(many)):
            store.add_person(
                person(person_id, f"群众{number}"), f"id-key-{number}", None, NOTED_AT + timedelta(hours=1)
            )

    with stores.transaction() as store:
        listed = [p["person_id"] for p in store.list_persons(["430426"])]
    assert listed == [*many, ZHANG]


def test_persons_without_a_leader_alone_are_listed_when_asked(stores):
    with stores.transaction() as store:
        store.add_person(person(ZHANG, "张某"), "id-key-zhang", None, NOTED_AT)
        store.add_person(person(LI, "李某"), "id-key-li", None, NOTED_AT)
        store.set_leader(
            LI, {"name": "李书记", "post": "县委政法委书记", "plan": "每周走访"}, NOTED_AT + timedelta(hours=1)
        )

    with stores.transaction() as store:
        assert [p["person_id"] for p in store.list_persons(["430426"], without_leader=True)] == [ZHANG]
        assert [p["person_id"] for p in store.list_persons(["430426"])] == [LI, ZHANG]


def test_persons_are_listed_only_from_the_places_asked_for(stores):
    with stores.transaction() as store:
        store.add_person(person(ZHANG, "张某"), "id-key-zhang", None, NOTED_AT)
        store.add_person(person(LI, "李某", division_code="430426102001"), "id-key-li", None, NOTED_AT)

    with stores.transaction() as store:
        assert [p["person_id"] for p in store.list_persons(["430426101"])] == [ZHANG]
        assert [p["person_id"] for p in store.list_persons(["430426102", "430426103"])] == [LI]
        assert store.list_persons(["430421"]) == []
        assert store.list_persons([]) == []


# --- what the platform says about each case, for the person file -------------------------------------------


def assigned_from(case_id: str, source: str, flags: list[str], at: datetime):
    message = assigned(case_id, flags).model_dump(mode="json")
    return CaseAssigned.model_validate({**message, "source": source, "occurred_at": at.isoformat()})


def went_overdue(case_id: str, number: int, unit: str, due_at: datetime):
    return CaseWentOverdue.build(
        message_id=UUID(int=number + 5000),
        occurred_at=due_at + timedelta(minutes=5),
        case_id=case_id,
        sender=CENTRE,
        recipient="plc:430426",
        referral_id=UUID(int=number),
        unit=unit,
        due_at=due_at,
    )


def test_a_case_triaged_twice_keeps_its_first_time_and_every_flag_either_gave(stores):
    with stores.transaction() as store:
        store.note_case(assigned_from(BOUNDARY_FIGHT, "petition", ["violence_risk"], NOTED_AT + timedelta(hours=2)))
        store.note_case(assigned_from(BOUNDARY_FIGHT, "walk_in", ["group", "violence_risk"], NOTED_AT))
        store.note_case(assigned_from(UNPAID_WORKERS, "walk_in", [], NOTED_AT))

    with stores.transaction() as store:
        (history,) = store.case_histories([BOUNDARY_FIGHT], [])
    assert history == {
        "case_id": BOUNDARY_FIGHT,
        "source": "petition",
        "flags": ["group", "violence_risk"],
        "assigned_at": NOTED_AT,
        "record_id": None,
        "overdue": [],
    }


def test_each_late_referral_is_kept_once_and_a_case_heard_of_only_so_still_shows(stores):
    due = NOTED_AT + timedelta(days=5)
    with stores.transaction() as store:
        store.note_case(assigned_from(BOUNDARY_FIGHT, "walk_in", [], NOTED_AT))
        for _ in range(2):
            store.note_overdue(went_overdue(BOUNDARY_FIGHT, 1, POLICE_STATION, due), due)
        store.note_overdue(went_overdue(FAMILY_THREAT, 2, POLICE_STATION, due), due)

    with stores.transaction() as store:
        histories = store.case_histories([BOUNDARY_FIGHT, FAMILY_THREAT, UNPAID_WORKERS], [])
    assert [(h["case_id"], h["assigned_at"], len(h["overdue"])) for h in histories] == [
        (BOUNDARY_FIGHT, NOTED_AT, 1),
        (FAMILY_THREAT, None, 1),
    ]
    assert histories[0]["overdue"] == [{"referral_id": UUID(int=1), "unit": POLICE_STATION, "due_at": due}]


def test_a_lead_on_file_brings_the_case_it_opened(stores):
    with stores.transaction() as store:
        store.note_lead(lead_referral(GREEN_LEAD, []), WarningColour.GREEN, NOTED_AT)
        store.note_case(assigned_from(GREEN_LEAD, "stability_lead", ["group"], NOTED_AT))

    with stores.transaction() as store:
        assert store.case_histories([], ["WW-2026-0999"]) == []
        (history,) = store.case_histories([], ["WW-2026-0100"])
    assert (history["case_id"], history["record_id"], history["flags"]) == (GREEN_LEAD, "WW-2026-0100", ["group"])
