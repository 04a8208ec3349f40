"""A retried registration through the running intake: one case, one message to the coordinator, the first answer."""

import uuid

import psycopg
import pytest

from shared.persistence.idempotency import KEY_HEADER

pytestmark = pytest.mark.e2e

BOUNDARY_STONE = {
    "source": "walk_in",
    "category": "land",
    "division_code": "430426103004",
    "summary": "两户为宅基地界石位置争执，要求重新划界",
    "parties": [
        {"role": "applicant", "name": "邓春花", "phone": "13807452001"},
        {"role": "respondent", "name": "邓秋生", "phone": "13807452002"},
    ],
}


def post(client, body: dict, key: str):
    headers = {**client.headers_for(client.user_for("intake")), KEY_HEADER: key}
    return client.http.post(client.url("intake", "/api/v1/disputes"), json=body, headers=headers, timeout=30)


def rows(platform, sql: str, case_id: str) -> int:
    with psycopg.connect(platform.database_url("intake")) as conn:
        found = conn.execute(sql, (case_id,)).fetchone()
    assert found is not None
    return int(found[0])


def test_a_registration_sent_twice_with_one_key_is_one_case_told_to_the_coordinator_once(client, platform):
    key = str(uuid.uuid4())

    first = post(client, BOUNDARY_STONE, key)
    again = post(client, BOUNDARY_STONE, key)

    assert (first.status_code, again.status_code) == (201, 201)
    answer = first.json()
    assert again.json() == answer == {"case_id": answer["case_id"], "linked": False, "report_id": answer["report_id"]}
    assert again.headers["Idempotent-Replayed"] == "true"
    case_id = first.json()["case_id"]
    assert rows(platform, "SELECT count(*) FROM reports WHERE case_id = %s", case_id) == 1
    assert rows(platform, "SELECT count(*) FROM outbox WHERE case_id = %s", case_id) == 1
    case = client.wait_for_status(case_id, "assigned")
    assert case["repeat_reports"] == 0
    assert not [entry for entry in case["timeline"] if entry["kind"] == "repeat_linked"]

    other = post(client, {**BOUNDARY_STONE, "summary": "另一件事"}, key)
    assert other.status_code == 422
    assert other.json()["fields"][0]["field"] == KEY_HEADER
    # Without the key the same report is a repeat, linked: the key alone made the retry harmless.
    repeat = post(client, BOUNDARY_STONE, str(uuid.uuid4()))
    assert (repeat.status_code, repeat.json()["linked"]) == (200, True)
