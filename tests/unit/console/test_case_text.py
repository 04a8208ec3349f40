"""What the follow-up visitor is told of the citizen reporting again after the units settled the round."""

from services.console.case_text import reported_again_since_settled


def line(kind: str, at: str, **detail: object) -> dict[str, object]:
    return {"seq": 0, "kind": kind, "at": at, "detail": detail}


REGISTERED = line("case_registered", "2026-12-01T01:00:00+00:00")
RESOLVED = line("case_resolved", "2026-12-03T07:30:00+00:00", round=1)
PETITION = line(
    "repeat_linked",
    "2026-12-04T02:10:00+00:00",
    source="petition",
    source_record_id="XF-2026-0311",
    reason="same parties and category within 30 days",
)


def test_a_petition_after_the_settlement_is_named_with_its_local_time_record_and_reason() -> None:
    case = {"status": "resolved", "timeline": [REGISTERED, RESOLVED, PETITION]}

    assert reported_again_since_settled(case) == [
        "2026-12-04 10:10，访源（信访），记录 XF-2026-0311，30日内同一当事人、同类纠纷"
    ]


def test_reports_before_the_round_was_settled_were_the_units_to_answer() -> None:
    earlier = {**PETITION, "at": "2026-12-02T02:10:00+00:00"}
    case = {"status": "resolved", "timeline": [REGISTERED, earlier, RESOLVED]}

    assert reported_again_since_settled(case) == []


def test_only_reports_since_the_latest_settlement_count_and_unknown_codes_show_as_they_are() -> None:
    first_round_repeat = {**PETITION, "at": "2026-12-03T08:00:00+00:00"}
    reopened = line("case_reopened", "2026-12-05T01:00:00+00:00", cause="dissatisfied", round=2)
    second = line("case_resolved", "2026-12-08T01:00:00+00:00", round=2)
    hotline = line("repeat_linked", "2026-12-08T03:00:00+00:00", source="hotline", reason="a newer rule")
    case = {"timeline": [REGISTERED, RESOLVED, first_round_repeat, reopened, second, hotline]}

    assert reported_again_since_settled(case) == ["2026-12-08 11:00，12345热线，a newer rule"]


def test_a_case_never_settled_or_without_a_timeline_has_nothing_to_raise() -> None:
    assert reported_again_since_settled({"timeline": [REGISTERED, PETITION]}) == []
    assert reported_again_since_settled({}) == []
    assert reported_again_since_settled({"timeline": None}) == []
