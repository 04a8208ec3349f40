"""三级 as staff read it in `wuyuan case show`: the level, each step up, and 吹哨报到, by name."""

import pytest

from wuyuan.labels import Names, timeline_detail
from wuyuan.settings import PlatformSettings


@pytest.fixture
def names(tmp_path) -> Names:
    return Names.of(PlatformSettings(state_dir=tmp_path))


def test_a_decline_beyond_the_level_reads_as_a_report_to_the_county(names):
    step = {
        "cause": "beyond_level",
        "from_centre": "430426101",
        "to_centre": "430426",
        "new_unit": "police:430426",
        "overdue_working_days": None,
    }

    line = timeline_detail("case_escalated", {**step, "unit": "police:430426101"}, names, {})

    assert line == "砖塘镇派出所：因超出本级处置能力，由砖塘镇综治中心上报至祁东县综治中心，由祁东县公安局接办"


def test_an_overdue_step_and_a_flag_at_the_top_name_the_working_days(names):
    up = {"cause": "overdue", "from_centre": "430426101", "to_centre": "430426", "overdue_working_days": 3}
    top = {"cause": "overdue", "from_centre": "430426", "to_centre": None, "overdue_working_days": 6}

    assert timeline_detail("case_escalated", {**up, "unit": "justice:430426101"}, names, {}) == (
        "砖塘镇司法所：逾期3个工作日，由砖塘镇综治中心提级至祁东县综治中心，由上级中心指派单位"
    )
    assert timeline_detail("leaders_alerted", {**top, "unit": "justice:430426"}, names, {}) == (
        "祁东县司法局：逾期6个工作日，已在祁东县综治中心（最高一级），提请领导督办"
    )


def test_a_call_in_and_a_decline_code_read_in_chinese(names):
    called = {"units": ["petition:430426"], "note": "多户联名信访", "staff": "chen", "centre": "430426"}
    declined = {"unit": "police:430426101", "role": "lead", "reason": "跨乡镇", "reason_code": "beyond_level"}

    assert timeline_detail("units_called_in", called, names, {}) == (
        "报到单位：祁东县信访局；事项：多户联名信访；经办人：chen"
    )
    assert "退回类型：超出本级处置能力" in timeline_detail("referral_declined", declined, names, {})


def test_a_report_the_centre_refused_reads_who_sent_what_and_why(names):
    detail = {
        "unit": "court:430426",
        "rejected_type": "ResultReported",
        "reason": "referral_closed",
        "rejected_message_id": "8d9f0d0e-1111-4c1b-9f8e-7a6d5c4b3a21",
    }

    line = timeline_detail("report_rejected", detail, names, {})

    assert line.startswith("拒收祁东县人民法院的反馈结果：该交办件已结束")
    assert "referral_closed" not in line
