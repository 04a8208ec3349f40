"""Every line of a case's history in `wuyuan case show` reads in Chinese: no codes, no Python, no UTC times."""

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from services.coordinator.deadlines import deadline_for, extend_for
from services.coordinator.domain.model import CaseFacts, TimelineKind
from services.coordinator.domain.rules import record_pause, record_resume, triage
from services.coordinator.routing import load_routing_table
from shared.contracts.messages import PauseReason
from shared.contracts.vocabulary import Category, Source
from shared.registry import DEFAULT_CONFIG_DIR, load_registry
from wuyuan.labels import Names, readable, term_text, timeline_detail
from wuyuan.settings import PlatformSettings

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
    (
        "leaders_alerted",
        {**LEAD, **ESCALATION, "from_centre": "430426", "to_centre": None, "overdue_working_days": 6},
    ),
    ("units_called_in", {"units": ["petition:430426"], "note": "多户联名信访", "staff": "chen", "centre": "430426"}),
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
ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T|[+-][0-9]{2}:[0-9]{2}$|[+-][0-9]{2}:[0-9]{2}[^0-9]")
# A refused message's code stays beside its Chinese reason, as on the console, for the unit to look it up.
REFUSAL_CODE = re.compile(r" \([a-z_]+\)")


@pytest.fixture
def names(tmp_path) -> Names:
    return Names.of(PlatformSettings(state_dir=tmp_path))


def english_left(line: str) -> list[str]:
    """Codes left in a line (lower-case, as the platform's are) once the officers' accounts are taken out:
    staff know officers by their accounts."""
    for account in OFFICERS:
        line = line.replace(account, "")
    return re.findall(r"[a-z_]{2,}", REFUSAL_CODE.sub("", line))


def test_every_kind_of_line_the_coordinator_writes_is_covered_here():
    assert {kind for kind, _ in TIMELINE} == {kind.value for kind in TimelineKind}


@pytest.mark.parametrize(("kind", "detail"), TIMELINE, ids=[kind for kind, _ in TIMELINE])
def test_each_line_reads_in_chinese_with_no_code_repr_or_utc_time(names, kind, detail):
    line = timeline_detail(kind, detail, names, {CO_ID: JUSTICE})

    assert line
    assert "=" not in line and "{" not in line and "[" not in line
    assert not ISO_TIME.search(line), line
    assert english_left(line) == [], line
    assert "00000000-" not in line  # referral ids mean nothing to staff


def test_a_dispatch_gives_its_term_in_working_or_calendar_days_and_its_deadline_in_beijing_time(names):
    working = dict(TIMELINE[1][1])
    calendar = {**TIMELINE[2][1], "replaces": LEAD_ID}

    assert timeline_detail("referral_issued", working, names, {}) == (
        "砖塘镇派出所（牵头单位）；第1轮；时限：5个工作日；期限：2026-12-11 17:30"
    )
    assert timeline_detail("referral_issued", calendar, names, {LEAD_ID: POLICE}) == (
        "砖塘镇司法所（配合单位）；第1轮；时限：30个自然日；期限：2027-01-03 17:30；接替：砖塘镇派出所"
    )


def test_a_pause_names_its_reason_and_note_as_the_pauses_and_its_time_in_beijing_time(names):
    assert timeline_detail("clock_paused", PAUSED, names, {}) == (
        "砖塘镇派出所（牵头单位）；期限：2026-12-11 17:30；暂停原因：鉴定；暂停说明：等待伤情鉴定结论；"
        "第1次暂停；暂停时间：2026-12-05 09:00；经办人：liu.yang"
    )


def test_a_resume_says_how_far_the_deadline_moved_and_when_the_clock_stood_still(names):
    resumed = dict(TIMELINE[18][1])

    assert timeline_detail("clock_resumed", resumed, names, {}) == (
        "砖塘镇派出所（牵头单位）；原期限：2026-12-11 17:30；顺延至：2026-12-14 17:30；按工作日计；"
        "暂停原因：鉴定；暂停说明：等待伤情鉴定结论；第1次暂停；暂停时间：2026-12-05 09:00；"
        "恢复时间：2026-12-08 10:00；经办人：liu.yang"
    )


@pytest.mark.parametrize(
    ("reason", "chinese"),
    [
        ("awaiting_party", "等待当事人"),
        ("judicial_confirmation", "司法确认中"),
        ("appraisal", "鉴定"),
        ("other", "其他"),
    ],
)
def test_every_pause_reason_reads_by_its_chinese_name(names, reason, chinese):
    assert f"暂停原因：{chinese}；" in timeline_detail("clock_paused", {**PAUSED, "reason": reason}, names, {})


def test_a_rating_by_the_citizens_link_says_so(names):
    assert (
        timeline_detail("case_closed", TIMELINE[12][1], names, {}) == "评价：满意；意见：满意；录入人：群众（扫码评价）"
    )


def test_lines_the_coordinator_writes_for_a_pause_and_a_resume_read_in_chinese(names):
    """Through the coordinator's own rules, as the API's JSON carries them."""
    cst = timezone(timedelta(hours=8))
    registry = load_registry()
    routing = load_routing_table(DEFAULT_CONFIG_DIR / "routing.toml", set(registry.agencies))
    ids = iter(range(1, 100))
    facts = CaseFacts("430426-20250915-00001", Source.POLICE_CALL, Category.NEIGHBOUR, "430426101203")
    triaged = triage(
        facts, routing, registry, datetime(2025, 9, 15, 9, 0, tzinfo=cst), deadline_for, lambda: UUID(int=next(ids))
    )
    lead = triaged.case.current_lead()
    assert lead is not None
    at = datetime(2025, 9, 17, 10, 0, tzinfo=cst)
    paused = record_pause(
        triaged.case, lead.referral_id, lead.unit, "liu.yang", PauseReason.AWAITING_PARTY, "等当事人返乡", 1, at, at
    )
    later = at + timedelta(days=2)
    resumed = record_resume(paused.case, lead.referral_id, lead.unit, "liu.yang", 1, later, later, extend_for)

    entries: list[dict[str, Any]] = json.loads(
        json.dumps(
            [{"kind": e.kind, "detail": e.detail} for e in (*triaged.timeline, *paused.timeline, *resumed.timeline)]
        )
    )
    lines = [timeline_detail(e["kind"], e["detail"], names, {}) for e in entries]

    assert {e["kind"] for e in entries} >= {"case_triaged", "referral_issued", "clock_paused", "clock_resumed"}
    for line in lines:
        assert "=" not in line and "{" not in line and not ISO_TIME.search(line), line
        assert english_left(line) == [], line
    assert any("时限：10个工作日" in line for line in lines)
    assert any("暂停原因：等待当事人；暂停说明：等当事人返乡" in line for line in lines)


def test_a_value_of_a_key_not_known_yet_reads_without_python(names):
    line = timeline_detail(
        "case_closed",
        {"rating": "satisfied", "window": {"from": "2026-12-05T01:00:00+00:00", "late": False}, "units": [POLICE]},
        names,
        {},
    )

    assert line == "评价：满意；window：from：2026-12-05 09:00，late：否；units：砖塘镇派出所"


def test_a_term_or_value_of_another_shape_still_reads():
    assert term_text({"days": 3}) == "3个工作日"
    assert term_text(7) == "7"
    assert readable(("a", None, "b")) == "a、b"
    assert readable(True) == "是"
