"""两函一通报 through the running services: a referral goes overdue, its 督办函 is numbered, archived, delivered to
the police station and its county bureau, read as HTML and PDF; then a 通报 on demand names the station."""

import io
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import psycopg
import pypdf
import pytest
from kombu import Connection, Exchange

from shared.contracts.messages import EVENTS_EXCHANGE, DeadlineChanged
from shared.workdays import CHINA_TZ

pytestmark = pytest.mark.e2e

STATION = "police:430426101"
BUREAU = "police:430426"
CENTRE = "centre:430426"
WALL_DAMAGE = {
    "source": "walk_in",
    "category": "traffic",
    "division_code": "430426101203",
    "summary": "摩托车倒车时撞坏邻居家院墙和山羊圈，双方为赔偿数额争执不下",
    "parties": [
        {"role": "applicant", "name": "邓春花", "phone": "13807341234"},
        {"role": "respondent", "name": "曾德胜", "phone": "13975415678"},
    ],
}


def wait_until(read: Callable[[], Any], holds: Callable[[Any], bool], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = read()
        if holds(last):
            return last
        time.sleep(0.2)
    raise TimeoutError(f"{what} not reached in {timeout}s; last seen: {last}")


def move_deadline_as_the_coordinator(platform, case_id: str, referral_id: str, due_at: datetime) -> None:
    """No unit's term is shorter than a day, so the deadline is moved as the coordinator moves it after a pause,
    published with the coordinator's own broker user (supervision accepts case facts from no one else)."""
    fact = DeadlineChanged.build(
        message_id=uuid4(),
        occurred_at=datetime.now(UTC),
        case_id=case_id,
        sender=CENTRE,
        recipient=CENTRE,
        referral_id=referral_id,
        unit=STATION,
        due_at=due_at,
        revision=1,
        paused=False,
    )
    with Connection(
        platform.service_amqp_uri("coordinator"), connect_timeout=10, transport_options={"confirm_publish": True}
    ) as conn:
        conn.Producer().publish(
            json.dumps(fact.model_dump(mode="json"), ensure_ascii=False).encode(),
            exchange=Exchange(EVENTS_EXCHANGE, type="topic", durable=True, no_declare=True),
            routing_key=fact.type,
            content_type="application/json",
            content_encoding="utf-8",
            message_id=str(fact.message_id),
            type=fact.type,
            user_id=platform.broker_user("coordinator"),
            delivery_mode=2,
            mandatory=True,
            retry=False,
        )


def raw(client, path: str, user: str = "demo.supervisor") -> Any:
    response = client.http.get(client.url("supervision", path), headers=client.headers_for(user), timeout=15)
    assert response.status_code == 200, response.text[:300]
    return response


def test_an_overdue_referral_gets_a_numbered_supervision_letter_and_a_notice_names_its_unit(client, platform):
    case_id = client.register(WALL_DAMAGE)["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    [lead] = [r for r in case["referrals"] if r["unit"] == STATION]
    referral_id = lead["referral_id"]
    client.wait_for_referral(STATION, referral_id)

    def watches() -> list[dict[str, Any]]:
        return client.call("GET", "supervision", f"/api/v1/cases/{case_id}/watches")["watches"]

    [watch] = wait_until(
        lambda: [w for w in watches() if w["referral_id"] == referral_id], bool, "the station's watch at supervision"
    )
    move_deadline_as_the_coordinator(
        platform, case_id, referral_id, datetime.fromisoformat(watch["issued_at"]) + timedelta(seconds=1)
    )

    def letters() -> list[dict[str, Any]]:
        found = client.call("GET", "supervision", f"/api/v1/documents?case_id={case_id}&kind=overdue")
        return found["documents"]

    [letter] = wait_until(letters, bool, "the 督办函 in the archive")
    assert re.fullmatch(r"祁东综治〔\d{4}〕督办第\d+号", letter["number"]), letter["number"]
    assert (letter["unit"], letter["superior_unit"], letter["referral_id"]) == (STATION, BUREAU, referral_id)

    page = raw(client, letter["html"]).text
    for text in [letter["number"], "督办函", "砖塘镇派出所：", case_id, "检查督导组", "抄送：祁东县公安局"]:
        assert text in page, text
    pdf = raw(client, letter["pdf"])
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().replace("\n", "")
    assert letter["number"] in text and "砖塘镇派出所" in text

    # Delivered: the station's referral logs the letter with its number, and the bureau's copy beside it.
    def logged() -> list[dict[str, Any]]:
        return [e for e in client.referral(STATION, referral_id)["log"] if e["kind"].startswith("overdue_notice")]

    entries = wait_until(logged, lambda found: len(found) == 2, "the letter and the superior's copy at the station")
    assert sorted(e["kind"] for e in entries) == ["overdue_notice", "overdue_notice_superior"]
    assert {e["detail"]["document_number"] for e in entries} == {letter["number"]}

    today = datetime.now(CHINA_TZ).date()
    notice = client.call(
        "POST",
        "supervision",
        "/api/v1/notices",
        {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()},
    )
    assert re.fullmatch(r"祁东综治〔\d{4}〕通报第\d+号", notice["number"]), notice["number"]
    assert STATION in notice["named_units"]
    [ranked] = [r for r in notice["ranking"] if r["unit"] == STATION]
    assert ranked["overdue"] >= 1 and ranked["overdue_letters"] >= 1
    page = raw(client, notice["html"]).text
    assert notice["number"] in page and "砖塘镇派出所" in page and "按期办结率" in page
    listed = client.call("GET", "supervision", f"/api/v1/documents?kind=notice&unit={STATION}")["documents"]
    assert notice["id"] in [d["id"] for d in listed]

    # Delivered: the police service took the station's NoticeCirculated into its inbox (once, not dead-lettered),
    # and keeps the notice's number, where a restore of supervision reads it.
    def taken() -> int:
        with psycopg.connect(platform.database_url("police_link"), autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM inbox WHERE message_type = 'NoticeCirculated'").fetchone()
        return int(row[0]) if row else 0

    wait_until(taken, lambda n: n >= 1, "the 通报 in the police service's inbox")
    with psycopg.connect(platform.database_url("police_link"), autocommit=True) as conn:
        kept = conn.execute("SELECT document_number FROM notices WHERE unit = %s", (STATION,)).fetchall()
    assert (notice["number"],) in kept
