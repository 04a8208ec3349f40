"""Re-routing as staff and officers live it: declines pass the lead on, manual triage, reopening, refused results."""

import psycopg
import pytest

from shared.contracts.identifiers import resident_id_check_char

pytestmark = pytest.mark.e2e

# A neighbour dispute in 城关镇 (township 430426101): people's mediation leads, then the police
# station, then the county court (config/routing.toml, the `neighbour` single-unit rule).
TOWNSHIP_JUSTICE = "justice:430426101"
TOWNSHIP_POLICE = "police:430426101"
COUNTY_COURT = "court:430426"
COUNTY_PETITION = "petition:430426"
COUNTY_JUSTICE_BUREAU = "justice:430426"


def resident_id(birth: str, serial: int) -> str:
    """A valid ID number of someone born in the county on `birth` (YYYYMMDD)."""
    first_17 = f"430426{birth}{serial:03d}"
    return first_17 + resident_id_check_char(first_17)


def dispute(category: str, summary: str, applicant: str, birth: str, respondent: str, phone: str) -> dict:
    return {
        "source": "walk_in",
        "category": category,
        "division_code": "430426101205",
        "summary": summary,
        "parties": [
            {"role": "applicant", "name": applicant, "id_number": resident_id(birth, 101), "phone": phone},
            {"role": "respondent", "name": respondent},
        ],
    }


def open_lead(case: dict) -> dict:
    (lead,) = [
        r
        for r in case["referrals"]
        if r["role"] == "lead" and r["round"] == case["round"] and r["status"] in ("issued", "accepted")
    ]
    return lead


def entries(case: dict, kind: str) -> list[dict]:
    return [entry["detail"] for entry in case["timeline"] if entry["kind"] == kind]


def decline(client, referral: dict, reason: str) -> None:
    """Declined by the working officer of the referral's agency: the timeline names that account."""
    client.wait_for_referral(referral["unit"], referral["referral_id"])
    client.act(referral["unit"], referral["referral_id"], "decline", {"reason": reason})


def close_after_follow_up(client, case_id: str, rating: str = "satisfied") -> dict:
    """The round resolves, supervision opens the follow-up visit, and the citizen's rating closes the case."""
    client.wait_for_status(case_id, "resolved")
    client.wait_for_follow_up(case_id)
    client.rate(case_id, rating)
    return client.wait_for_status(case_id, "closed")


def test_declined_lead_goes_to_the_next_competent_unit_and_never_back(client):
    case_id = client.register(
        dispute("neighbour", "两户因界墙加高遮挡采光发生争吵", "李春花", "19680312", "张大山", "13807450001")
    )["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    assert (case["mode"], case["lead_unit"], case["co_units"]) == ("single_unit", TOWNSHIP_JUSTICE, [])
    first = open_lead(case)

    decline(client, first, "双方已报警，涉及治安处罚，不属于人民调解范围")
    case = client.wait_for(case_id, lambda c: c["lead_unit"] == TOWNSHIP_POLICE, what="the police station to lead")

    assert case["status"] == "assigned"
    (declined,) = entries(case, "referral_declined")
    assert declined["unit"] == TOWNSHIP_JUSTICE
    assert declined["officer"] == "demo.justice"  # the signed-in officer, never a typed name
    assert declined["reason"] == "双方已报警，涉及治安处罚，不属于人民调解范围"
    assert entries(case, "referral_issued")[-1]["replaces"] == first["referral_id"]
    assert [(r["unit"], r["role"], r["status"]) for r in case["referrals"]] == [
        (TOWNSHIP_JUSTICE, "lead", "declined"),
        (TOWNSHIP_POLICE, "lead", "issued"),
    ]
    assert client.referral(TOWNSHIP_JUSTICE, first["referral_id"])["status"] == "declined"

    decline(client, open_lead(case), "无违法行为，属民事纠纷")
    case = client.wait_for(case_id, lambda c: c["lead_unit"] == COUNTY_COURT, what="the court to lead")

    # The justice office that declined first is not asked again, though it heads the fall-backs.
    assert [r["unit"] for r in case["referrals"]] == [TOWNSHIP_JUSTICE, TOWNSHIP_POLICE, COUNTY_COURT]
    assert [d["unit"] for d in entries(case, "referral_declined")] == [TOWNSHIP_JUSTICE, TOWNSHIP_POLICE]


def test_when_every_competent_unit_declines_staff_assign_by_hand_and_the_case_closes(client):
    case_id = client.register(
        dispute("neighbour", "楼上漏水浸坏楼下天花板，赔偿谈不拢", "陈秀英", "19750620", "黄志强", "13807450002")
    )["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    for unit in (TOWNSHIP_JUSTICE, TOWNSHIP_POLICE, COUNTY_COURT):
        assert case["lead_unit"] == unit
        lead = open_lead(case)
        decline(client, lead, "不属于本单位职责")
        case = client.wait_for(
            case_id,
            lambda c, rid=lead["referral_id"]: any(
                r["referral_id"] == rid and r["status"] == "declined" for r in c["referrals"]
            ),
            what=f"{unit} declined",
        )

    case = client.wait_for_status(case_id, "awaiting_manual_triage")
    (gap,) = entries(case, "manual_triage_needed")
    assert gap["role"] == "lead"
    assert COUNTY_COURT in gap["reason"] and "no fall-back lead is left" in gap["reason"]
    waiting = client.call("GET", "coordinator", "/api/v1/cases?status=awaiting_manual_triage")["cases"]
    assert case_id in {c["case_id"] for c in waiting}

    assigned = client.assign(case_id, COUNTY_JUSTICE_BUREAU)
    assert assigned["status"] == "assigned"
    assert assigned["lead_unit"] == COUNTY_JUSTICE_BUREAU
    (by_hand,) = entries(assigned, "manually_assigned")
    assert (by_hand["unit"], by_hand["role"], by_hand["staff"]) == (COUNTY_JUSTICE_BUREAU, "lead", "demo.coordinator")
    new_lead = open_lead(assigned)
    assert new_lead["unit"] == COUNTY_JUSTICE_BUREAU and new_lead["status"] == "issued"

    client.settle(new_lead["unit"], new_lead["referral_id"], "物业出面维修，楼上赔偿八百元")
    closed = close_after_follow_up(client, case_id)

    assert closed["rating"] == "satisfied"
    assert closed["lead_unit"] == COUNTY_JUSTICE_BUREAU
    assert [r["status"] for r in closed["referrals"]] == ["declined", "declined", "declined", "reported"]


def test_a_dissatisfied_citizen_sends_the_case_back_to_the_same_lead_only(client):
    wages = dispute(
        "wages", "装修队拖欠三名工人两个月工资共一万八千元", "刘建国", "19820105", "湘南装饰工程队", "13807450003"
    )
    wages["parties"][1]["kind"] = "organisation"
    case_id = client.register(wages)["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    assert (case["mode"], case["lead_unit"], case["co_units"]) == ("joint", TOWNSHIP_JUSTICE, [COUNTY_PETITION])
    for referral in case["referrals"]:
        client.settle(referral["unit"], referral["referral_id"], "包工头承诺月底前结清")
    client.wait_for_status(case_id, "resolved")
    client.wait_for_follow_up(case_id)

    answer = client.rate(case_id, "dissatisfied", comment="工资只付了一半")
    assert answer["case_will"] == "reopen"
    reopened = client.wait_for(case_id, lambda c: c["round"] == 2, what="round 2")

    assert reopened["status"] == "in_progress"
    assert entries(reopened, "case_reopened") == [
        {
            "cause": "dissatisfied",
            "rating": "dissatisfied",
            "comment": "工资只付了一半",
            "rated_by": "demo.supervisor",  # the signed-in supervisor who entered it
            "round": 2,
        }
    ]
    round_two = [r for r in reopened["referrals"] if r["round"] == 2]
    assert [(r["unit"], r["role"], r["status"]) for r in round_two] == [(TOWNSHIP_JUSTICE, "lead", "issued")]

    client.settle(round_two[0]["unit"], round_two[0]["referral_id"], "工程队已补发剩余九千元，工人签字确认")
    closed = close_after_follow_up(client, case_id, "basically_satisfied")

    assert closed["rating"] == "basically_satisfied"
    assert len(closed["referrals"]) == 3
    assert [e["round"] for e in entries(closed, "case_resolved")] == [1, 2]


def test_a_closed_case_reported_again_goes_back_to_the_same_lead(client):
    hedge = dispute("neighbour", "邻居种的竹子越界挡住采光", "罗桂英", "19700312", "罗永福", "13807450004")
    case_id = client.register(hedge)["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    assert (case["mode"], case["lead_unit"]) == ("single_unit", TOWNSHIP_JUSTICE)
    client.settle(case["referrals"][0]["unit"], case["referrals"][0]["referral_id"], "双方同意砍除越界竹子")
    close_after_follow_up(client, case_id)

    # A week later the bamboo is back and so is the applicant: the dispute was not over.
    again = client.register({**hedge, "source": "hotline", "summary": "竹子又长过来了，邻居不肯处理"})
    assert (again["case_id"], again["linked"]) == (case_id, True)
    reopened = client.wait_for(case_id, lambda c: c["round"] == 2, what="round 2")

    assert reopened["status"] == "in_progress"
    assert entries(reopened, "case_reopened") == [{"cause": "repeat_report", "round": 2}]
    [repeat] = entries(reopened, "repeat_linked")
    assert repeat["summary"] == "竹子又长过来了，邻居不肯处理"  # what was said this time is on the case
    round_two = [r for r in reopened["referrals"] if r["round"] == 2]
    assert [(r["unit"], r["role"], r["status"]) for r in round_two] == [(TOWNSHIP_JUSTICE, "lead", "issued")]
    # and the unit taking it up again reads it with its referral.
    referral_path = f"/api/v1/cases/{case_id}/referrals/{round_two[0]['referral_id']}"
    at_the_centre = client.call("GET", "coordinator", referral_path, as_user="demo.justice")
    assert at_the_centre["issued_because"]["comment"] == "竹子又长过来了，邻居不肯处理"
    client.settle(round_two[0]["unit"], round_two[0]["referral_id"], "竹子连根挖除，双方签订协议")
    assert close_after_follow_up(client, case_id)["repeat_reports"] == 1


def test_a_result_before_acceptance_is_refused_and_changes_nothing(client, platform):
    case_id = client.register(
        dispute("neighbour", "鸡鸭散养啄食邻居菜地", "周桂兰", "19590909", "吴老三", "13807450004")
    )["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    lead = open_lead(case)
    before = client.wait_for_referral(lead["unit"], lead["referral_id"])

    refused = client.call(
        "POST",
        "justice_link",
        f"/api/v1/referrals/{lead['referral_id']}/result",
        {"outcome": "resolved", "summary": "已调解"},
        expect=(409,),
    )

    assert refused["error"] == "conflict"
    assert lead["referral_id"] in refused["message"]
    assert "only an accepted referral can report a result" in refused["message"]
    after = client.referral(lead["unit"], lead["referral_id"])
    assert after == before
    assert [entry["kind"] for entry in after["log"]] == ["received"]
    with psycopg.connect(platform.database_url("justice_link")) as conn:
        queued = conn.execute("SELECT count(*) FROM outbox WHERE case_id = %s", (case_id,)).fetchone()[0]
    assert queued == 0, "nothing may be sent to the coordinator for a refused result"
    assert client.case(case_id)["timeline"] == case["timeline"]

    # The officer can still do it properly.
    client.settle(lead["unit"], lead["referral_id"], "划定散养范围，赔偿菜苗两百元")
    resolved = client.wait_for_status(case_id, "resolved")
    assert [r["status"] for r in resolved["referrals"]] == ["reported"]
