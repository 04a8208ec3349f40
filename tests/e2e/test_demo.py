"""`wuyuan demo` works signed in: each step is taken by the working account whose job it is, and the case closes."""

import pytest

from wuyuan.demo import run_demo

pytestmark = pytest.mark.e2e


def test_the_demo_drives_a_joint_dispute_to_closed_signed_in(client):
    said: list[str] = []

    closed = run_demo(client, said.append)

    assert (closed["status"], closed["rating"]) == ("closed", "satisfied")
    assert [line.split()[0] for line in said][:2] == ["1.", "2."]
    assert said[-1].startswith("5. 群众评单") and closed["case_id"] in said[-1]
    acted = {
        line["detail"]["officer"]
        for line in closed["timeline"]
        if line["kind"] in ("referral_accepted", "progress_reported", "result_reported")
    }
    # Each agency's working officer, never a name typed into a request.
    assert acted == {f"demo.{unit.partition(':')[0]}" for unit in [closed["lead_unit"], *closed["co_units"]]}
