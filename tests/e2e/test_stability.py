"""稳源 end to end: every lead the committee feeds enters the risk register in its own colour, a green one without
flags too, and a red (high-risk) lead gets the committee the fast track's shorter term at the centre."""

import time
import uuid

import pytest

pytestmark = pytest.mark.e2e

STABILITY = "stability"
PLC_OFFICER = "demo.plc"
PLC = "plc:430426"


def lead(record_id: str, colour: str, parties: tuple[str, str]) -> dict:
    """A lead with no flags of its own; each test's own parties, or intake would link it to another's case."""
    applicant, respondent = parties
    return {
        "record_id": record_id,
        "category": "land",
        "division_code": "430426101203",
        "summary": "两村因山林界址争议多次协商未果，暂无激化迹象。",
        "parties": [
            {"role": "applicant", "kind": "organisation", "name": applicant},
            {"role": "respondent", "kind": "organisation", "name": respondent},
        ],
        "details": {"colour": colour},
    }


def feed(client, record: dict) -> str:
    """Feed a lead as the committee's officer; the case it opened, as the committee learns it from its referral."""
    fed = client.call("POST", STABILITY, "/api/v1/records", record, as_user=PLC_OFFICER, expect=(202,))
    assert fed["first_time"] is True
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        referrals = client.call("GET", STABILITY, "/api/v1/referrals", as_user=PLC_OFFICER)["referrals"]
        found = [r for r in referrals if r.get("source_record_id") == record["record_id"]]
        if found:
            return str(found[0]["case_id"])
        time.sleep(0.1)
    raise TimeoutError(f"lead {record['record_id']} not referred to the committee in 30s")


def wait_for_register(client, case_id: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        register = client.call("GET", STABILITY, "/api/v1/risk-register", as_user=PLC_OFFICER)["cases"]
        found = [entry for entry in register if entry["case_id"] == case_id]
        if found:
            return dict(found[0])
        time.sleep(0.1)
    raise TimeoutError(f"case {case_id} not in the risk register in {timeout}s")


def test_a_green_lead_with_no_flags_enters_the_register_green(client):
    record_id = f"WW-E2E-{uuid.uuid4().hex[:8]}"

    case_id = feed(client, lead(record_id, "green", ("青山村村民委员会", "绿水村村民委员会")))

    entry = wait_for_register(client, case_id)
    assert (entry["colour"], entry["flags"], entry["record_id"]) == ("green", [], record_id)
    assert entry["lead_unit"] == PLC


def test_a_high_risk_lead_gets_the_committee_the_shorter_term(client):
    red_id, yellow_id = f"WW-E2E-{uuid.uuid4().hex[:8]}", f"WW-E2E-{uuid.uuid4().hex[:8]}"

    red_case = feed(client, lead(red_id, "red", ("东岭村村民委员会", "西岭村村民委员会")))
    yellow_case = feed(client, lead(yellow_id, "yellow", ("南塘村村民委员会", "北塘村村民委员会")))

    red = client.wait_for_status(red_case, "assigned")
    yellow = client.wait_for_status(yellow_case, "assigned")
    (red_referral,) = [r for r in red["referrals"] if r["unit"] == PLC]
    (yellow_referral,) = [r for r in yellow["referrals"] if r["unit"] == PLC]
    assert red["flags"] == ["high_risk"]
    assert (red_referral["role"], red_referral["term"]) == ("lead", {"days": 3, "counting": "working"})
    assert yellow_referral["term"] == {"days": 5, "counting": "working"}
    assert red_referral["due_at"] < yellow_referral["due_at"]
    assert wait_for_register(client, red_case)["colour"] == "red"
    assert wait_for_register(client, yellow_case)["colour"] == "yellow"


def dispute(category: str, flags: list[str], respondent: str) -> dict:
    return {
        "source": "walk_in",
        "category": category,
        "division_code": "430426101203",
        "summary": "申请人多次到县里反映同一纠纷，情绪激动。",
        "flags": flags,
        "parties": [
            {"role": "applicant", "name": "罗满堂", "phone": "13700001111"},
            {"role": "respondent", "name": respondent},
        ],
    }


def test_a_persons_colour_follows_the_cases_on_their_file_without_an_officer_recording_anything(client):
    first = client.register(dispute("neighbour", ["petition_involved"], f"邻居{uuid.uuid4().hex[:6]}"))["case_id"]
    second = client.register(dispute("land", ["petition_involved", "violence_risk"], f"村组{uuid.uuid4().hex[:6]}"))
    client.wait_for_status(first, "assigned")
    client.wait_for_status(second["case_id"], "assigned")
    person = {"name": "罗满堂", "division_code": "430426101203", "case_ids": [first, second["case_id"]]}

    person_id = client.call("POST", STABILITY, "/api/v1/persons", person, as_user=PLC_OFFICER, expect=(201,))[
        "person_id"
    ]

    deadline = time.monotonic() + 30
    shown: dict = {}
    while time.monotonic() < deadline:
        shown = client.call("GET", STABILITY, f"/api/v1/persons/{person_id}", as_user=PLC_OFFICER)
        if len(shown["case_facts"]) == 3:
            break
        time.sleep(0.1)
    assert shown["events"] == []
    assert sorted((f["kind"], f["case_id"]) for f in shown["case_facts"]) == sorted(
        [("petition", first), ("petition", second["case_id"]), ("violence", second["case_id"])]
    )
    assert (shown["colour"], [r["code"] for r in shown["reasons"]]) == ("yellow", ["violence", "repeat_petitions"])


def test_a_group_dispute_closed_after_the_citizen_s_rating_shows_closed_on_the_register(client):
    case_id = client.register(dispute("wages", ["group"], f"劳务公司{uuid.uuid4().hex[:6]}"))["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    assert any(referral["unit"] == PLC for referral in case["referrals"])  # a group brings the committee in
    assert wait_for_register(client, case_id)["status"] == "open"

    for referral in case["referrals"]:
        client.settle(referral["unit"], referral["referral_id"], "欠薪已分期支付，工人代表签字确认")
    client.wait_for_status(case_id, "resolved")
    client.wait_for_follow_up(case_id)
    client.rate(case_id, "satisfied")
    client.wait_for_status(case_id, "closed")

    deadline = time.monotonic() + 30
    entry = wait_for_register(client, case_id)
    while entry["status"] != "closed" and time.monotonic() < deadline:
        time.sleep(0.1)
        entry = wait_for_register(client, case_id)
    assert (entry["status"], entry["closed_rating"]) == ("closed", "satisfied")
    closed = client.call("GET", STABILITY, "/api/v1/risk-register?status=closed&colour=yellow", as_user=PLC_OFFICER)
    assert case_id in [listed["case_id"] for listed in closed["cases"]]
