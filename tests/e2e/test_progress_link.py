"""办理进度查询 end to end: a case filed at the window, its receipt's progress link, and the citizen's public answer
moving from registered to being handled once triage has placed it, with nothing personal in it."""

import time

import pytest
import requests

pytestmark = pytest.mark.e2e

NEIGHBOUR_DISPUTE = {
    "source": "walk_in",
    "category": "neighbour",
    "division_code": "430426101203",
    "summary": "邻居翻修房屋占用共用通道，多次协商未果",
    "parties": [
        {"role": "applicant", "name": "张秀英", "id_number": "11010519491231002X", "phone": "13800138000"},
        {"role": "respondent", "name": "李建国", "phone": "13912345678"},
    ],
}


def test_the_receipts_link_shows_the_case_being_handled(client):
    case_id = client.register(NEIGHBOUR_DISPUTE)["case_id"]
    link = client.call("GET", "supervision", f"/api/v1/cases/{case_id}/progress-link")
    token = link["url"].rsplit("/track/", 1)[1]
    public = client.url("supervision", f"/api/v1/progress/{token}")

    deadline, answer = time.monotonic() + 30, {}
    while time.monotonic() < deadline:
        response = requests.get(public, timeout=10)  # no token: the link is the credential
        assert response.status_code == 200, response.text[:300]
        answer = response.json()
        assert answer["status"] in ("awaiting_unit", "handling")
        if answer["status"] == "handling" and answer["lead_unit"]:
            break
        time.sleep(0.5)

    assert answer["status"] == "handling" and answer["case_id"] == case_id and answer["category"] == "neighbour"
    assert answer["due_at"] is not None
    text = response.text
    assert not any(secret in text for secret in ("张秀英", "李建国", "13800138000", "11010519491231002X", "通道"))
    forged = requests.get(public[: -len(token)] + token[:-4] + "AAAA", timeout=10)
    assert forged.status_code == 403 and case_id not in forged.text
