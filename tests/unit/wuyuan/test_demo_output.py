"""What `wuyuan demo` tells staff at each step: the mode and the units by their Chinese names."""

import json
from pathlib import Path

from wuyuan.demo import run_demo
from wuyuan.settings import PlatformSettings

CASE = json.loads((Path(__file__).parent / "recorded" / "case_in_progress.json").read_text(encoding="utf-8"))
SERVICES = {"police": "police_link", "justice": "justice_link", "court": "court_link"}


class FakePlatform:
    """Each step of the demo succeeds at once; the case is the recorded one, assigned to police and justice."""

    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self.case = {**CASE, "status": "assigned", "referrals": [CASE["referrals"][0], CASE["referrals"][2]]}
        self.acts: list[tuple[str, str]] = []

    def register(self, report):
        return {"case_id": self.case["case_id"], "linked": False}

    def wait_for(self, case_id, predicate, timeout=30.0, what=""):
        assert predicate(self.case)
        return self.case

    def wait_for_referral(self, unit, referral_id, timeout=30.0):
        return {}

    def act(self, unit, referral_id, action, body):
        self.acts.append((unit, action))
        return {}

    def service_of(self, unit):
        return SERVICES[unit.split(":")[0]]

    def wait_for_status(self, case_id, status, timeout=30.0):
        return {**self.case, "status": status}

    def wait_for_follow_up(self, case_id, timeout=30.0):
        return None

    def rate(self, case_id, rating, comment=None):
        return {}


def test_the_demo_names_the_mode_and_units_as_staff_know_them(tmp_path):
    platform = FakePlatform(PlatformSettings(state_dir=tmp_path))
    said: list[str] = []
    closed = run_demo(platform, said.append)  # type: ignore[arg-type]
    assert closed["status"] == "closed"
    assert said[1] == "2. 平台派单  共同办：牵头单位 砖塘镇派出所，配合单位 砖塘镇司法所"
    assert "3. 部门办单  砖塘镇派出所（公安局）签收、报告进展，反馈化解成功" in said
    assert "3. 部门办单  砖塘镇司法所（司法局）签收、报告进展，反馈化解成功" in said
    assert not any(":4304" in line for line in said)
    assert ("police:430426101", "result") in platform.acts
