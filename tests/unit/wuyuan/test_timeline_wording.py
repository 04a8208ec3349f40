"""Every line of a case's history in `wuyuan case show` reads in Chinese, as the case page words it."""

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest

from services.coordinator.deadlines import deadline_for, extend_for
from services.coordinator.domain.model import CaseFacts
from services.coordinator.domain.rules import record_pause, record_resume, triage
from services.coordinator.routing import load_routing_table
from shared.contracts.messages import PauseReason
from shared.contracts.vocabulary import Category, Source
from shared.registry import DEFAULT_CONFIG_DIR, load_registry
from shared.timeline_wording import timeline_parts
from tests.unit.shared.test_wording_timeline import (
    CO_ID,
    ISO_TIME,
    JUSTICE,
    LEAD_ID,
    PAUSED,
    POLICE,
    TIMELINE,
    english_left,
)
from wuyuan.labels import Names, timeline_detail
from wuyuan.settings import PlatformSettings


@pytest.fixture
def names(tmp_path) -> Names:
    return Names.of(PlatformSettings(state_dir=tmp_path))


@pytest.mark.parametrize(("kind", "detail"), TIMELINE, ids=[kind for kind, _ in TIMELINE])
def test_each_line_is_the_case_pages_parts_joined(names, kind, detail):
    parts = timeline_parts(kind, detail, names.registry, names.places, {CO_ID: JUSTICE})

    assert timeline_detail(kind, detail, names, {CO_ID: JUSTICE}) == "；".join(parts)


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
