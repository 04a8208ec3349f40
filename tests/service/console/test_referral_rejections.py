"""The referral page reads the centre's refusal of the unit's message in Chinese, with its code beside it, and
every line of the referral's log in Chinese."""

import re

from shared import wording
from tests.service.console.test_referrals import ACCEPTED, REPORTED, open_page

REJECTED = {
    **REPORTED,
    "log": [
        *REPORTED["log"],
        {
            "kind": "rejected",
            "officer": None,
            "detail": {
                "reason": "referral_closed",
                "detail": "rejected: referral_closed: referral 5b0c6f0e is already closed (reported)",
                "rejected_message_id": "44444444-4444-4444-8444-444444444444",
                "rejected_type": "ResultReported",
                "refused_by": "coordinator",
            },
            "at": "2026-11-23T03:00:00+00:00",
        },
    ],
}


def test_a_refused_report_reads_as_the_centres_refusal_and_why(console, browser, staff, apis):
    page = open_page(console, browser, staff, apis, REJECTED)

    assert "<strong>中心拒收</strong>：该交办件已结束" in re.sub(r"\s+", " ", page)


def test_a_refusal_code_the_console_does_not_know_still_reads_as_a_refusal(console, browser, staff, apis):
    odd = {**REJECTED, "log": [{**REJECTED["log"][-1], "detail": {"reason": "new_rule"}}]}

    page = open_page(console, browser, staff, apis, odd)

    assert "<strong>中心拒收</strong>：其他原因（代码 new_rule）" in page


REFUSAL = {
    "reason": "failed",
    "detail": "rejected: failed after 5 attempts",
    "rejected_message_id": "44444444-4444-4444-8444-444444444444",
    "rejected_type": "ResultReported",
    "refused_by": "coordinator",
}
REOPENED = {
    **ACCEPTED,
    "refusal": REFUSAL,
    "log": [
        {"kind": "result", "officer": "liu.yang", "detail": {"result": "handled"}, "at": "2026-11-23T02:00:00+00:00"},
        {
            "kind": "rejected",
            "officer": None,
            "detail": {**REFUSAL, "reopened": {"status": "accepted", "was": "reported"}},
            "at": "2026-11-23T03:00:00+00:00",
        },
    ],
}


def test_a_refused_result_shows_the_refusal_and_that_the_referral_is_open_again(console, browser, staff, apis):
    page = re.sub(r"\s+", " ", open_page(console, browser, staff, apis, REOPENED))

    assert "中心拒收了本单位的反馈结果：多次处理失败。此件仍未办结，请核实后重新反馈结果。" in page
    assert "<strong>中心拒收</strong>：多次处理失败（被拒收：反馈结果，交办件回到“办理中”）" in page
    assert 'action="/referrals/police/' in page and "/result" in page  # the result form is offered again


def test_a_refused_result_sent_while_paused_shows_the_refusal_and_the_clock_still_paused(console, browser, staff, apis):
    paused_again = {
        **REOPENED,
        "paused_at": "2026-11-22T07:00:00+00:00",
        "pause_reason": "appraisal",
        "pause_note": "等待司法鉴定所出具伤情鉴定意见",
        "pauses": 1,
    }

    page = re.sub(r"\s+", " ", open_page(console, browser, staff, apis, paused_again))

    assert "中心拒收了本单位的反馈结果：多次处理失败。此件仍未办结，请核实后重新反馈结果。" in page
    assert "计时已暂停（鉴定：等待司法鉴定所出具伤情鉴定意见）" in page
    assert '<button type="submit">恢复计时</button>' in page and "<h2>暂停计时</h2>" not in page


def test_a_referral_without_a_refusal_shows_none(console, browser, staff, apis):
    page = open_page(console, browser, staff, apis, {**REPORTED, "refusal": None})

    assert "中心拒收了本单位" not in page


def test_every_line_of_a_referrals_log_reads_in_chinese_never_as_its_code(console, browser, staff, apis):
    log = [
        {"kind": kind, "officer": None, "detail": {}, "at": "2026-11-23T03:00:00+00:00"}
        for kind in wording.REFERRAL_LOG_KINDS
    ]

    page = open_page(console, browser, staff, apis, {**ACCEPTED, "log": log})

    for kind, text in wording.REFERRAL_LOG_KINDS.items():
        assert f"<strong>{text}</strong>" in page
        assert f"<strong>{kind}</strong>" not in page
    assert "<strong>记录调解</strong>" in page and "<strong>转介法律援助</strong>" in page
