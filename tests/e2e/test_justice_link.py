"""调源 end to end: a neighbours' dispute referred to 砖塘镇's justice office is assigned to its village committee's
mediator, a session is recorded, the agreement is reported, and the mediation figures count it."""

from datetime import datetime

import pytest

from shared.workdays import CHINA_TZ

pytestmark = pytest.mark.e2e

JUSTICE = "justice_link"
OFFICE = "justice:430426101"  # 砖塘镇司法所
OFFICER = "demo.justice"

NEIGHBOURS = {
    "source": "walk_in",
    "category": "neighbour",
    "division_code": "430426101203",  # 砖塘镇新塘村
    "summary": "两户因屋后排水沟堵塞互相指责，多次争吵，申请调解。",
    "parties": [
        {"role": "applicant", "name": "邓桂香", "phone": "13975461234"},
        {"role": "respondent", "name": "罗德胜"},
    ],
}


def today() -> str:
    return datetime.now(CHINA_TZ).date().isoformat()


def test_a_neighbours_dispute_is_mediated_by_the_village_committee_and_counted(client):
    case_id = client.register(NEIGHBOURS)["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    assert case["lead_unit"] == OFFICE
    [referral] = [r for r in case["referrals"] if r["unit"] == OFFICE]
    rid = referral["referral_id"]
    client.wait_for_referral(OFFICE, rid)
    path = f"/api/v1/referrals/{rid}/mediation"

    proposed = client.call("GET", JUSTICE, path, as_user=OFFICER)["proposal"]
    assert (proposed["organisation"], proposed["mediator"]) == ("zt-xintang", "zt-xintang-01")

    client.act(OFFICE, rid, "accept", {})
    assigned = client.call("POST", JUSTICE, path, {"organisation": "zt-xintang", "mediator": "zt-xintang-01"})
    assert assigned["assignment"]["as_proposed"] is True
    session = {"held_on": today(), "attendees": ["邓桂香", "罗德胜"], "note": "现场查看排水沟，双方同意共同清淤。"}
    client.call("POST", JUSTICE, f"{path}/sessions", session, expect=(201,), as_user=OFFICER)
    agreement = {
        "number": "砖新调〔2026〕第3号",
        "signed_on": today(),
        "terms": "双方于三日内共同清理排水沟，互不追究。",
    }
    client.act(OFFICE, rid, "result", {"result": "mediated", "agreement": agreement, "summary": "调解成功"})

    shown = client.call("GET", JUSTICE, path, as_user=OFFICER)
    assert (shown["result"], shown["agreement"]["terms"], len(shown["sessions"])) == (
        "mediated",
        agreement["terms"],
        1,
    )
    assert client.wait_for_status(case_id, "resolved")["result"] == "mediated"

    figures = client.call("GET", JUSTICE, f"/api/v1/mediation/figures?from={today()}&to={today()}", as_user=OFFICER)
    [chen] = [m for m in figures["mediators"] if m["mediator"] == "zt-xintang-01"]
    assert chen["mediated"] >= 1 and chen["sessions"] >= 1 and chen["name"] == "陈国平"
    [village] = [o for o in figures["organisations"] if o["organisation"] == "zt-xintang"]
    assert village["success_rate"] == 1.0
