"""受理回执's lines: the centre a window works for, a long summary kept to one page, the lead's deadline."""

from services.console import receipt
from shared.centres import county_centres
from shared.registry import DEFAULT_CONFIG_DIR

CENTRES = county_centres(DEFAULT_CONFIG_DIR, "430426")


def test_a_window_bound_to_a_township_centre_issues_that_centres_receipts():
    assert receipt.window_centre(frozenset({"centre:430426101"}), CENTRES).name == "砖塘镇综治中心"
    assert receipt.window_centre(frozenset(), CENTRES).name == "祁东县综治中心"


def test_a_long_summary_is_cut_to_keep_the_receipt_on_one_page_and_says_so():
    dispute = {"summary": "宅" * 2000, "report": {"parties": []}}

    printed = receipt.receipt_of("430426-20261123-00007", dispute, None, None, "祁东县综治中心", str).summary

    assert printed == "宅" * receipt.SUMMARY_ON_RECEIPT + "……（全文已登记在案）"


def test_a_deadline_on_an_unpublished_calendar_is_marked_provisional():
    case = {
        "lead_unit": "court:430426",
        "round": 2,
        "referrals": [
            {"unit": "court:430426", "role": "lead", "round": 1, "status": "declined",
             "due_at": "2026-11-01T09:00:00+00:00"},
            {"unit": "court:430426", "role": "lead", "round": 2, "status": "accepted",
             "due_at": "2027-01-04T15:59:00+00:00", "due_provisional": True},
        ],
    }  # fmt: skip

    assert receipt.lead_deadline(case) == "2027年1月4日（暂定，以承办单位通知为准）"
    assert receipt.handled_by(case, lambda code: "祁东县人民法院") == "祁东县人民法院"
