"""Staff read services, units and places by name, times in Beijing time, and timelines in Chinese."""

from datetime import UTC, datetime

import pytest

from wuyuan.labels import Names, local_time, pad, service_label, text_width, timeline_detail
from wuyuan.settings import PlatformSettings


@pytest.fixture
def names(tmp_path) -> Names:
    return Names.of(PlatformSettings(state_dir=tmp_path))


def test_services_are_named_as_staff_know_them(tmp_path):
    settings = PlatformSettings(state_dir=tmp_path)
    assert service_label(settings, "coordinator") == "综合协调组"
    assert service_label(settings, "police_link") == "公安局"
    assert service_label(settings, "womens_federation") == "womens_federation"  # unknown: its code


def test_times_are_shown_in_beijing_time_to_the_minute():
    assert local_time("2026-12-04T14:10:03.123456+00:00") == "2026-12-04 22:10"
    assert local_time("2026-12-04 14:10:03.123456+00:00") == "2026-12-04 22:10"  # as the API's JSON has them
    assert local_time(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == "2027-01-01 00:30"
    assert local_time(None) == ""
    assert local_time("2026-12-04T14:10:03") == "2026-12-04T14:10:03"  # no zone: shown as it is, not guessed


def test_units_and_places_are_named_from_the_county_config(names):
    assert names.unit("police:430426101") == "砖塘镇派出所"
    assert names.unit("court:430426") == "祁东县人民法院"
    assert names.units(["justice:430426101", "court:430426"]) == "砖塘镇司法所、祁东县人民法院"
    assert names.place("430426101203") == "砖塘镇新塘村"
    assert names.unit("fire:430426101") == "fire:430426101"  # an agency not joined: its code


def test_chinese_characters_take_two_columns():
    assert text_width("砖塘镇派出所") == 12
    assert text_width("第1轮（临期）") == 13
    assert pad("砖塘镇", 8) + "|" == "砖塘镇  |"
    assert pad("7", 3, right=True) == "  7"


def test_why_a_case_awaits_manual_triage_reads_in_chinese_with_unit_names(names):
    declined = {"role": "lead", "reason": "police:430426101 declined as lead and no fall-back lead is left"}
    assert timeline_detail("manual_triage_needed", declined, names, {}) == (
        "需指派牵头单位；理由：砖塘镇派出所退回牵头，已无可替补的牵头单位"
    )
    unresolved = {"role": "lead", "reason": "lead unit court:430426 reported the dispute unresolved: 调解不成，已立案"}
    assert "牵头单位祁东县人民法院反馈未化解：调解不成，已立案" in timeline_detail(
        "manual_triage_needed", unresolved, names, {}
    )
    unknown = {"role": "co_unit", "reason": "something new about police:430426101"}
    assert timeline_detail("manual_triage_needed", unknown, names, {}).endswith("something new about 砖塘镇派出所")


def test_a_repeat_report_and_a_late_report_say_what_happened(names):
    repeat = {"source": "police_call", "source_record_id": "JQ-2026-0042", "reason": "same source record"}
    assert timeline_detail("repeat_linked", repeat, names, {}) == (
        "理由：同一原始记录；来源：案源（警情）；原始编号：JQ-2026-0042"
    )
    late = {"unit": "court:430426", "role": "co_unit", "officer": "fy.wang", "note": "已联系", "late": True}
    assert timeline_detail("progress_reported", late, names, {}) == (
        "祁东县人民法院（配合单位）；进展：已联系；经办人：fy.wang（在该单位办结或退回之后收到，仅作记录）"
    )


def test_a_detail_key_the_cli_does_not_know_yet_is_still_shown(names):
    assert timeline_detail("case_closed", {"rating": "satisfied", "channel": "sms"}, names, {}) == (
        "评价：满意；channel：sms"
    )


def test_a_result_reads_as_its_chinese_code_with_the_agreement_and_not_its_outcome_again(names):
    detail = {
        "unit": "justice:430426101",
        "role": "co_unit",
        "result": "mediated",
        "outcome": "resolved",
        "agreement": {"number": "祁东人调〔2026〕118号", "signed_on": "2026-12-03", "terms": "赔偿3000元"},
        "officer": "zhou.tiaojie",
    }

    line = timeline_detail("result_reported", detail, names, {})

    assert line == (
        "砖塘镇司法所（配合单位）；结果：调解成功；调解协议 祁东人调〔2026〕118号（2026-12-03签订）：赔偿3000元；"
        "经办人：zhou.tiaojie"
    )


def test_why_a_case_waits_for_staff_reads_from_its_code_not_the_apis_sentence(names):
    detail = {
        "role": "lead",
        "code": "lead_failed",
        "by_unit": "police:430426101",
        "result": "mediation_failed",
        "reason": "lead unit police:430426101 reported mediation_failed",
    }

    line = timeline_detail("manual_triage_needed", detail, names, {})

    assert line == "需指派牵头单位；结果：调解不成；原因：牵头单位砖塘镇派出所反馈未化解"
