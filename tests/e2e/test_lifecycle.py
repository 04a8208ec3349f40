"""A joint case from the window to closed: intake → coordinator → lead and co-unit → resolved → rated → closed."""

import pytest

pytestmark = pytest.mark.e2e

TRAFFIC_DISPUTE = {
    "source": "walk_in",
    "category": "traffic",
    "division_code": "430426101203",
    "summary": "电动车与货车在村口剐蹭，双方就赔偿金额争执不下",
    "parties": [
        {"role": "applicant", "name": "王五", "id_number": "11010519491231002X", "phone": "13800138000"},
        {"role": "respondent", "name": "赵六", "phone": "13912345678"},
    ],
}


def test_joint_case_goes_from_registration_to_closed(client):
    registered = client.register(TRAFFIC_DISPUTE)
    case_id = registered["case_id"]
    assert registered["linked"] is False

    case = client.wait_for_status(case_id, "assigned")
    assert case["mode"] == "joint"
    assert case["lead_unit"] == "police:430426101"
    assert case["co_units"] == ["court:430426"]

    for referral in case["referrals"]:
        client.settle(referral["unit"], referral["referral_id"], "双方达成赔偿协议")

    resolved = client.wait_for_status(case_id, "resolved")
    assert {r["status"] for r in resolved["referrals"]} == {"reported"}

    client.wait_for_follow_up(case_id)
    client.rate(case_id, "satisfied")
    closed = client.wait_for_status(case_id, "closed")

    assert closed["rating"] == "satisfied"
    kinds = [entry["kind"] for entry in closed["timeline"]]
    assert kinds[0] == "case_triaged" and kinds[-1] == "case_closed"
    assert kinds.count("result_reported") == 2
    assert [entry["seq"] for entry in closed["timeline"]] == list(range(1, len(kinds) + 1))
