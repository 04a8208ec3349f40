"""The conformance report: its verdict, its JSON and the Chinese text staff read."""

import pytest

from wuyuan.conformance.report import CheckResult, ConformanceReport
from wuyuan.conformance.runner import UnknownCheck, selected_checks

STARTS = CheckResult("starts", "启动并应答健康检查", "passed")
TRACE_BROKEN = CheckResult(
    "trace_continued",
    "回执延续交办单的链路",
    "failed",
    "replies do not continue the referral's trace:\n- ReferralAccepted: expected trace id 4bf9, saw None",
)
SKIPPED = CheckResult("duplicate_referral", "重复消息不产生第二次效果", "skipped", "需先通过：result_reply")


def test_a_report_with_a_failed_check_has_not_passed_and_names_it():
    report = ConformanceReport("women", "women_link", [STARTS, TRACE_BROKEN, SKIPPED])

    assert not report.passed
    assert report.failed_codes == ["trace_continued"]
    assert report.outcome_of("duplicate_referral") == "skipped"


def test_a_report_passes_only_when_something_passed_and_nothing_failed():
    assert ConformanceReport("court", "court_link", [STARTS, SKIPPED]).passed
    assert not ConformanceReport("court", "court_link", [SKIPPED]).passed
    assert not ConformanceReport("court", "court_link", []).passed


def test_render_puts_one_line_per_check_and_the_detail_under_a_failure_only():
    text = ConformanceReport("women", "women_link", [STARTS, TRACE_BROKEN, SKIPPED]).render()
    lines = text.splitlines()

    assert lines[0] == "一致性检查：women（women_link）"
    assert lines[1].split() == ["✓", "starts", "通过", "启动并应答健康检查"]
    assert lines[2].split() == ["✗", "trace_continued", "未通过", "回执延续交办单的链路"]
    assert lines[3].strip() == "replies do not continue the referral's trace:"
    assert lines[4].strip() == "- ReferralAccepted: expected trace id 4bf9, saw None"
    assert lines[5].split()[:3] == ["-", "duplicate_referral", "跳过"]
    assert lines[6].strip() == "需先通过：result_reply"
    assert lines[-1] == "结论：不符合（通过 1 项，未通过 1 项，跳过 1 项）"


def test_as_dict_is_what_the_json_output_prints():
    assert ConformanceReport("court", "court_link", [STARTS]).as_dict() == {
        "agency": "court",
        "service": "court_link",
        "passed": True,
        "results": [{"code": "starts", "title_zh": "启动并应答健康检查", "outcome": "passed", "detail": ""}],
    }


def test_asking_for_one_check_runs_what_it_needs_first_in_the_kits_order():
    codes = [check.code for check in selected_checks(["duplicate_referral"])]

    assert codes == ["starts", "consumes_referral", "accept_reply", "result_reply", "duplicate_referral"]


def test_an_unknown_check_is_refused_naming_the_known_ones():
    with pytest.raises(UnknownCheck, match=r"unknown trace; checks are starts, .*trace_continued"):
        selected_checks(["trace"])
