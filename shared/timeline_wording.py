"""A case's history in words: each timeline line as the console's case page and `wuyuan case show` both read it."""

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from shared.registry import AgencyRegistry
from shared.wording import (
    DAY_COUNTS,
    DECLINE_REASONS,
    LINK_REASONS,
    MODES,
    OUTCOMES,
    PAUSE_REASONS,
    RATERS,
    RATINGS,
    REFERRAL_ROLES,
    REOPEN_CAUSES,
    RESULT_CODES,
    SOURCES,
    Places,
    called_in_parts,
    deadline_recomputed_text,
    escalation_text,
    label,
    local_time,
    person_text,
    report_rejected_text,
    triage_cause_text,
    unit_name,
    units_in_text,
)

# The coordinator's sentences for why a case waits for manual triage, for lines noted before its gap codes;
# others are shown as they are, units by name.
_TRIAGE_REASONS = (
    (re.compile(r"^(\S+) declined as lead and no fall-back lead is left$"), "{0}退回牵头，已无可替补的牵头单位"),
    (re.compile(r"^(\S+) declined as co-unit and no reserve co-unit is left$"), "{0}退回配合，已无可替补的配合单位"),
    (re.compile(r"^lead unit (\S+) reported the dispute unresolved: (.*)$", re.DOTALL), "牵头单位{0}反馈未化解：{1}"),
    (re.compile(r"^the citizen is dissatisfied with a case settled at the window$"), "窗口当场化解的案件，群众不满意"),
    (
        re.compile(r"^a case settled at the window was reported again after it was closed$"),
        "窗口当场化解的案件，结案后再次反映",
    ),
)
# How a line's detail reads, key by key, in this order: (key, title before the value, or '' for none).
TIMELINE_DETAILS = (
    ("mode", ""),
    ("lead_unit", "牵头单位"),
    ("co_units", "配合单位"),
    ("round", ""),
    ("term", "时限"),
    ("previous_due_at", "原期限"),
    ("due_at", "期限"),
    ("counting", ""),
    ("replaces", "接替"),
    ("result", "结果"),
    ("outcome", "结果"),
    ("summary", "办理情况"),
    ("agreement", ""),
    ("code", "原因"),
    ("by_unit", "单位"),
    ("reason", "理由"),
    ("reason_code", "退回类型"),
    ("note", "进展"),
    ("pause_number", ""),
    ("paused_at", "暂停时间"),
    ("resumed_at", "恢复时间"),
    ("cause", "原因"),
    ("rating", "评价"),
    ("comment", "意见"),
    ("stays_with", ""),
    ("source", "来源"),
    ("source_record_id", "原始编号"),
    ("officer", "经办人"),
    ("staff", "指派人"),
    ("rated_by", "录入人"),
    ("rule", "分流规则"),
)
# Where a kind of line means something else by a key: a pause's reason and note are the pause's own.
_KIND_TITLES = {
    ("clock_paused", "reason"): "暂停原因",
    ("clock_paused", "note"): "暂停说明",
    ("clock_resumed", "reason"): "暂停原因",
    ("clock_resumed", "note"): "暂停说明",
    ("clock_resumed", "due_at"): "顺延至",
    ("repeat_linked", "summary"): "反映内容",
}
# The keys worded: shown with the unit ('砖塘镇派出所（牵头单位）'), as a note after the line, or not at all (an id
# staff never use). A key the coordinator writes and this does not know is shown as its code.
TIMELINE_KEYS = frozenset({"unit", "role", "referral_id", "late"} | {key for key, _ in TIMELINE_DETAILS})
_PAUSE_KINDS = ("clock_paused", "clock_resumed")
_EMPTY: tuple[Any, ...] = (None, "", [], {})
# The stops and spaces a part may end with (an officer's summary typed with its own 。): trimmed, since the parts
# are read one after another with '；' between them.
_CLOSING_STOPS = "。；;，, \t\n"
# A member of staff by account, as people read them ('刘洋（liu.yang）').
Person = Callable[[object], str]
# The keys of a line's detail that hold an account: who handled, assigned or rated.
ACCOUNT_KEYS = ("officer", "staff", "rated_by")


def accounts_named(case: Mapping[str, Any]) -> list[str]:
    """The staff accounts a case's page names (登记人, and who handled, assigned or rated each step), for asking
    their names: the citizen's rating link and other codes that are not accounts left out."""
    named = {case.get("registered_by")}
    for entry in case.get("timeline") or []:
        detail = entry.get("detail") if isinstance(entry, Mapping) else None
        if isinstance(detail, Mapping):
            named.update(detail.get(key) for key in ACCOUNT_KEYS)
    return sorted(account for account in named if isinstance(account, str) and account and account not in RATERS)


# After a line marked `late`: a step of the unit handled after its own result or decline, which the coordinator keeps
# on the record and which changed nothing (its rules._overtaken).
LATE_NOTE = "（在该单位办结或退回之后收到，仅作记录）"


def timeline_parts(
    kind: str,
    detail: Mapping[str, Any],
    registry: AgencyRegistry,
    places: Places,
    referral_units: Mapping[str, str] | None = None,
    people: Mapping[str, str] | None = None,
) -> list[str]:
    """What a timeline line's detail says, part by part ('砖塘镇派出所（牵头单位）', '期限：2026-12-11 17:30'): units
    by name, codes in Chinese, times in Beijing time, staff by name and account ('刘洋（liu.yang）'). The case page
    shows each part in a span of its own, `wuyuan case show` joins them with '；'.

    `referral_units` maps the case's referral ids to their units, for the referral a new one replaces; `people` maps
    accounts to their names (identity's directory), an account it does not know being shown as it is.
    """
    known = people or {}

    def person(account: object) -> str:
        return person_text(str(account), known.get(str(account)))

    sentence = _SENTENCES.get(kind)
    if sentence is not None:
        parts = sentence(detail, registry, places, person)
    else:
        parts = _detail_parts(kind, detail, registry, places, referral_units or {}, person)
    # A part's own closing stop, typed by an officer at the end of a summary, would read '。；'.
    parts = [trimmed for part in parts if (trimmed := part.rstrip(_CLOSING_STOPS))]
    if detail.get("late") and parts:
        parts[-1] += LATE_NOTE
    return parts


def _detail_parts(
    kind: str,
    detail: Mapping[str, Any],
    registry: AgencyRegistry,
    places: Places,
    referral_units: Mapping[str, str],
    person: Person,
) -> list[str]:
    def unit(code: object) -> str:
        return unit_name(str(code), registry, places)

    def in_text(text: str) -> str:
        return units_in_text(text, registry, places)

    values: dict[str, Callable[[Any], str]] = {
        "mode": lambda code: label(MODES, code),
        "lead_unit": unit,
        "co_units": lambda codes: "、".join(unit(code) for code in codes) if isinstance(codes, list) else unit(codes),
        "round": lambda n: f"第{n}轮",
        # The coordinator numbers routing.toml's rules from 0; people count from 1.
        "rule": lambda n: f"第{int(n) + 1}条" if isinstance(n, int) else readable(n),
        "term": term_text,
        "due_at": local_time,
        "previous_due_at": local_time,
        "paused_at": local_time,
        "resumed_at": local_time,
        "counting": lambda code: f"按{label(DAY_COUNTS, code)}计",
        "pause_number": lambda n: f"第{n}次暂停",
        "replaces": lambda referral_id: unit(referral_units.get(str(referral_id), str(referral_id))),
        "outcome": lambda code: label(OUTCOMES, code),
        "result": lambda code: label(RESULT_CODES, code),
        "agreement": agreement_text,
        "rating": lambda code: label(RATINGS, code),
        "stays_with": lambda code: f"已{label(RESULT_CODES, code)}，由法定途径依法处理，综治中心不再重新交办",
        "cause": lambda code: label(REOPEN_CAUSES, code),
        "source": lambda code: label(SOURCES, code),
        "reason": lambda text: _reason(kind, str(text), registry, places),
        # The unit whose decline or report left the gap, named in the cause as the one that left it.
        "code": lambda code: triage_cause_text(code, unit(by) if (by := detail.get("by_unit")) else ""),
        "by_unit": unit,
        "reason_code": lambda code: label(DECLINE_REASONS, code),
        "rated_by": lambda account: RATERS.get(str(account)) or person(account),
        "officer": person,
        "staff": person,
    }
    parts = []
    role = label(REFERRAL_ROLES, detail.get("role"))
    if detail.get("unit"):
        parts.append(f"{unit(detail['unit'])}（{role}）" if role else unit(detail["unit"]))
    elif role:  # a gap for staff to fill
        parts.append(f"需指派{role}")
    for key, title in TIMELINE_DETAILS:
        value = detail.get(key)
        if value in _EMPTY or _said_otherwise(kind, key, detail):
            continue
        text = values[key](value) if key in values else readable(value, in_text)
        title = _KIND_TITLES.get((kind, key), title)
        if key == "due_at" and _deadline_kept(detail):
            title = "期限不变"
        parts.append(f"{title}：{text}" if title else text)
    # A key added to the coordinator after this wording: shown as it reads, never as a Python repr.
    parts.extend(
        f"{key}：{readable(value, in_text)}"
        for key, value in detail.items()
        if key not in TIMELINE_KEYS and value not in _EMPTY
    )
    return parts


def _said_otherwise(kind: str, key: str, detail: Mapping[str, Any]) -> bool:
    if key == "outcome" and detail.get("result"):
        return True  # a result code says more than the outcome it implies
    if key == "rule" and detail.get("mode") == "on_the_spot":
        return True  # settled at the window: 现场办 says it, and no unit was routed
    if key == "previous_due_at" and _deadline_kept(detail):
        return True  # a pause that moved nothing: the deadline is said once, as kept
    if key == "by_unit" and detail.get("code"):
        return True  # named beside its cause
    # The gap's code and unit say it in Chinese; the sentence is for the API.
    return key == "reason" and kind == "manual_triage_needed" and bool(detail.get("code"))


def _deadline_kept(detail: Mapping[str, Any]) -> bool:
    """A line that names the deadline before and after (a resume) where both are the same instant: a pause over
    time that did not count (a weekend, for a working-day term) moved nothing."""
    before, after = detail.get("previous_due_at"), detail.get("due_at")
    if before in _EMPTY or after in _EMPTY:
        return False
    try:
        return datetime.fromisoformat(str(before)) == datetime.fromisoformat(str(after))
    except ValueError:
        return before == after


def _reason(kind: str, text: str, registry: AgencyRegistry, places: Places) -> str:
    if kind in _PAUSE_KINDS:
        return label(PAUSE_REASONS, text)
    if kind == "repeat_linked":
        return LINK_REASONS.get(text, text)
    if kind == "manual_triage_needed":
        return triage_reason(text, registry, places)
    return units_in_text(text, registry, places)


def triage_reason(text: str, registry: AgencyRegistry, places: Places) -> str:
    """The coordinator's sentence for why a case waits for staff, in Chinese where it is one it is known to write."""
    for pattern, chinese in _TRIAGE_REASONS:
        found = pattern.match(text)
        if found:
            return chinese.format(*(units_in_text(group, registry, places) for group in found.groups()))
    return units_in_text(text, registry, places)


def term_text(term: Any) -> str:
    """'5个工作日' or '30个自然日' from a term as the coordinator records it ({'days': 5, 'counting': 'working'})."""
    if not isinstance(term, Mapping) or term.get("days") in (None, ""):
        return readable(term)
    return f"{term['days']}个{label(DAY_COUNTS, term.get('counting') or 'working')}"


def agreement_text(agreement: Any) -> str:
    """'调解协议 祁东人调〔2026〕118号（2026-12-03签订）：李四赔偿…' from an agreement as the coordinator records it."""
    if not isinstance(agreement, Mapping):
        return f"调解协议：{readable(agreement)}"
    number = f" {agreement['number']}" if agreement.get("number") else ""
    if agreement.get("form") == "oral":  # 人民调解法 第二十八条: recorded by the mediator, not signed
        return f"口头调解协议{number}（{agreement.get('signed_on', '')}达成，调解员记录）：{agreement.get('terms', '')}"
    return f"调解协议{number}（{agreement.get('signed_on', '')}签订）：{agreement.get('terms', '')}"


def readable(value: Any, in_text: Callable[[str], str] | None = None) -> str:
    """Any detail value as a person reads it: times in Beijing time, lists and tables joined, never a Python repr.
    `in_text` names the units in a text, where the caller knows them."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Mapping):
        return "，".join(f"{key}：{readable(item, in_text)}" for key, item in value.items() if item not in _EMPTY)
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(readable(item, in_text) for item in value if item not in _EMPTY)
    text = local_time(str(value))  # an ISO time with its zone in Beijing time; any other text as it is
    return in_text(text) if in_text is not None else text


def _recomputed(detail: Mapping[str, Any], registry: AgencyRegistry, places: Places, _: Person) -> list[str]:
    return [_of_unit(detail, registry, places, deadline_recomputed_text(detail))]


def _escalated(detail: Mapping[str, Any], registry: AgencyRegistry, places: Places, _: Person) -> list[str]:
    return [_of_unit(detail, registry, places, escalation_text(detail, registry, places))]


def _called_in(detail: Mapping[str, Any], registry: AgencyRegistry, places: Places, person: Person) -> list[str]:
    staff = f"经办人：{person(detail['staff'])}" if detail.get("staff") else None
    return [*called_in_parts(detail, registry, places), *([staff] if staff else [])]


def _rejected(detail: Mapping[str, Any], registry: AgencyRegistry, places: Places, _: Person) -> list[str]:
    return [report_rejected_text(detail, registry, places)]


def _of_unit(detail: Mapping[str, Any], registry: AgencyRegistry, places: Places, sentence: str) -> str:
    unit = unit_name(detail.get("unit"), registry, places)
    return f"{unit}：{sentence}" if unit else sentence


# Kinds a sentence of their own tells: whose part, what happened and why. Their other keys are for software,
# but for who called units in.
_SENTENCES: dict[str, Callable[[Mapping[str, Any], AgencyRegistry, Places, Person], list[str]]] = {
    "deadline_recomputed": _recomputed,
    "case_escalated": _escalated,
    "leaders_alerted": _escalated,
    "units_called_in": _called_in,
    "report_rejected": _rejected,
}
SENTENCE_KINDS = frozenset(_SENTENCES)
