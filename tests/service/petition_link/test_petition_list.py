"""The bureau's officers list their petitions, what is due first, to work the 15-day and 60-day terms by."""

from datetime import datetime

import pytest

from shared.auth.principal import Principal, Role
from shared.http import BadInput
from tests.service.petition_link.conftest import BEIJING

COUNTY_OFFICER = Principal("xu.jing", "许静", frozenset({Role.OFFICER}), frozenset({"petition:430426"}))
NEIGHBOURING_BUREAU = Principal("he.li", "何莉", frozenset({Role.OFFICER}), frozenset({"petition:430405"}))
POLICE_OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))


def petition(number: str, received_on: str, division_code: str = "430426105") -> dict:
    return {
        "number": number,
        "received_on": received_on,
        "form": "letter",
        "petitioners": [{"name": "邓小勇", "phone": "13786543210"}],
        "category": "wages",
        "division_code": division_code,
        "summary": "来信反映某建筑公司拖欠工资。",
        "respondents": [{"kind": "organisation", "name": "祁东县某建筑有限公司"}],
    }


def at(clock, day: str) -> None:
    clock.at = datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=BEIJING)


@pytest.fixture
def worked(bureau, http, clock) -> None:
    """On 20 November: one petition undecided past its 15 days, one accepted and due in January, one replied to,
    and one waiting for its decision until 25 November."""
    at(clock, "2026-11-01")
    bureau.register_petition(http.post(petition("XF430426-2026-0301", "2026-11-01")))
    at(clock, "2026-11-02")
    bureau.register_petition(http.post(petition("XF430426-2026-0302", "2026-11-02")))
    bureau.register_petition(http.post(petition("XF430426-2026-0303", "2026-11-02")))
    at(clock, "2026-11-05")
    for number in ("XF430426-2026-0302", "XF430426-2026-0303"):
        bureau.decide_acceptance(http.post({"accepted": True, "reason": "予以受理。"}), number)
    bureau.reply(http.post({"result": "handled", "summary": "已答复。"}), "XF430426-2026-0303")
    at(clock, "2026-11-10")
    bureau.register_petition(http.post(petition("XF430426-2026-0310", "2026-11-10")))
    at(clock, "2026-11-20")


def numbers(listing: dict) -> list[str]:
    return [row["number"] for row in listing["petitions"]]


def test_an_officer_lists_their_petitions_what_is_due_first_each_with_its_term_and_the_total(bureau, http, worked):
    listing = http.body(bureau.list_petitions(http.get()))

    assert listing["petitions"] == [
        {
            "number": "XF430426-2026-0301",
            "status": "registered",
            "received_on": "2026-11-01",
            "form": "letter",
            "group_size": 1,
            "category": "wages",
            "division_code": "430426105",
            "term": "acceptance",
            "due_on": "2026-11-16",
            "overdue": True,
        },
        {**listing["petitions"][1], "number": "XF430426-2026-0310", "term": "acceptance", "due_on": "2026-11-25"},
        {**listing["petitions"][2], "number": "XF430426-2026-0302", "term": "handling", "due_on": "2027-01-04"},
        {**listing["petitions"][3], "number": "XF430426-2026-0303", "term": None, "due_on": None},
    ]
    assert [row["overdue"] for row in listing["petitions"]] == [True, False, False, False]
    assert (listing["total"], listing["as_of"]) == (4, "2026-11-20")


def test_the_overdue_alone_or_one_status_are_listed_and_a_page_says_how_many_there_are(bureau, http, worked):
    overdue = http.body(bureau.list_petitions(http.get({"overdue": "true"})))
    accepted = http.body(bureau.list_petitions(http.get({"status": "accepted"})))
    page = http.body(bureau.list_petitions(http.get({"limit": "2", "offset": "1"})))
    by_receipt = http.body(bureau.list_petitions(http.get({"order": "received"})))

    assert (numbers(overdue), overdue["total"]) == (["XF430426-2026-0301"], 1)
    assert numbers(accepted) == ["XF430426-2026-0302"]
    assert (numbers(page), page["total"]) == (["XF430426-2026-0310", "XF430426-2026-0302"], 4)
    assert numbers(by_receipt)[0] == "XF430426-2026-0310"


def test_the_list_follows_the_clock_a_petition_falls_overdue_the_day_after_its_term_ends(bureau, http, worked, clock):
    at(clock, "2026-11-25")
    assert numbers(http.body(bureau.list_petitions(http.get({"overdue": "true"})))) == ["XF430426-2026-0301"]

    at(clock, "2026-11-26")
    assert numbers(http.body(bureau.list_petitions(http.get({"overdue": "true"})))) == [
        "XF430426-2026-0301",
        "XF430426-2026-0310",
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"overdue": "perhaps"}, "overdue"),
        ({"order": "alphabetical"}, "order"),
        ({"limit": "501"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "100001"}, "offset"),
        ({"page": "2"}, "page"),
    ],
)
def test_a_query_out_of_bounds_or_unknown_is_a_400_naming_the_parameter(bureau, http, query, field):
    with pytest.raises(BadInput) as refused:
        bureau.list_petitions(http.get(query))

    assert [f["field"] for f in refused.value.fields] == [field]


def test_an_officer_lists_only_the_petitions_of_their_own_units_and_those_under_them(bureau, http, worked):
    bureau.caller = NEIGHBOURING_BUREAU
    theirs = http.body(bureau.list_petitions(http.get()))
    with pytest.raises(BadInput) as refused:  # a petition of their own county is not this platform's to keep
        bureau.register_petition(http.post(petition("XF430405-2026-0001", "2026-11-20", "430405101")))
    bureau.caller = COUNTY_OFFICER
    ours = http.body(bureau.list_petitions(http.get()))

    assert (numbers(theirs), theirs["total"]) == ([], 0)
    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("division_code", "not_in_county")]
    assert ours["total"] == 4
