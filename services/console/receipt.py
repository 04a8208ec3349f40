"""受理回执: what the window hands a citizen who registered a dispute, worked out from the case as intake and the
coordinator answer it, in plain Chinese and without the ID or mobile numbers."""

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from services.console.case_text import UnitName
from shared import wording
from shared.centres import Centre, Centres
from shared.qr_codes import qr_svg

# While triage has not designated a lead, or the lead's role waits for staff (a unit declined it), the citizen is
# told the centre is placing the case rather than the reason the console gives staff.
AWAITING_LEAD = "待综治中心分派"
SETTLED_AT_THE_WINDOW = "综治中心当场办理"
# A deadline on a year's calendar the State Council has not published yet is worked out on weekdays alone.
PROVISIONAL = "（暂定，以承办单位通知为准）"
# Enough of a summary (up to 2000 characters as registered) to know the dispute by, so the receipt stays on one page.
SUMMARY_ON_RECEIPT = 300
SUMMARY_CUT = "……（全文已登记在案）"


@dataclass(frozen=True)
class RepeatReport:
    """A report intake linked to the case as a repeat (重复反映): when it came, and why it is the same dispute."""

    reported_at: str  # '2026年11月25日 10:05', Beijing time
    reason: str  # '30日内同一当事人、同类纠纷'


@dataclass(frozen=True)
class Receipt:
    """The receipt's lines, each as printed."""

    centre_name: str
    case_id: str
    registered_at: str  # '2026年11月23日 09:30', Beijing time
    visitors: str  # the applicants' names as registered, '张秀英、李建国'
    category: str
    summary: str
    handled_by: str
    deadline: str  # '' when no deadline is set yet
    follow_up: str
    address: str
    # This report's, when it repeats the case: intake keeps no parties of a repeat, so the names are the case's as
    # first registered, and the receipt says so.
    repeat: RepeatReport | None = None


def receipt_of(
    case_id: str,
    dispute: Mapping[str, Any],
    case: Mapping[str, Any] | None,
    centre: Centre | None,
    centre_name: str,
    unit: UnitName,
    repeat: RepeatReport | None = None,
) -> Receipt:
    """The receipt of a case as intake registered it (`dispute`) and the coordinator holds it (`case`, None before
    triage), issued by the window's `centre` (None when config/centres.toml cannot be read here)."""
    report = dispute.get("report")
    parties = report.get("parties") if isinstance(report, Mapping) else None
    applicants = [
        str(p.get("name")).strip()
        for p in parties or []
        if isinstance(p, Mapping) and p.get("role") == "applicant" and str(p.get("name") or "").strip()
    ]
    summary = dispute.get("summary") or (report.get("summary") if isinstance(report, Mapping) else "")
    return Receipt(
        centre_name=centre_name,
        case_id=case_id,
        registered_at=wording.local_time_words(dispute.get("registered_at")),
        visitors="、".join(dict.fromkeys(applicants)),
        category=wording.label(wording.CATEGORIES, dispute.get("category")),
        summary=_shortened(str(summary or "")),
        handled_by=handled_by(case, unit),
        deadline=lead_deadline(case),
        follow_up=follow_up_text(centre.phone if centre else None),
        address=(centre.address or "") if centre else "",
        repeat=repeat,
    )


@dataclass(frozen=True)
class ProgressQr:
    """The receipt's QR code to the case's progress page (办理进度查询), and its address in small print."""

    url: str
    image: str  # the QR code's SVG as a data: address, so the printed page needs nothing else fetched


def progress_qr(case_id: str, link: object) -> ProgressQr | None:
    """The QR code of the link supervision signed (its JSON answer); None unless it is a web address, and the
    receipt then prints without it."""
    url = link.get("url") if isinstance(link, Mapping) else None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    svg = qr_svg(url, f"办理进度 {case_id}", scale=4)
    return ProgressQr(url, "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode())


def report_id(value: object) -> str | None:
    """A report's id as a page carries it (a UUID), None for anything else."""
    try:
        return str(UUID(str(value))) if value else None
    except ValueError:
        return None


def repeat_report(dispute: Mapping[str, Any], report: str) -> RepeatReport | Literal[False] | None:
    """The repeat `report` of the case as intake lists its reports; False for the report that opened the case (its
    receipt is the case's own); None when the case holds no such report."""
    for row in dispute.get("reports") or []:
        if isinstance(row, Mapping) and report_id(row.get("report_id")) == report:
            if not row.get("linked"):
                return False
            return RepeatReport(
                reported_at=wording.local_time_words(row.get("received_at")),
                reason=wording.label(wording.LINK_REASONS, row.get("reason")),
            )
    return None


def _shortened(summary: str) -> str:
    return summary if len(summary) <= SUMMARY_ON_RECEIPT else summary[:SUMMARY_ON_RECEIPT] + SUMMARY_CUT


def follow_up_text(phone: str | None) -> str:
    """How the citizen follows the case up: at the window, or by phone when the centre has one."""
    if phone:
        return f"凭本回执和案件编号，可到综治中心窗口或致电 {phone} 查询办理进度。"
    return "凭本回执和案件编号，可到综治中心窗口查询办理进度。"


def staff_note(phone: str | None) -> str:
    """What the registered page asks window staff to tell the citizen, beside the case number."""
    if phone:
        return f"请告知来访群众：凭案件编号可到综治中心窗口或致电 {phone} 查询办理进度；可打印回执交其留存"
    return "请告知来访群众：凭案件编号可到综治中心窗口查询办理进度；可打印回执交其留存"


def handled_by(case: Mapping[str, Any] | None, unit: UnitName) -> str:
    """The lead unit by its Chinese name once triage designated it and it still holds the role; the centre
    placing it otherwise."""
    if case is None:
        return AWAITING_LEAD
    lead = case.get("lead_unit")
    if not lead:
        return SETTLED_AT_THE_WINDOW if case.get("mode") == "on_the_spot" else AWAITING_LEAD
    passed_on = bool(_lead_referrals(case, str(lead))) and _current_lead_referral(case, str(lead)) is None
    if _lead_gap(case) or passed_on:
        return AWAITING_LEAD
    return unit(str(lead)) or AWAITING_LEAD


def lead_deadline(case: Mapping[str, Any] | None) -> str:
    """'2026年12月7日', the day the coordinator set for the lead's referral; '' when there is none to hold to."""
    if case is None or not case.get("lead_unit") or _lead_gap(case):
        return ""
    referral = _current_lead_referral(case, str(case["lead_unit"]))
    if referral is None:
        return ""
    day = wording.local_date_words(referral.get("due_at"))
    return day + (PROVISIONAL if day and referral.get("due_provisional") else "")


def _lead_gap(case: Mapping[str, Any]) -> bool:
    return any(isinstance(g, Mapping) and g.get("role") == "lead" for g in case.get("gaps") or [])


def _current_lead_referral(case: Mapping[str, Any], lead: str) -> Mapping[str, Any] | None:
    """The round's latest lead referral to `lead`, while it is still the lead's (not declined or sent up)."""
    leads = _lead_referrals(case, lead)
    if not leads or leads[-1].get("status") in ("declined", "escalated"):
        return None
    return leads[-1]


def _lead_referrals(case: Mapping[str, Any], lead: str) -> list[Mapping[str, Any]]:
    round_ = case.get("round")
    return [
        r
        for r in case.get("referrals") or []
        if isinstance(r, Mapping) and r.get("role") == "lead" and r.get("unit") == lead and r.get("round") == round_
    ]


def window_centre(units: frozenset[str], centres: Centres) -> Centre:
    """The centre the window works for: the nearest of the centres the account is bound to, the county's when it
    is bound to none (config/centres.toml: an account bound to no centre unit acts for the county centre)."""
    own = [c for c in centres.centres if c.unit in units]
    return max(own, key=lambda c: len(c.division), default=centres.county)
