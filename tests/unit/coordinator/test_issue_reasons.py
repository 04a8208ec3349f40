"""Why a unit holds a referral, as the case's timeline tells it: the last explaining line before the referral."""

from datetime import UTC, datetime

from services.coordinator.domain.issue_reasons import why_issued

AT = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
STATION, OFFICE, COURT = "police:430426101", "justice:430426101", "court:430426"


def line(seq: int, kind: str, **detail: object) -> dict:
    return {"seq": seq, "at": AT, "kind": kind, "detail": detail}


def issued(seq: int, referral_id: str, unit: str) -> dict:
    return line(seq, "referral_issued", referral_id=referral_id, unit=unit, role="lead")


def test_the_first_designation_has_no_reason_and_an_unknown_referral_none_either():
    timeline = [line(1, "case_triaged"), issued(2, "r1", STATION)]

    assert (why_issued(timeline, "r1"), why_issued(timeline, "r9")) == (None, None)


def test_a_reopened_round_carries_the_citizens_complaint():
    timeline = [
        line(1, "case_triaged"),
        issued(2, "r1", STATION),
        line(3, "case_reopened", cause="dissatisfied", rating="dissatisfied", comment="他还是天天骂人", round=2),
        issued(4, "r2", STATION),
    ]

    why = why_issued(timeline, "r2")

    assert why == {
        "at": AT.isoformat(),
        "cause": "reopened",
        "reopen_cause": "dissatisfied",
        "comment": "他还是天天骂人",
    }


def test_a_dispute_back_after_closing_carries_what_the_citizen_said_this_time_masked():
    timeline = [
        line(1, "case_triaged"),
        issued(2, "r1", STATION),
        line(
            3,
            "repeat_linked",
            source="walk_in",
            reason="same_parties",
            summary="李国华未按协议拆除围墙，电话13800138000",
        ),
        line(4, "case_reopened", cause="repeat_report", round=2),
        issued(5, "r2", STATION),
    ]

    why = why_issued(timeline, "r2")

    assert why is not None and (why["reopen_cause"], why["comment"]) == (
        "repeat_report",
        "李国华未按协议拆除围墙，电话138****8000",
    )


def test_a_repeat_report_of_contract_version_1_says_nothing_more():
    timeline = [
        issued(2, "r1", STATION),
        line(3, "repeat_linked", source="walk_in", reason="same_parties"),
        line(4, "case_reopened", cause="repeat_report", round=2),
        issued(5, "r2", STATION),
    ]

    assert why_issued(timeline, "r2")["comment"] is None  # type: ignore[index]


def test_a_unit_called_in_reads_what_the_centre_asked_of_it():
    timeline = [
        line(1, "case_triaged"),
        issued(2, "r1", STATION),
        line(3, "units_called_in", units=[COURT], note="请法院指导调解协议司法确认", staff="chen.zhuren"),
        issued(4, "r2", COURT),
    ]

    assert why_issued(timeline, "r2")["note"] == "请法院指导调解协议司法确认"  # type: ignore[index]


def test_a_unit_the_case_was_re_routed_to_reads_who_declined_and_why_in_any_order_given():
    timeline = [
        issued(4, "r2", OFFICE),
        line(3, "referral_declined", referral_id="r1", unit=STATION, reason="不属于派出所职责", officer="liu.yang"),
        issued(2, "r1", STATION),
        line(1, "case_triaged"),
    ]

    why = why_issued(timeline, "r2")

    assert why is not None and (why["cause"], why["from_unit"], why["reason"]) == (
        "declined",
        STATION,
        "不属于派出所职责",
    )
    assert "officer" not in why  # the other agency's staff are not named to this one


def test_a_decline_of_an_earlier_round_is_not_the_reason_for_a_hand_assignment_of_a_later_one():
    timeline = [
        line(1, "case_triaged"),
        issued(2, "r1", STATION),
        line(3, "referral_declined", referral_id="r1", unit=STATION, reason="不属于派出所职责"),
        line(4, "case_reopened", cause="repeat_report", round=2),
        line(5, "manually_assigned", unit=OFFICE, role="lead", staff="chen.zhuren"),
        issued(6, "r2", OFFICE),
    ]

    why = why_issued(timeline, "r2")

    assert why is not None and (why["cause"], why["from_unit"], why["reason"]) == ("assigned_by_hand", None, None)
