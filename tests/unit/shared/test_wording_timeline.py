"""A case's history, worded once for the case page and `wuyuan case show`: every kind and key the coordinator notes."""

import ast
import re
from pathlib import Path

import pytest

from services.coordinator.domain.model import TimelineKind
from shared import timeline_wording as tw
from shared import wording
from shared.registry import load_registry

REGISTRY = load_registry()
PLACES = wording.load_places()
COORDINATOR = Path(__file__).resolve().parents[3] / "services" / "coordinator"

POLICE = "police:430426101"
JUSTICE = "justice:430426101"
LEAD_ID = "00000000-0000-0000-0000-000000000001"
CO_ID = "00000000-0000-0000-0000-000000000002"
OFFICERS = ("liu.yang", "zhou.tiaojie", "chen.xietiao", "wang.ducha")
LEAD = {"referral_id": LEAD_ID, "unit": POLICE, "role": "lead"}
CO = {"referral_id": CO_ID, "unit": JUSTICE, "role": "co_unit"}
PAUSED = {
    **LEAD,
    "officer": "liu.yang",
    "reason": "appraisal",
    "note": "等待伤情鉴定结论",
    "pause_number": 1,
    "paused_at": "2026-12-05T01:00:00+00:00",
    "due_at": "2026-12-11T09:30:00+00:00",
}
ESCALATION = {"cause": "overdue", "from_centre": "430426101", "to_centre": "430426", "new_unit": "police:430426"}

# Each kind the coordinator writes, with its detail keys as services/coordinator/domain writes them.
TIMELINE = [
    ("case_triaged", {"rule": 14, "mode": "joint", "lead_unit": POLICE, "co_units": [JUSTICE]}),
    (
        "referral_issued",
        {
            **LEAD,
            "round": 1,
            "due_at": "2026-12-11T09:30:00+00:00",
            "term": {"days": 5, "counting": "working"},
            "replaces": None,
        },
    ),
    (
        "referral_issued",
        {**CO, "round": 1, "due_at": "2027-01-03T09:30:00+00:00", "term": {"days": 30, "counting": "calendar"}},
    ),
    ("referral_accepted", {**LEAD, "officer": "liu.yang"}),
    ("referral_accepted", {**CO, "officer": "zhou.tiaojie", "late": True}),
    ("progress_reported", {**LEAD, "officer": "liu.yang", "note": "已约双方周五到所调解"}),
    ("referral_declined", {**CO, "officer": "zhou.tiaojie", "reason": "不属于本单位职责"}),
    ("referral_declined", {**CO, "officer": "zhou.tiaojie", "reason": "跨乡镇", "reason_code": "beyond_level"}),
    (
        "result_reported",
        {
            **CO,
            "officer": "zhou.tiaojie",
            "result": "mediated",
            "outcome": "resolved",
            "summary": "双方达成协议",
            "agreement": {"number": "祁东人调〔2026〕118号", "signed_on": "2026-12-03", "terms": "赔偿3000元"},
        },
    ),
    (
        "manual_triage_needed",
        {
            "role": "lead",
            "reason": f"lead unit {POLICE} reported the dispute unresolved: 调解不成",
            "code": "lead_failed",
            "by_unit": POLICE,
            "result": "mediation_failed",
        },
    ),
    ("manually_assigned", {"unit": JUSTICE, "role": "lead", "staff": "chen.xietiao"}),
    ("case_resolved", {"lead_unit": JUSTICE, "round": 1, "result": "mediated"}),
    ("case_closed", {"rating": "satisfied", "comment": "满意", "rated_by": "citizen:rating-link"}),
    (
        "case_reopened",
        {"cause": "dissatisfied", "rating": "dissatisfied", "comment": "没赔钱", "rated_by": "wang.ducha", "round": 2},
    ),
    ("case_reopened", {"cause": "repeat_report", "round": 3}),
    (
        "repeat_linked",
        {"source": "police_call", "source_record_id": "JQ-2026-0042", "reason": "same source record"},
    ),
    ("clock_paused", PAUSED),
    ("clock_paused", {**LEAD, "officer": "liu.yang", "reason": "other", "note": "当事人住院", "late": True}),
    (
        "clock_resumed",
        {
            **PAUSED,
            "resumed_at": "2026-12-08T02:00:00+00:00",
            "counting": "working",
            "previous_due_at": "2026-12-11T09:30:00+00:00",
            "due_at": "2026-12-14T09:30:00+00:00",
        },
    ),
    ("clock_resumed", {**LEAD, "officer": "liu.yang", "late": True}),
    ("spot_checked", {"rating": "satisfied", "comment": "已履行", "rated_by": "wang.ducha", "round": 1}),
    ("rating_overtaken", {"rating": "satisfied", "comment": "已赔付", "rated_by": "citizen:rating-link", "round": 1}),
    (
        "deadline_recomputed",
        {
            **LEAD,
            "year": 2027,
            "previous_due_at": "2027-01-04T09:30:00+00:00",
            "due_at": "2027-01-06T09:30:00+00:00",
            "due_provisional": False,
        },
    ),
    ("case_escalated", {**LEAD, **ESCALATION, "overdue_working_days": 3}),
    # The indices above and the last two are read by name elsewhere (TIMELINE[18], TIMELINE[-2]): add here.
    (
        "repeat_linked",
        {"source": "walk_in", "reason": "same parties and category within 30 days", "summary": "围墙仍未拆除"},
    ),
    (
        "leaders_alerted",
        {**LEAD, **ESCALATION, "from_centre": "430426", "to_centre": None, "overdue_working_days": 6},
    ),
    (
        "units_called_in",
        {"units": ["petition:430426"], "note": "多户联名信访", "staff": "chen.xietiao", "centre": "430426"},
    ),
    (
        "report_rejected",
        {
            "unit": "court:430426",
            "referral_id": CO_ID,
            "rejected_type": "ResultReported",
            "rejected_message_id": "8d9f0d0e-1111-4c1b-9f8e-7a6d5c4b3a21",
            "reason": "referral_closed",
            "detail": "referral 00000000-0000-0000-0000-000000000002 is reported",
            "notice_id": "5a0e6c1e-2222-4c1b-9f8e-7a6d5c4b3a21",
        },
    ),
]
REFERRAL_UNITS = {LEAD_ID: POLICE, CO_ID: JUSTICE}
ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T|[+-][0-9]{2}:[0-9]{2}$|[+-][0-9]{2}:[0-9]{2}[^0-9]")
# A refused message's code stays beside its Chinese reason, for the unit to look it up.
REFUSAL_CODE = re.compile(r" \([a-z_]+\)")


def english_left(line: str) -> list[str]:
    """Codes left in a line (lower-case, as the platform's are) once the officers' accounts are taken out:
    staff know officers by their accounts."""
    for account in OFFICERS:
        line = line.replace(account, "")
    return re.findall(r"[a-z_]{2,}", REFUSAL_CODE.sub("", line))


def noted_by_the_coordinator() -> dict[str, set[str]]:
    """Each kind of line the coordinator's code notes (`….note(TimelineKind.X, key=…)`), with the keys it names."""
    noted: dict[str, set[str]] = {}
    for path in COORDINATOR.rglob("*.py"):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "note"):
                continue
            kind = call.args[0] if call.args else None
            # Any other first argument would hide a kind from this test: the rules name theirs.
            assert isinstance(kind, ast.Attribute) and isinstance(kind.value, ast.Name), ast.unparse(call)
            assert kind.value.id == "TimelineKind", ast.unparse(call)
            keys = {keyword.arg for keyword in call.keywords if keyword.arg is not None}
            noted.setdefault(TimelineKind[kind.attr].value, set()).update(keys)
    return noted


def test_every_kind_of_line_the_coordinator_writes_has_its_chinese_name():
    for kind in TimelineKind:
        assert wording.TIMELINE_KINDS.get(kind.value, kind.value) != kind.value, f"{kind.value} has no wording"


def test_every_key_the_coordinator_notes_on_a_line_is_worded():
    noted = noted_by_the_coordinator()
    assert set(noted) == {kind.value for kind in TimelineKind}  # the scan found every kind's rule
    for kind, keys in noted.items():
        if kind in tw.SENTENCE_KINDS:
            continue  # its sentence reads what it needs
        assert keys <= tw.TIMELINE_KEYS, f"{kind}: {sorted(keys - tw.TIMELINE_KEYS)} have no wording"


def test_the_samples_cover_every_kind_of_line():
    assert {kind for kind, _ in TIMELINE} == {kind.value for kind in TimelineKind}


@pytest.mark.parametrize(("kind", "detail"), TIMELINE, ids=[kind for kind, _ in TIMELINE])
def test_each_line_reads_in_chinese_with_no_code_repr_or_utc_time(kind, detail):
    parts = tw.timeline_parts(kind, detail, REGISTRY, PLACES, REFERRAL_UNITS)

    assert parts and all(parts)
    for part in parts:
        assert "=" not in part and "{" not in part and "[" not in part, part
        assert not ISO_TIME.search(part), part
        assert english_left(part) == [], part
        assert "00000000-" not in part  # referral ids mean nothing to staff


def test_a_repeat_report_reads_with_what_the_citizen_said():
    detail = {"source": "walk_in", "reason": "same parties and category within 30 days", "summary": "围墙仍未拆除"}

    assert "反映内容：围墙仍未拆除" in tw.timeline_parts("repeat_linked", detail, REGISTRY, PLACES, REFERRAL_UNITS)


def test_a_late_step_says_so_after_its_last_part():
    parts = tw.timeline_parts("clock_resumed", {**LEAD, "officer": "liu.yang", "late": True}, REGISTRY, PLACES)

    assert parts == ["砖塘镇派出所（牵头单位）", "经办人：liu.yang（在该单位办结或退回之后收到，仅作记录）"]


def test_a_gap_names_the_unit_that_left_it_as_the_one_that_returned_the_case():
    detail = {"role": "co_unit", "code": "co_unit_declined", "by_unit": JUSTICE, "reason": f"{JUSTICE} declined"}

    assert tw.timeline_parts("manual_triage_needed", detail, REGISTRY, PLACES) == [
        "需指派配合单位",
        "原因：砖塘镇司法所退回配合，已无可替补的配合单位",
    ]


def test_a_call_in_names_who_called():
    called = dict(TIMELINE[-2][1])

    assert tw.timeline_parts("units_called_in", called, REGISTRY, PLACES) == [
        "报到单位：祁东县信访局",  # the line's own title, 吹哨报到, is not said again
        "事项：多户联名信访",
        "经办人：chen.xietiao",
    ]


PEOPLE = {"liu.yang": "刘洋", "chen.xietiao": "陈协调", "wang.ducha": "王督查"}


@pytest.mark.parametrize(
    ("kind", "detail", "expected"),
    [
        ("referral_accepted", {**LEAD, "officer": "liu.yang"}, "经办人：刘洋（liu.yang）"),
        ("units_called_in", dict(TIMELINE[-2][1]), "经办人：陈协调（chen.xietiao）"),
        ("spot_checked", {"rating": "satisfied", "rated_by": "wang.ducha", "round": 1}, "录入人：王督查（wang.ducha）"),
        ("case_closed", {"rating": "satisfied", "rated_by": "citizen:rating-link"}, "录入人：群众（扫码评价）"),
        # An account the directory does not know (a deployment's own OIDC provider's): shown as it is.
        ("referral_accepted", {**LEAD, "officer": "zhou.tiaojie"}, "经办人：zhou.tiaojie"),
    ],
)
def test_staff_who_acted_read_by_name_with_their_account(kind, detail, expected):
    parts = tw.timeline_parts(kind, detail, REGISTRY, PLACES, people=PEOPLE)

    assert expected in parts


def test_a_term_or_value_of_another_shape_still_reads():
    assert tw.term_text({"days": 3}) == "3个工作日"
    assert tw.term_text(7) == "7"
    assert tw.readable(("a", None, "b")) == "a、b"
    assert tw.readable(True) == "是"
    assert tw.agreement_text({"signed_on": "2026-12-03", "terms": "赔偿3000元"}) == (
        "调解协议（2026-12-03签订）：赔偿3000元"
    )
    assert tw.agreement_text({"signed_on": "2026-12-03", "terms": "三日内修好院墙", "form": "oral"}) == (
        "口头调解协议（2026-12-03达成，调解员记录）：三日内修好院墙"
    )


def test_units_in_free_text_read_by_name_and_other_codes_stay():
    text = "police:430426101 declined; centre:430426 above; fire:430426101 and 430426101 as they are"

    assert wording.units_in_text(text, REGISTRY, PLACES) == (
        "砖塘镇派出所 declined; 祁东县综治中心 above; fire:430426101 and 430426101 as they are"
    )


def test_a_summary_s_closing_stop_does_not_double_the_separator():
    detail = {**LEAD, "summary": "双方达成协议，赔偿损失。", "officer": "liu.yang"}

    parts = tw.timeline_parts("result_reported", detail, REGISTRY, PLACES)

    assert "；".join(parts).count("。；") == 0
    assert "办理情况：双方达成协议，赔偿损失" in parts


def test_the_accounts_a_case_names_are_who_registered_handled_assigned_and_rated_not_the_rating_link():
    case = {
        "registered_by": "demo.window",
        "timeline": [{"kind": kind, "detail": detail} for kind, detail in TIMELINE] + [{"kind": "x", "detail": None}],
    }

    assert tw.accounts_named(case) == sorted({"demo.window", *OFFICERS})
