"""回访抽查 and 高频线索预警 through the real services: a spot check reopens a closed case; the third report by
one person alerts supervision and the political-legal committee."""

import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from shared.contracts.identifiers import resident_id_check_char
from shared.workdays import CHINA_TZ

pytestmark = pytest.mark.e2e


def resident_id(birth: str) -> str:
    """A valid ID number of someone born in the county on `birth`, new to this run."""
    first_17 = f"430426{birth}{secrets.randbelow(1000):03d}"
    return first_17 + resident_id_check_char(first_17)


def poll(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found is not None:
            return found
        time.sleep(0.2)
    raise TimeoutError(f"{what}: not seen in {timeout}s")


def wages_claim(applicant: dict, respondent: str) -> dict:
    return {
        "source": "walk_in",
        "category": "wages",
        "division_code": "430426101203",
        "summary": f"{respondent}拖欠工资，多次讨要未果",
        "parties": [{"role": "applicant", **applicant}, {"role": "respondent", "name": respondent}],
    }


def test_three_reports_by_one_person_alert_supervision_and_the_committee(client):
    id_number = resident_id("19800512")
    applicant = {"name": "石满仓", "id_number": id_number, "phone": "13807452288"}
    cases = [client.register(wages_claim(applicant, name))["case_id"] for name in ("包工头甲", "包工头乙", "包工头丙")]

    def alert_in(service: str) -> dict | None:
        alerts = client.call("GET", service, "/api/v1/alerts")["alerts"]
        return next((a for a in alerts if a["case_ids"] == cases), None)

    alert = poll(lambda: alert_in("supervision"), what="the alert at supervision")
    assert (alert["kind"], alert["count"], alert["threshold"], alert["masked_name"]) == (
        "repeated_applicant",
        3,
        3,
        "石**",
    )
    copy = poll(lambda: alert_in("stability"), what="the alert at the committee")
    assert copy["alert_id"] == alert["alert_id"] and copy["person_ref"] == alert["person_ref"]
    assert id_number not in str(alert) + str(copy) and "石满仓" not in str(alert) + str(copy)

    handled = client.call(
        "POST", "supervision", f"/api/v1/alerts/{alert['alert_id']}/handled", {"note": "已约谈，移交劳动监察"}
    )
    assert (handled["handled"], handled["handled_by"]) == (True, client.user_for("supervision"))


def test_a_dissatisfied_spot_check_reopens_a_closed_case(client):
    claim = wages_claim({"name": "龙秀英", "phone": "13807453377"}, "某砖厂")
    case_id = client.register(claim)["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    for referral in case["referrals"]:
        client.settle(referral["unit"], referral["referral_id"], "砖厂结清工资")
    client.wait_for_status(case_id, "resolved")
    client.wait_for_follow_up(case_id)
    client.rate(case_id, "satisfied")
    client.wait_for_status(case_id, "closed")

    today = datetime.now(CHINA_TZ).date().isoformat()

    def drawn() -> bool | None:
        # Each draw leaves out the cases drawn before, so drawing again reaches this case in the end.
        checks = client.call("GET", "supervision", "/api/v1/spot-checks")["spot_checks"]
        if any(c["case_id"] == case_id for c in checks):
            return True
        client.call("POST", "supervision", "/api/v1/spot-checks/draw", {"from": today, "to": today})
        return None

    poll(drawn, what="the closed case to be drawn for a spot check")
    found = client.call(
        "POST",
        "supervision",
        f"/api/v1/spot-checks/{case_id}/finding",
        {"rating": "dissatisfied", "comment": "仍欠两月工资"},
    )
    assert found["case_will"] == "reopen"

    reopened = client.wait_for(case_id, lambda c: c["status"] != "closed" and c["round"] == 2, what="the reopen")
    [entry] = [e["detail"] for e in reopened["timeline"] if e["kind"] == "case_reopened"]
    assert (entry["cause"], entry["rated_by"]) == ("spot_check", client.user_for("supervision"))
    summary = client.call("GET", "supervision", f"/api/v1/spot-checks/summary?from={today}&to={today}")
    assert summary["findings"]["dissatisfied"] >= 1 and summary["reopened"] >= 1
