"""The person file's colour rule (三色预警档案): thresholds at their boundaries, reasons, keys, the leader gap."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.stability.domain import WarningColour, lead_colour
from services.stability.persons import assess, facts_of_cases, missing_leader, person_keys
from shared.contracts.vocabulary import Flag

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
SECRET = b"a test key of at least thirty-two bytes!!"
RED, YELLOW, GREEN = WarningColour.RED, WarningColour.YELLOW, WarningColour.GREEN


def petition(days_ago: float) -> dict[str, Any]:
    return {"kind": "petition", "at": NOW - timedelta(days=days_ago)}


def group(size: int) -> dict[str, Any]:
    return {"kind": "group", "at": NOW - timedelta(days=200), "size": size}


def violence(criminal_risk: bool = False) -> dict[str, Any]:
    return {"kind": "violence", "at": NOW - timedelta(days=400), "criminal_risk": criminal_risk}


def codes(events: list[dict[str, Any]]) -> tuple[WarningColour, list[str]]:
    assessment = assess(events, NOW)
    return assessment.colour, [r.code for r in assessment.reasons]


def test_a_person_with_no_history_is_green_for_no_reason() -> None:
    assert codes([]) == (GREEN, [])


def test_violence_with_criminal_risk_is_red() -> None:
    assert codes([violence(criminal_risk=True)]) == (RED, ["criminal_risk"])


def test_violence_without_criminal_risk_is_yellow() -> None:
    assert codes([violence()]) == (YELLOW, ["violence"])


def test_one_petition_is_not_a_repeat_and_a_second_in_ninety_days_is() -> None:
    assert codes([petition(1)]) == (GREEN, [])
    assert codes([petition(1), petition(90)]) == (YELLOW, ["repeat_petitions"])


def test_a_petition_older_than_ninety_days_leaves_the_window() -> None:
    assert codes([petition(1), petition(90.001)]) == (GREEN, [])


def test_three_petitions_with_a_group_of_five_are_red_and_with_four_only_yellow() -> None:
    three = [petition(1), petition(30), petition(89)]

    assert codes([*three, group(5)]) == (RED, ["repeat_petitions_in_group"])
    assert codes([*three, group(4)]) == (YELLOW, ["repeat_petitions"])


def test_two_petitions_with_a_large_group_are_yellow_for_both_reasons() -> None:
    assert codes([petition(1), petition(2), group(40)]) == (YELLOW, ["repeat_petitions", "group"])


def test_a_group_of_five_alone_is_yellow_and_of_four_green() -> None:
    assert codes([group(5)]) == (YELLOW, ["group"])
    assert codes([group(4)]) == (GREEN, [])


def test_an_overdue_case_is_yellow() -> None:
    assert codes([{"kind": "overdue", "at": NOW}]) == (YELLOW, ["overdue"])


def test_every_reason_is_shown_gravest_first_with_its_colour_and_words() -> None:
    assessment = assess([violence(criminal_risk=True), {"kind": "overdue", "at": NOW}, group(7)], NOW)

    assert assessment.colour is RED
    assert [r.as_json()["colour"] for r in assessment.reasons] == ["red", "yellow", "yellow"]
    assert "民转刑" in assessment.reasons[0].text
    assert "7人" in assessment.reasons[2].text


def test_a_petition_dated_after_now_is_not_counted() -> None:
    assert codes([petition(1), petition(-1)]) == (GREEN, [])


@pytest.mark.parametrize(
    ("colour", "leader", "gap"),
    [(RED, None, True), (RED, {"name": "李书记", "post": "政法委书记", "plan": "包案"}, False), (YELLOW, None, False)],
    ids=["red without", "red with", "yellow without"],
)
def test_only_a_red_person_without_a_leader_is_a_gap(colour: WarningColour, leader: Any, gap: bool) -> None:
    assert missing_leader(colour, leader) is gap


def test_keys_match_the_same_id_number_or_name_and_mobile_and_hold_neither_in_clear() -> None:
    keys = person_keys("张 三", "43042619800101001X", "13800138000", SECRET)

    assert person_keys("张三", "43042619800101001x", None, SECRET).id_key == keys.id_key
    assert person_keys(" 张 三 ", None, "13800138000", SECRET).contact_key == keys.contact_key
    assert person_keys("李四", None, "13800138000", SECRET).contact_key != keys.contact_key
    assert keys.id_key is not None and "43042619800101001X" not in keys.id_key
    assert keys.contact_key is not None and "13800138000" not in keys.contact_key
    assert (
        person_keys("张 三", "43042619800101001X", None, b"another key of thirty-two bytes or more").id_key
        != keys.id_key
    )


def test_no_id_number_and_no_mobile_give_no_key() -> None:
    keys = person_keys("张三", None, None, SECRET)

    assert (keys.id_key, keys.contact_key) == (None, None)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        person_keys("张三", "43042619800101001X", None, b"short")


# --- a lead's colour on the register -------------------------------------------------------------


@pytest.mark.parametrize(
    ("details", "flags", "colour"),
    [
        ({"colour": "green"}, [], GREEN),
        ({"colour": "yellow"}, [], YELLOW),
        ({}, [], YELLOW),
        ({"colour": "green"}, [Flag.GROUP], YELLOW),
        ({"colour": "green"}, [Flag.HIGH_RISK], RED),
        ({"colour": "red"}, [Flag.HIGH_RISK], RED),
        ({"colour": "yellow"}, [Flag.PETITION_INVOLVED], YELLOW),
    ],
)
def test_a_lead_keeps_its_own_colour_unless_its_flags_are_graver(
    details: dict[str, object], flags: list[Flag], colour: WarningColour
) -> None:
    assert lead_colour(details, flags) is colour


# --- the history the platform gives a person through their cases --------------------------------------


def case(case_id: str, days_ago: float, source: str = "walk_in", flags: tuple[str, ...] = (), **fields: Any) -> Any:
    return {
        "case_id": case_id,
        "source": source,
        "flags": list(flags),
        "assigned_at": NOW - timedelta(days=days_ago),
        "record_id": None,
        "overdue": fields.get("overdue", []),
    }


def test_two_petition_cases_in_ninety_days_make_a_repeat_petitioner_without_an_officer_typing_anything() -> None:
    facts = facts_of_cases(
        [case("430426-20261110-00007", 24, "petition"), case("430426-20261201-00002", 3, "petition")]
    )

    assert [(f["kind"], f["case_id"]) for f in facts] == [
        ("petition", "430426-20261110-00007"),
        ("petition", "430426-20261201-00002"),
    ]
    assert codes(facts) == (YELLOW, ["repeat_petitions"])


def test_a_case_flagged_petition_involved_counts_as_a_petition_whatever_its_source() -> None:
    facts = facts_of_cases([case("430426-20261201-00002", 3, "walk_in", ("petition_involved",))])

    assert [f["kind"] for f in facts] == ["petition"]


def test_high_risk_is_violence_with_criminal_risk_and_violence_risk_violence_alone() -> None:
    assert codes(facts_of_cases([case("430426-20261201-00001", 3, flags=("high_risk", "violence_risk"))])) == (
        RED,
        ["criminal_risk"],
    )
    assert codes(facts_of_cases([case("430426-20261201-00001", 3, flags=("violence_risk",))])) == (
        YELLOW,
        ["violence"],
    )


def test_a_group_case_counts_as_a_group_of_five_so_three_petitions_in_it_are_red() -> None:
    cases = [
        case("430426-20261001-00001", 60, "petition", ("group",)),
        case("430426-20261101-00001", 30, "petition"),
        case("430426-20261201-00001", 3, "petition"),
    ]

    assert codes(facts_of_cases(cases)) == (RED, ["repeat_petitions_in_group"])


def test_each_late_unit_is_an_overdue_fact_but_a_case_counts_once() -> None:
    late = [
        {"referral_id": "r1", "unit": "police:430426101", "due_at": NOW - timedelta(days=2)},
        {"referral_id": "r2", "unit": "justice:430426101", "due_at": NOW - timedelta(days=1)},
    ]
    facts = facts_of_cases([case("430426-20261120-00004", 14, overdue=late)])

    assert [(f["kind"], f["unit"]) for f in facts] == [
        ("overdue", "police:430426101"),
        ("overdue", "justice:430426101"),
    ]
    assessment = assess(facts, NOW)
    assert assessment.colour is YELLOW
    # The service never hears a case close: "曾逾期" stays true once the late case is resolved, "逾期未结" would not.
    assert assessment.reasons[0].text == "所涉案件曾逾期 (1)"
    assert {f["detail"] for f in facts} == {"承办单位逾期"}


def test_a_case_heard_of_only_through_its_lateness_gives_that_fact_alone() -> None:
    unheard = {"case_id": "430426-20261120-00004", "source": None, "flags": [], "assigned_at": None, "overdue": []}
    unheard["overdue"] = [{"referral_id": "r1", "unit": "police:430426101", "due_at": NOW}]

    assert [f["kind"] for f in facts_of_cases([unheard])] == ["overdue"]


def test_an_officer_recording_a_petition_the_platform_already_knows_does_not_count_it_twice() -> None:
    facts = facts_of_cases([case("430426-20261201-00002", 3, "petition")])
    officer = {"kind": "petition", "case_id": "430426-20261201-00002", "at": NOW - timedelta(days=3)}

    assert codes([*facts, officer]) == (GREEN, [])
    assert codes([*facts, {**officer, "case_id": None}]) == (YELLOW, ["repeat_petitions"])
