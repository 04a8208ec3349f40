"""A lead pauses its clock for an appraisal (鉴定) and resumes it: centre, supervision and unit see the new deadline."""

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.coordinator.deadlines import extend_for, working_time_between
from services.coordinator.domain.model import DayCount

pytestmark = pytest.mark.e2e

LEAD = "police:430426101"
CO_UNIT = "court:430426"
SCOOTER_ACCIDENT = {
    "source": "walk_in",
    "category": "traffic",
    "division_code": "430426101203",
    "summary": "电动车在村口与农用三轮车相撞，驾驶人腿部受伤，需做伤情鉴定后再谈赔偿",
    "parties": [
        {"role": "applicant", "name": "周建国", "phone": "13807345678"},
        {"role": "respondent", "name": "谭小兵", "phone": "13975412345"},
    ],
}


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def wait_until(read: Callable[[], Any], holds: Callable[[Any], bool], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = read()
        if holds(last):
            return last
        time.sleep(0.1)
    raise TimeoutError(f"{what} not reached in {timeout}s; last seen: {last}")


def test_a_lead_that_pauses_for_an_appraisal_and_resumes_gets_its_deadline_moved(client):
    case_id = client.register(SCOOTER_ACCIDENT)["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    [lead] = [r for r in case["referrals"] if r["unit"] == LEAD]
    [co_unit] = [r for r in case["referrals"] if r["unit"] == CO_UNIT]
    due_before = moment(lead["due_at"])
    referral_id = lead["referral_id"]

    def referral_at_centre() -> dict[str, Any]:
        [found] = [r for r in client.case(case_id)["referrals"] if r["referral_id"] == referral_id]
        return found

    def watch() -> dict[str, Any]:
        watches = client.call("GET", "supervision", f"/api/v1/cases/{case_id}/watches")["watches"]
        return next((w for w in watches if w["referral_id"] == referral_id), {})

    client.wait_for_referral(LEAD, referral_id)
    client.act(LEAD, referral_id, "accept", {})
    client.act(LEAD, referral_id, "pause", {"reason": "appraisal", "note": "等待司法鉴定所出具伤情鉴定意见"})

    paused = wait_until(referral_at_centre, lambda r: r["paused"], "the pause at the coordinator")
    assert (paused["pause_reason"], moment(paused["due_at"])) == ("appraisal", due_before)
    wait_until(watch, lambda w: w.get("paused_at") is not None, "the pause at supervision")
    at_the_unit = client.referral(LEAD, referral_id)
    assert (at_the_unit["pause_reason"], at_the_unit["pauses"]) == ("appraisal", 1)

    time.sleep(1.5)  # the pause must last to be measured
    client.act(LEAD, referral_id, "resume", {})

    resumed = wait_until(referral_at_centre, lambda r: not r["paused"], "the resume at the coordinator")
    timeline = client.case(case_id)["timeline"]
    [line] = [entry for entry in timeline if entry["kind"] == "clock_resumed"]
    assert [entry["kind"] for entry in timeline].count("clock_paused") == 1
    detail = line["detail"]
    assert (detail["reason"], detail["officer"], detail["counting"]) == ("appraisal", "demo.police", "working")
    paused_at, resumed_at = moment(detail["paused_at"]), moment(detail["resumed_at"])
    assert resumed_at > paused_at
    # The deadline moved by the office hours of the pause: seconds, in a working day's office hours; nothing on a
    # rest day or at night.
    due_after = moment(resumed["due_at"])
    assert due_after == extend_for(due_before, paused_at, resumed_at, DayCount.WORKING)
    assert moment(detail["due_at"]) == due_after
    if working_time_between(paused_at, resumed_at) > timedelta():
        assert due_after > due_before
    else:
        assert due_after == due_before
    assert moment(referral_at_centre()["due_at"]) == due_after
    # Only the unit that paused gets its time back.
    [co_after] = [r for r in client.case(case_id)["referrals"] if r["unit"] == CO_UNIT]
    assert moment(co_after["due_at"]) == moment(co_unit["due_at"])

    moved = wait_until(
        watch,
        lambda w: w.get("paused_at") is None and moment(w["due_at"]) == due_after,
        "supervision's watch with the moved deadline",
    )
    assert moved["closed_at"] is None
    wait_until(
        lambda: client.referral(LEAD, referral_id),
        lambda r: r["paused_at"] is None and moment(r["due_at"]) >= due_after,
        "the unit's own referral with the moved deadline",
    )
