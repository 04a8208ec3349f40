"""What staff read in the `wuyuan` command: services, units and places by name, times in Beijing time, CJK columns."""

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.registry import AgencyRegistry, load_registry
from shared.wording import (
    DAY_COUNTS,
    DECLINE_REASONS,
    MODES,
    OUTCOMES,
    PAUSE_REASONS,
    RATERS,
    RATINGS,
    REFERRAL_ROLES,
    REOPEN_CAUSES,
    RESULT_CODES,
    SOURCES,
    TRIAGE_CAUSES,
    Places,
    PlacesError,
    called_in_text,
    deadline_recomputed_text,
    escalation_text,
    label,
    load_places,
    local_time,
    report_rejected_text,
    unit_name,
)
from wuyuan.cli_errors import CommandError, config_error_text
from wuyuan.settings import PlatformSettings

__all__ = ["CENTRE_GROUPS", "Names", "local_time", "pad", "service_label", "text_width", "timeline_detail"]

CENTRE_GROUPS = {
    "intake": "信息收集组",
    "coordinator": "综合协调组",
    "supervision": "检查督导组",
    "identity": "身份认证",
}


def service_label(settings: PlatformSettings, service: str) -> str:
    """'综合协调组', or an agency's name ('公安局'), for a service; the code itself if it is neither."""
    if service in CENTRE_GROUPS:
        return CENTRE_GROUPS[service]
    try:
        return load_registry(settings.config_dir).by_service(service).name_zh
    except KeyError:
        return service


@dataclass(frozen=True)
class Names:
    """Units and places as staff call them, from the platform's config (agencies.toml, divisions.toml)."""

    registry: AgencyRegistry
    places: Places

    @classmethod
    def of(cls, settings: PlatformSettings) -> "Names":
        """The names in the settings' config_dir; a file that cannot be used stops the command, naming it."""
        try:
            registry = load_registry(settings.config_dir)
        except (OSError, ValueError) as bad:  # RegistryError, its TOML, or not UTF-8
            path = settings.config_dir / "agencies.toml"
            raise CommandError("invalid_config", f"配置文件 {path} 有误：{config_error_text(bad)}") from None
        try:
            places = load_places(settings.config_dir)
        except (OSError, ValueError) as bad:  # PlacesError, its TOML, or not UTF-8
            path = settings.config_dir / "divisions.toml"
            raise CommandError("invalid_config", f"配置文件 {path} 有误：{places_error_text(bad)}") from None
        return cls(registry, places)

    def unit(self, code: str | None) -> str:
        return unit_name(code, self.registry, self.places)

    def units(self, codes: list[str] | None) -> str:
        return "、".join(self.unit(code) for code in codes or [])

    def place(self, code: str | None) -> str:
        return self.places.name(code) if code else ""

    def in_text(self, text: str) -> str:
        """Free text with every unit code in it ('police:430426101') replaced by the unit's name."""
        return _UNIT_CODE.sub(lambda found: self.unit(found.group(0)), text)


# divisions.toml's checks (shared.wording.parse_places), as an operator reads them.
_PLACES_ERRORS = (
    (re.compile(r"^divisions: a table"), "须有 [divisions] 表，每行 区划代码 = 名称"),
    (re.compile(r"^divisions\.(.+?): a division code has"), "{0}：区划代码应为6、9或12位数字"),
    (re.compile(r"^divisions\.(.+?): the name must be"), "{0}：名称不能为空"),
    (re.compile(r"^divisions\.(.+?): its parent (\S+) is not listed"), "{0}：其上级区划 {1} 未列出"),
)


def places_error_text(error: Exception) -> str:
    """Why divisions.toml cannot be used, naming the entry."""
    if isinstance(error, PlacesError):
        for pattern, chinese in _PLACES_ERRORS:
            found = pattern.match(str(error))
            if found:
                return chinese.format(*found.groups())
    return config_error_text(error)


# --- columns -----------------------------------------------------------------------------------------


def text_width(text: str) -> int:
    """Terminal columns a text takes: Chinese characters and full-width punctuation take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """`text` filled with spaces to `width` columns, counting wide characters as two."""
    fill = " " * max(width - text_width(text), 0)
    return fill + text if right else text + fill


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    """Rows in columns aligned for Chinese text; the last column is not padded."""
    widths = [max(text_width(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    return [
        (
            indent
            + "  ".join(pad(cell, width) for cell, width in zip(line[:-1], widths, strict=False))
            + "  "
            + line[-1]
        ).rstrip()
        for line in (headers, *rows)
    ]


# --- timeline lines ----------------------------------------------------------------------------------

_UNIT_CODE = re.compile(r"\b[a-z][a-z0-9_]*:[0-9]{6}(?:[0-9]{3}){0,2}\b")

# intake's LinkReason texts: why a report was linked to an existing case.
LINK_REASONS = {
    "same source record": "同一原始记录",
    "same parties and category within 30 days": "30日内同一当事人、同类纠纷",
}
# The coordinator's sentences for why a case waits for manual triage; others are shown as they are.
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

# How a timeline detail reads, key by key, in this order: (key, label before the value or '' for none).
_DETAIL_KEYS = (
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
    ("agreement", "调解协议"),
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
}
# Shown with the unit ("砖塘镇派出所（牵头单位）"), as a note after the line, or not at all (an id staff never use).
_KNOWN = {"unit", "role", "referral_id", "late"} | {key for key, _ in _DETAIL_KEYS}
_PAUSE_KINDS = ("clock_paused", "clock_resumed")


def triage_reason(text: str, names: Names) -> str:
    for pattern, chinese in _TRIAGE_REASONS:
        found = pattern.match(text)
        if found:
            return chinese.format(*(names.in_text(group) for group in found.groups()))
    return names.in_text(text)


def term_text(term: Any) -> str:
    """'5个工作日' or '30个自然日' from a term as the coordinator records it ({'days': 5, 'counting': 'working'})."""
    if not isinstance(term, Mapping) or term.get("days") in (None, ""):
        return readable(term)
    return f"{term['days']}个{label(DAY_COUNTS, term.get('counting') or 'working')}"


def readable(value: Any, names: "Names | None" = None) -> str:
    """Any detail value as a person reads it: times in Beijing time, lists and tables joined, never a Python repr."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Mapping):
        return "，".join(
            f"{key}：{readable(item, names)}" for key, item in value.items() if item not in (None, "", [], {})
        )
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(readable(item, names) for item in value if item not in (None, "", [], {}))
    text = local_time(str(value))  # an ISO time with its zone in Beijing time; any other text as it is
    return names.in_text(text) if names is not None else text


def timeline_detail(kind: str, detail: Mapping[str, Any], names: Names, referral_units: Mapping[str, str]) -> str:
    """A timeline entry's detail as one line: units by name, codes in Chinese, officers' accounts as they are.

    `referral_units` maps the case's referral ids to their units, for the referral a new one replaces.
    """
    if kind == "deadline_recomputed":
        return f"{names.unit(str(detail.get('unit')))}：{deadline_recomputed_text(detail)}"
    if kind in ("case_escalated", "leaders_alerted"):
        return f"{names.unit(str(detail.get('unit')))}：{escalation_text(detail, names.registry, names.places)}"
    if kind == "units_called_in":
        return called_in_text(detail, names.registry, names.places)
    if kind == "report_rejected":
        return report_rejected_text(detail, names.registry, names.places)
    values: dict[str, Callable[[Any], str]] = {
        "mode": lambda code: label(MODES, code),
        "lead_unit": names.unit,
        "co_units": names.units,
        "round": lambda n: f"第{n}轮",
        "rule": lambda n: f"第{n}条",
        "term": term_text,
        "due_at": local_time,
        "previous_due_at": local_time,
        "paused_at": local_time,
        "resumed_at": local_time,
        "counting": lambda code: f"按{label(DAY_COUNTS, code)}计",
        "pause_number": lambda n: f"第{n}次暂停",
        "replaces": lambda referral_id: names.unit(referral_units.get(str(referral_id), str(referral_id))),
        "outcome": lambda code: label(OUTCOMES, code),
        "result": lambda code: label(RESULT_CODES, code),
        "agreement": agreement_text,
        "rating": lambda code: label(RATINGS, code),
        "cause": lambda code: label(REOPEN_CAUSES, code),
        "source": lambda code: label(SOURCES, code),
        "reason": lambda text: _reason(kind, str(text), names),
        "code": lambda code: label(TRIAGE_CAUSES, code),
        "by_unit": names.unit,
        "reason_code": lambda code: label(DECLINE_REASONS, code),
        "rated_by": lambda account: label(RATERS, account),
    }
    parts = []
    role = label(REFERRAL_ROLES, detail.get("role"))
    if detail.get("unit"):
        parts.append(f"{names.unit(detail['unit'])}（{role}）" if role else names.unit(detail["unit"]))
    elif role:  # a gap for staff to fill
        parts.append(f"需指派{role}")
    for key, title in _DETAIL_KEYS:
        value = detail.get(key)
        if value in (None, "", [], {}) or (key == "outcome" and detail.get("result")):
            continue  # a result code says more than the outcome it implies
        if key == "reason" and kind == "manual_triage_needed" and detail.get("code"):
            continue  # the code and its unit say it in Chinese; the sentence is for the API
        text = values[key](value) if key in values else readable(value, names)
        title = _KIND_TITLES.get((kind, key), title)
        parts.append(f"{title}：{text}" if title else text)
    # A key added to the coordinator after this command: shown as it reads, never as a Python repr.
    parts.extend(
        f"{key}：{readable(value, names)}"
        for key, value in detail.items()
        if key not in _KNOWN and value not in (None, "", [], {})
    )
    line = "；".join(parts)
    if detail.get("late"):
        # Set when the unit's own result was handled first (rules._overtaken): the step changed nothing.
        line += "（在该单位反馈结果之后收到，仅作记录）"
    return line


def agreement_text(agreement: Any) -> str:
    """'祁东人调〔2026〕118号，2026-12-03签订：李四赔偿…' from an agreement as the coordinator records it."""
    if not isinstance(agreement, Mapping):
        return str(agreement)
    number = f"{agreement['number']}，" if agreement.get("number") else ""
    return f"{number}{agreement.get('signed_on', '')}签订：{agreement.get('terms', '')}"


def _reason(kind: str, text: str, names: Names) -> str:
    if kind in _PAUSE_KINDS:
        return label(PAUSE_REASONS, text)
    if kind == "repeat_linked":
        return LINK_REASONS.get(text, text)
    if kind == "manual_triage_needed":
        return triage_reason(text, names)
    return names.in_text(text)
