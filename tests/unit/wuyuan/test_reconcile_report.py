"""The reconcile report as operators and the agency's officers read it."""

from wuyuan.reconcile import report_lines

ANSWER = {
    "service": "court_link",
    "agency": "court",
    "since": "2026-12-04T12:00:00+00:00",
    "resent": 3,
    "referrals": [
        {
            "case_id": "430426-20261204-00001",
            "referral_id": "r-1",
            "unit": "court:430426",
            "status": "reported",
            "resent": [],
            "redo": ["result"],
            "gaps": [],
            "closed_at": "2026-12-04T13:30:00+00:00",
        },
        {
            "case_id": "430426-20261204-00002",
            "referral_id": "r-2",
            "unit": "court:430426",
            "status": "issued",
            "resent": [{"message_id": "m-2", "type": "ReferralIssued"}],
            "redo": [],
            "gaps": [],
        },
        {
            "case_id": "430426-20261204-00003",
            "referral_id": "r-3",
            "unit": "court:430426",
            "status": "accepted",
            "resent": [],
            "redo": ["accept"],
            "gaps": ["issued_unknown"],
            "accepted_at": "2026-12-04T14:00:00+00:00",
        },
    ],
}


def test_each_referral_to_redo_is_named_with_what_and_when():
    lines = report_lines(ANSWER, {"court:430426": "县人民法院"}.__getitem__, {"court_link": "法院（court_link）"}.get)
    assert lines[0] == (
        "已向法院（court_link）重发 3 份交办文书（原消息编号不变，机构已有的将被跳过）；"
        "以恢复时间点 2026-12-04 20:00 为准"
    )
    assert "以下 2 件交办" in lines[1]
    text = "\n".join(lines)
    assert "案件 430426-20261204-00001  县人民法院  交办 r-1（中心状态：已报结）" in text
    assert "· 重办办理结果（中心于 2026-12-04 21:30 收到）" in text
    assert "· 重办受理（中心于 2026-12-04 22:00 收到）" in text
    assert "原消息编号已无记录，未重发" in text
    assert "r-2" not in text  # sent again, nothing for officers


def test_nothing_to_redo_says_so():
    answer = {**ANSWER, "referrals": [ANSWER["referrals"][1]]}
    assert report_lines(answer)[1:] == ["无需机构重办的事项"]
