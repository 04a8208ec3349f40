"""Who handles a case, as its pages say it: the lead while none is designated, a case settled on the spot."""

from collections.abc import Callable, Mapping
from typing import Any

from shared import wording
from shared.registry import AgencyRegistry
from shared.timeline_wording import triage_reason

UnitName = Callable[[str | None], str]

# A case settled at the window (现场办) has no lead unit: the centre itself settled it there and then.
SETTLED_ON_THE_SPOT = "无（现场办，由综治中心当场办结）"
SETTLED_ON_THE_SPOT_SHORT = "无（现场办）"  # in a list's cell
# Why the lead's place is empty, by the gap's code (the coordinator's GapCode), naming the unit that left it.
_LEAD_GONE = {
    "lead_declined": "{unit}已退回",
    "lead_failed": "{unit}反馈未化解",
    "escalated": "已上报上一级，原牵头单位{unit}",
    "onward_case_reopened": "上一轮由{unit}导入法定途径",
}
# A lead referral that no longer holds the role, when the case names no gap (a coordinator from before gap codes).
_LEAD_PASSED_ON = {"declined": "{unit}已退回", "escalated": "{unit}已提级"}


def lead_text(case: Mapping[str, Any], unit: UnitName, short: bool = False) -> str:
    """'祁东县人民法院'; '待指派（祁东县人民法院已退回）' while the lead's role waits for staff, rather than the
    unit that gave it up; '无（现场办，由综治中心当场办结）' for a case settled at the window."""
    gap = next((g for g in case.get("gaps") or [] if isinstance(g, Mapping) and g.get("role") == "lead"), None)
    lead = case.get("lead_unit")
    if gap is not None:
        by = str(gap.get("unit") or lead or "")
        why = _LEAD_GONE.get(str(gap.get("code") or ""), "")
        if not why and gap.get("code") != "window_case_reopened":
            why = _LEAD_PASSED_ON.get(_lead_status(case, by), "")
        return "待指派" + (f"（{why.format(unit=unit(by))}）" if why and by else "")
    if not lead:
        if case.get("mode") == "on_the_spot":
            return SETTLED_ON_THE_SPOT_SHORT if short else SETTLED_ON_THE_SPOT
        return "—"
    passed_on = _LEAD_PASSED_ON.get(_lead_status(case, str(lead)))
    if passed_on:
        return f"待指派（{passed_on.format(unit=unit(str(lead)))}）"
    return unit(str(lead)) or "—"


def _lead_status(case: Mapping[str, Any], lead: str) -> str:
    """The status of the round's latest lead referral to `lead`, when the case lists its referrals."""
    round_ = case.get("round")
    leads = [
        r
        for r in case.get("referrals") or []
        if isinstance(r, Mapping) and r.get("role") == "lead" and r.get("unit") == lead and r.get("round") == round_
    ]
    return str(leads[-1].get("status") or "") if leads else ""


def gap_text(gap: Mapping[str, Any], unit: UnitName, registry: AgencyRegistry, places: wording.Places) -> str:
    """Why the case waits for staff, naming the unit that returned it ('祁东县人民法院退回牵头，已无可替补的牵头单位');
    a gap stored before gap codes by its sentence, in Chinese where it is one the coordinator is known to write."""
    code = gap.get("code")
    if not code and gap.get("reason"):
        return triage_reason(str(gap["reason"]), registry, places)
    return wording.triage_cause_text(code, unit(str(gap["unit"])) if gap.get("unit") else "")


def handled_text(case: Mapping[str, Any], unit: UnitName) -> str:
    """The follow-up's line on who handled the case: '牵头单位 祁东县人民法院', or '现场办，由综治中心当场办结'."""
    if not case.get("lead_unit") and case.get("mode") == "on_the_spot":
        return "现场办，由综治中心当场办结"
    return f"牵头单位 {lead_text(case, unit)}"


def co_units_text(case: Mapping[str, Any], unit: UnitName) -> str:
    """'砖塘镇司法所', with a co-unit's place that waits for staff after it ('、待指派（砖塘镇司法所已退回）');
    '—' for none."""
    named = [unit(str(code)) for code in case.get("co_units") or []]
    for gap in case.get("gaps") or []:
        if isinstance(gap, Mapping) and gap.get("role") == "co_unit":
            by = str(gap.get("unit") or "")
            gone = "已提级" if gap.get("code") == "escalated" else "已退回"
            named.append(f"待指派（{unit(by)}{gone}）" if by else "待指派")
    return "、".join(named) or "—"


def reported_again_since_settled(case: Mapping[str, Any]) -> list[str]:
    """What the follow-up visitor must raise with the citizen: each repeat report linked to the case since its
    round was last settled (重复反映 while the visit waits), as a line: '2026-12-04 22:10，12345热线，记录
    12345-20261204-0042，30日内同一当事人、同类纠纷'. A report linked before the settlement was the units' to answer,
    and is on the case's timeline; one after it says the dispute may not be over (事了心不顺), which the units'
    report alone cannot show. (A petition then reopens the case, unless its round went to a statutory procedure.)"""
    timeline = [e for e in case.get("timeline") or [] if isinstance(e, Mapping)]
    settled = max((i for i, e in enumerate(timeline) if e.get("kind") == "case_resolved"), default=None)
    if settled is None:
        return []
    lines = []
    for entry in timeline[settled + 1 :]:
        if entry.get("kind") != "repeat_linked":
            continue
        found = entry.get("detail")
        detail: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        parts = [wording.local_time(entry.get("at")), wording.label(wording.SOURCES, detail.get("source"))]
        if detail.get("source_record_id"):
            parts.append(f"记录 {detail['source_record_id']}")
        if detail.get("reason"):
            parts.append(wording.LINK_REASONS.get(str(detail["reason"]), str(detail["reason"])))
        lines.append("，".join(p for p in parts if p))
    return lines
