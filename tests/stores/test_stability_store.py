"""Stability's store enters each risky case in the register once and lists it beside the referrals it received."""

from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from services.stability.domain import WarningColour
from services.stability.store import PostgresStabilityStore
from shared.contracts.messages import CaseAssigned
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


def test_a_case_is_entered_once_and_keeps_the_colour_it_was_first_noted_with(stores):
    note(stores, BOUNDARY_FIGHT, ["violence_risk"], WarningColour.YELLOW, NOTED_AT)

    note(stores, BOUNDARY_FIGHT, ["high_risk"], WarningColour.RED, NOTED_AT + timedelta(days=1))

    with stores.transaction() as store:
        (entry,) = store.risk_register(10)
    assert (entry["colour"], entry["flags"], entry["noted_at"]) == ("yellow", ["violence_risk"], NOTED_AT)


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
        },
        {
            "case_id": FAMILY_THREAT,
            "colour": "red",
            "flags": ["high_risk"],
            "category": "family",
            "division_code": "430426101203",
            "lead_unit": POLICE_STATION,
            "noted_at": NOTED_AT + timedelta(hours=1),
        },
        {
            "case_id": BOUNDARY_FIGHT,
            "colour": "yellow",
            "flags": ["violence_risk"],
            "category": "neighbour",
            "division_code": "430426101203",
            "lead_unit": POLICE_STATION,
            "noted_at": NOTED_AT,
        },
    ]
    assert all(entry["noted_at"].utcoffset() is not None for entry in register)


def test_the_register_lists_at_most_the_limit(stores):
    for hour, case_id in enumerate([BOUNDARY_FIGHT, UNPAID_WORKERS, FAMILY_THREAT]):
        note(stores, case_id, ["violence_risk"], WarningColour.YELLOW, NOTED_AT + timedelta(hours=hour))

    with stores.transaction() as store:
        assert [entry["case_id"] for entry in store.risk_register(2)] == [FAMILY_THREAT, UNPAID_WORKERS]
        assert store.risk_register(0) == []


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
