"""The referral page reads the centre's refusal of the unit's message in Chinese, with its code beside it."""

import re

from tests.service.console.test_referrals import REPORTED, open_page

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

    assert "<strong>中心拒收</strong>：该交办件已结束 (referral_closed)" in re.sub(r"\s+", " ", page)


def test_a_refusal_code_the_console_does_not_know_still_reads_as_a_refusal(console, browser, staff, apis):
    odd = {**REJECTED, "log": [{**REJECTED["log"][-1], "detail": {"reason": "new_rule"}}]}

    page = open_page(console, browser, staff, apis, odd)

    assert "<strong>中心拒收</strong>：其他原因 (new_rule)" in page
