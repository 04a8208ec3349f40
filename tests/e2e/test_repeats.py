"""Repeats are linked, not doubled: the same people at the window again, and an agency feed sending a record twice."""

import time

import psycopg
import pytest

from shared.contracts.identifiers import resident_id_check_char

pytestmark = pytest.mark.e2e


def resident_id(birth: str, serial: int) -> str:
    """A valid ID number of someone born in the county on `birth` (YYYYMMDD)."""
    first_17 = f"430426{birth}{serial:03d}"
    return first_17 + resident_id_check_char(first_17)


FENCE_ROW = {
    "source": "walk_in",
    "category": "land",
    "division_code": "430426102007",
    "summary": "承包地界桩被移动，两家为一垄地争执",
    "parties": [
        {"role": "applicant", "name": "何德胜", "id_number": resident_id("19630417", 211), "phone": "13807451001"},
        {"role": "respondent", "name": "何德旺", "phone": "13807451002"},
    ],
}


def entries(case: dict, kind: str) -> list[dict]:
    return [entry["detail"] for entry in case["timeline"] if entry["kind"] == kind]


def test_the_same_people_reporting_again_join_the_first_case(client):
    first = client.register(FENCE_ROW)
    assert (first["linked"], set(first)) == (False, {"case_id", "linked", "report_id"})
    client.wait_for_status(first["case_id"], "assigned")

    # The next day the applicant rings 12345 about the same strip of land, in other words.
    again = {**FENCE_ROW, "source": "hotline", "summary": "村民来电：地界桩又被挪了，要求尽快处理"}
    response = client.http.post(
        client.url("intake", "/api/v1/disputes"),
        json=again,
        headers=client.headers_for(client.user_for("intake")),
        timeout=client.timeout,
    )

    assert response.status_code == 200
    answer = response.json()
    assert answer == {
        "case_id": first["case_id"],
        "linked": True,
        "reason": "same parties and category within 30 days",
        "report_id": answer["report_id"],
    }
    case = client.wait_for(first["case_id"], lambda c: c["repeat_reports"] == 1, what="the repeat to be counted")
    (linked,) = entries(case, "repeat_linked")
    assert linked["source"] == "hotline"
    assert linked["reason"] == "same parties and category within 30 days"
    assert len(case["referrals"]) == 1, "a repeat must not send the dispute to the units a second time"

    at_intake = client.call("GET", "intake", f"/api/v1/disputes/{first['case_id']}")
    reports = [(r["report_id"], r["source"], r["linked"]) for r in at_intake["reports"]]
    assert reports == [(first["report_id"], "walk_in", False), (answer["report_id"], "hotline", True)]


def test_the_same_people_in_another_kind_of_dispute_open_a_new_case(client):
    first = client.register(
        {
            **FENCE_ROW,
            "parties": [
                {"role": "applicant", "name": "谭玉梅", "id_number": resident_id("19710203", 212)},
                {"role": "respondent", "name": "谭玉兰"},
            ],
        }
    )
    debt = {
        **FENCE_ROW,
        "category": "debt",
        "summary": "借款三万元到期未还",
        "parties": [
            {"role": "applicant", "name": "谭玉梅", "id_number": resident_id("19710203", 212)},
            {"role": "respondent", "name": "谭玉兰"},
        ],
    }
    second = client.register(debt)

    assert second["linked"] is False
    assert second["case_id"] != first["case_id"]


POLICE_CALL_RECORD = {
    "record_id": "JQ20261121-0457",
    "category": "neighbour",
    "division_code": "430426103011",
    "summary": "110 接警：两邻居因停车位推搡，民警到场制止",
    "parties": [
        {"role": "applicant", "name": "孟凡东", "phone": "13807451003"},
        {"role": "respondent", "name": "邱长林", "phone": "13807451004"},
    ],
    "details": {"call_number": "JQ20261121-0457", "called_at": "2026-11-21T21:14:00+08:00", "violence": True},
}


def intake_rows(platform, sql: str, params: tuple) -> list[tuple]:
    with psycopg.connect(platform.database_url("intake")) as conn:
        return conn.execute(sql, params).fetchall()


def wait_for_rows(platform, sql: str, params: tuple, count: int, timeout: float = 30.0) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while True:
        rows = intake_rows(platform, sql, params)
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def test_a_police_call_fed_twice_is_one_case_with_the_second_report_linked(client, platform):
    first = client.feed_record("police_link", POLICE_CALL_RECORD)
    second = client.feed_record("police_link", POLICE_CALL_RECORD)
    assert (first["first_time"], second["first_time"]) == (True, False)

    reports = wait_for_rows(
        platform,
        "SELECT r.case_id, r.linked, r.reason FROM reports r JOIN cases c USING (case_id)"
        " WHERE c.report->>'source_record_id' = %s ORDER BY r.received_at",
        (POLICE_CALL_RECORD["record_id"],),
        count=2,
    )
    cases = intake_rows(
        platform,
        "SELECT case_id, source FROM cases WHERE report->>'source_record_id' = %s",
        (POLICE_CALL_RECORD["record_id"],),
    )
    assert len(cases) == 1, f"the record opened {len(cases)} cases at intake"
    case_id, source = cases[0]
    assert source == "police_call"
    assert [(r[0], r[1], r[2]) for r in reports] == [(case_id, False, None), (case_id, True, "same source record")]

    case = client.wait_for(case_id, lambda c: c["repeat_reports"] == 1, what="the repeat to be counted")
    assert case["source"] == "police_call"
    assert case["flags"] == ["violence_risk"]
    # 警调对接: the police station keeps the lead, the township mediators join.
    assert (case["mode"], case["lead_unit"], case["co_units"]) == ("joint", "police:430426103", ["justice:430426103"])
    assert entries(case, "repeat_linked")[0]["source_record_id"] == POLICE_CALL_RECORD["record_id"]
    assert len(case["referrals"]) == 2
