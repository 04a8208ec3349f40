"""What staff and citizens read: the platform's codes, places, units and times in Chinese.

APIs and `--json` keep the codes; everything a person reads at a county centre goes through here,
so that the console, the `wuyuan` command and the letters call a thing by the same name.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from shared.centres import Centres
from shared.config_errors import ConfigFileError, load_config_file, quoted
from shared.registry import DEFAULT_CONFIG_DIR, AgencyRegistry
from shared.workdays import CHINA_TZ

SOURCES = {
    "walk_in": "来访",
    "hotline": "12345热线",
    "grid": "网格员上报",
    "court_filing": "诉源（诉前分流）",
    "police_call": "案源（警情）",
    "mediation_request": "调源（调解申请）",
    "petition": "访源（信访）",
    "stability_lead": "稳源（涉稳线索）",
}
CATEGORIES = {
    "neighbour": "邻里纠纷",
    "family": "婚姻家庭纠纷",
    "land": "土地山林纠纷",
    "wages": "劳资欠薪纠纷",
    "debt": "民间借贷纠纷",
    "contract": "合同纠纷",
    "property_management": "物业纠纷",
    "traffic": "交通事故纠纷",
    "medical": "医疗纠纷",
    "consumer": "消费纠纷",
    "consultation": "法律咨询",
    "other": "其他纠纷",
}
# Each flag says one thing: 有暴力倾向 is violence alone; the 民转刑 risk a police officer judges is what raises
# 命案风险 (services/police_link/domain/risk.py), and is said where that judgement is shown.
FLAGS = {
    "violence_risk": "有暴力倾向",
    "high_risk": "命案风险",
    "group": "群体性纠纷",
    "petition_involved": "涉访",
    "resolved_at_window": "窗口当场化解",
}
PARTY_ROLES = {"applicant": "申请人", "respondent": "被申请人", "third_party": "第三人"}
PARTY_KINDS = {"person": "自然人", "organisation": "单位"}
MODES = {"on_the_spot": "现场办", "single_unit": "马上办", "joint": "共同办"}
REFERRAL_ROLES = {"lead": "牵头单位", "co_unit": "配合单位"}
# LinkReason's texts (shared/contracts/vocabulary.py): why a report (an agency's record among them) was linked to an
# existing case.
LINK_REASONS = {
    "same source record": "同一原始记录",
    "same parties and category within 30 days": "30日内同一当事人、同类纠纷",
}
OUTCOMES = {"resolved": "化解成功", "unresolved": "未化解"}
RESULT_CODES = {
    "mediated": "调解成功",
    "judicially_confirmed": "司法确认",
    "withdrawn": "撤回申请",
    "handled": "依职能办结",
    "referred_to_arbitration": "导入仲裁",
    "referred_to_administrative_ruling": "导入行政裁决",
    "referred_to_administrative_review": "导入行政复议",
    "referred_to_litigation": "导入诉讼",
    "not_suitable_for_mediation": "不宜调解",
    "mediation_failed": "调解不成",
}
# The result codes as an officer chooses among them, in three groups.
RESULT_GROUPS = (
    ("化解", ("mediated", "judicially_confirmed", "withdrawn", "handled")),
    (
        "导入法定途径",
        (
            "referred_to_litigation",
            "referred_to_arbitration",
            "referred_to_administrative_ruling",
            "referred_to_administrative_review",
        ),
    ),
    ("未化解", ("mediation_failed", "not_suitable_for_mediation")),
)
# The results that carry the signed 调解协议 (the contract's AGREEMENT_RESULTS): forms ask for the agreement with them.
AGREEMENT_RESULTS = ("mediated", "judicially_confirmed")
RATINGS = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
CASE_STATUSES = {
    "registered": "已登记",
    "assigned": "已派单",
    "in_progress": "办理中",
    "awaiting_manual_triage": "待人工分派",
    "resolved": "已办结，待回访",
    "closed": "已结案",
}
# Where a case stands as the citizen's progress page (办理进度查询) says it: supervision's ProgressStatus codes.
PROGRESS_STATUSES = {
    "awaiting_unit": "已登记受理，正在分派承办单位",
    "handling": "承办单位正在办理",
    "awaiting_visit": "已办理完毕，等待回访",
    "closed": "已结案",
}
# The centre's view of a referral and the receiving unit's own read the same to people.
REFERRAL_STATUSES = {
    "issued": "待签收",
    "received": "待签收",
    "accepted": "办理中",
    "declined": "已退回",
    "reported": "已办结",
    "escalated": "已提级",
    "withdrawn": "已提级（收回）",
}
# A line of a referral's own log at the receiving agency (`referral_log.kind`), as its officers read it.
REFERRAL_LOG_KINDS = {
    "received": "收到交办",
    "accepted": "签收",
    "declined": "退回",
    "progress": "报告进展",
    "result": "反馈结果",
    "reported": "反馈结果",
    "paused": "暂停计时",
    "resumed": "恢复计时",
    "reminder": "收到提醒函",
    "overdue_notice": "收到督办函",
    # The superior unit's copy of the same 督办函, logged on the late unit's referral beside the letter itself.
    "overdue_notice_superior": "上级单位收到督办函抄送",
    "deadline_changed": "期限变更",
    "withdrawn": "案件提级，交办已收回",
    "rejected": "中心拒收",
    "mediation_assigned": "指派调解员",
    "mediation_session": "记录调解",
    "legal_aid": "转介法律援助",
}
# A line of a case's timeline (the coordinator's TimelineKind); what its detail says is timeline_parts's.
TIMELINE_KINDS = {
    "case_triaged": "分流",
    "referral_issued": "派单",
    "referral_accepted": "签收",
    "progress_reported": "报告进展",
    "referral_declined": "退回",
    "result_reported": "反馈结果",
    "manual_triage_needed": "转人工分派",
    "manually_assigned": "人工指派",
    "case_resolved": "办结",
    "case_closed": "结案",
    "case_reopened": "重新办理",
    "repeat_linked": "重复反映，已关联",
    "clock_paused": "暂停计时",
    "clock_resumed": "恢复计时",
    "spot_checked": "回访抽查",
    "rating_overtaken": "回访评价（案件已重新办理，仅作记录）",
    "deadline_recomputed": "节假日安排载入，期限重算",
    "case_escalated": "上报上一级",
    "leaders_alerted": "逾期提请领导督办",
    "units_called_in": "吹哨报到",
    "report_rejected": "拒收反馈",
}
# Why a unit's clock stands still (the contract's PauseReason).
PAUSE_REASONS = {
    "awaiting_party": "等待当事人",
    "judicial_confirmation": "司法确认中",
    "appraisal": "鉴定",
    "other": "其他",
}
# How a unit's term counts its days (the coordinator's DayCount), read as '5个工作日'.
DAY_COUNTS = {"working": "工作日", "calendar": "自然日"}
# Who entered a rating when it was not a signed-in account (supervision's rating link).
RATERS = {"citizen:rating-link": "群众（扫码评价）"}
# Why a case waits for staff to designate a unit (the coordinator's gap codes), when the unit that left the gap is
# not known (triage_cause_text names it where it is).
TRIAGE_CAUSES = {
    "lead_declined": "牵头单位退回，已无可替补的牵头单位",
    "co_unit_declined": "配合单位退回，已无可替补的配合单位",
    "lead_failed": "牵头单位反馈未化解",
    "window_case_reopened": "窗口当场化解的案件需重新办理",
    "onward_case_reopened": "已导入法定途径的案件再次反映，由综合协调组决定办理单位",
    "escalated": "案件已上报上一级，由上级中心指派单位",
}
# The same causes naming the unit whose decline, result or step up left the gap ({unit}: its name).
_TRIAGE_CAUSES_BY_UNIT = {
    "lead_declined": "{unit}退回牵头，已无可替补的牵头单位",
    "co_unit_declined": "{unit}退回配合，已无可替补的配合单位",
    "lead_failed": "牵头单位{unit}反馈未化解",
    "onward_case_reopened": "上一轮由{unit}导入法定途径，案件再次反映，由综合协调组决定办理单位",
    "escalated": "案件已上报上一级（原由{unit}办理），由上级中心指派单位",
}


def triage_cause_text(code: object, unit: str = "") -> str:
    """Why a case waits for staff, naming the unit that left the gap as the one that returned the case or reported
    it unresolved ('祁东县人民法院退回牵头，已无可替补的牵头单位'); '需人工指定单位' for a gap with no code."""
    text = str(getattr(code, "value", code) or "")
    if unit and text in _TRIAGE_CAUSES_BY_UNIT:
        return _TRIAGE_CAUSES_BY_UNIT[text].format(unit=unit)
    cause = TRIAGE_CAUSES.get(text, text) or "需人工指定单位"
    return f"{cause}（{unit}）" if unit else cause


REOPEN_CAUSES = {
    "dissatisfied": "群众不满意",
    "repeat_report": "办结后再次反映（矛盾反弹）",
    "spot_check": "回访抽查不满意，案件重新办理",
}
LETTER_KINDS = {"reminder": "提醒函", "overdue": "督办函"}
# 高频线索预警: why intake raised an alert (the contract's AlertKind).
ALERT_KINDS = {"repeated_applicant": "同一人反复反映", "shared_respondent": "多人反映同一对象"}
# An account's roles, as the console's header and `wuyuan account` both name them, in the order the closed loop
# runs: the window registers, coordination dispatches, the units handle, inspection supervises, leaders oversee.
ROLES = {
    "intake_staff": "窗口登记",
    "coordinator": "综合协调组",
    "officer": "部门办理人",
    "supervisor": "检查督导组",
    "leader": "领导",
    "operator": "运维",
}


def role_names(roles: Iterable[object]) -> str:
    """'窗口登记、综合协调组、部门办理人' for an account's roles: in ROLES's order, a role it does not know last."""
    codes = {str(getattr(role, "value", role)) for role in roles}
    order = {code: index for index, code in enumerate(ROLES)}
    return "、".join(label(ROLES, code) for code in sorted(codes, key=lambda code: (order.get(code, len(order)), code)))


DEADLINE_STATES = {"on_time": "未到期", "near": "临期", "overdue": "已超期"}
# 诉调对接: the court's filings as its officers read them (services/court_link).
COURT_CASE_TYPES = {"civil": "民事", "commercial": "商事", "administrative": "行政"}
# What an administrative filing is about: only the first three may be mediated (行政诉讼法 第六十条).
ADMINISTRATIVE_MATTERS = {
    "compensation": "行政赔偿",
    "indemnity": "行政补偿",
    "discretion": "自由裁量",
    "other": "其他",
}
FILING_DECISIONS = {"diverted": "分流诉前调解", "filed": "立案"}
FILING_STATUSES = {
    "filed": "立案",
    "in_mediation": "诉前调解中",
    "mediated": "调解成功",
    "returned": "调解不成转立案",
}
# Why a filing was filed rather than diverted (立案审查).
NOT_DIVERTED = {
    "not_mediable_by_law": "依法不适用调解",
    "legal_relation_unclear": "法律关系不明确",
    "facts_unclear": "事实不清楚",
    "no_consent": "当事人不同意调解",
}
# An application for 司法确认, from acceptance to the court's ruling.
CONFIRMATION_STATUSES = {"pending": "待裁定", "confirmed": "裁定确认有效", "refused": "裁定驳回申请"}
FILING_LOG_KINDS = {
    "registered": "登记立案审查",
    "agreement": "记录调解协议",
    "confirmation_requested": "受理司法确认申请",
    "confirmation_extended": "延长审查期限",
    "confirmation_decided": "作出裁定",
    "returned": "调解不成转立案",
    "term_recounted": "按节假日安排重新计算期限",
    "record_joined": "并入此前报送综治中心的案件",
}
# Which term a `term_recounted` line counted again.
RECOUNTED_TERMS = {"mediation": "诉前调解期限", "decision": "司法确认审查期限"}
# The court's refusals of an action on a filing (409, by code), as the officer should read them.
FILING_REFUSALS = {
    "not_diverted": "此案已立案，未分流诉前调解，不能办理此项。",
    "already_returned": "此案已调解不成转立案，不能再办理此项。",
    "already_mediated": "此案已记录调解协议：不能再次记录，也不能转立案（不履行协议的，应就协议另行起诉）。",
    "confirmation_pending": "司法确认申请尚待裁定：请先作出裁定。",
    "already_confirmed": "调解协议已经司法确认，不能再申请或转立案。",
    "application_late": "申请已超过期限：应自调解协议生效之日起三十日内申请司法确认（民事诉讼法第二百零五条）。",
    "no_pending_confirmation": "没有待裁定的司法确认申请。",
    "already_extended": "审查期限已延长过一次（十日），不能再次延长。",
}


def label(vocabulary: Mapping[str, str], code: object) -> str:
    """The Chinese name of a code, or the code itself when the vocabulary does not know it yet."""
    if code is None or code == "":
        return ""
    text = str(getattr(code, "value", code))
    return vocabulary.get(text, text)


# --- places and units ---------------------------------------------------------------------------


# A place outside the county's divisions (a 400 at the window and the agencies' APIs, a refusal of a feed).
NOT_IN_COUNTY = "not_in_county"


class PlacesError(ConfigFileError):
    """divisions.toml is malformed: `field` names the entry as the file spells it (`divisions.430426102`), the
    message says in Chinese what is wrong, `code` says it for scripts."""


_DIVISION = re.compile(r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")


@dataclass(frozen=True)
class Places:
    """The county's divisions by code, from `config/divisions.toml`."""

    names: Mapping[str, str]

    def name(self, code: str) -> str:
        """'砖塘镇新塘村' for a village, '砖塘镇' for a township; a village not listed by its township
        ('砖塘镇（村 430426101299）'), since a county's file seldom lists all its villages; the code itself when
        neither is listed."""
        if code not in self.names:
            if len(code) == 12 and code[:9] in self.names:
                return f"{self.names[code[:9]]}（村 {code}）"
            return code
        if len(code) == 12 and code[:9] in self.names:
            return self.names[code[:9]] + self.names[code]
        return self.names[code]

    def in_county(self, division: str, county: str) -> bool:
        """Whether a division code is one of the county's: within it, and at one of its townships where the file
        lists them (a village need not be listed: a county's 300-odd villages are seldom all in the file, and its
        township says where a case is held). A deployment whose file lists none reads places as codes."""
        if not division.startswith(county):
            return False
        townships = {code for code in self.names if code.startswith(county) and len(code) == 9}
        return len(division) == 6 or not townships or division[:9] in townships

    def outside(self, division: str, county: str) -> str | None:
        """Why a place is not the county's (`in_county`), as an error names it; None when it is."""
        if self.in_county(division, county):
            return None
        return f"{division} is not a division of county {county} (config/divisions.toml)"

    def choices(self, county: str) -> list[tuple[str, str]]:
        """(code, name) of the county and everything in it, in code order: a township before its villages."""
        return [(code, self.name(code)) for code in sorted(self.names) if code.startswith(county)]


def parse_places(data: dict[str, Any]) -> Places:
    table = data.get("divisions")
    if not isinstance(table, dict):
        raise PlacesError(
            "divisions", '缺少此项：须有 [divisions] 表，每行 区划代码 = 名称，如 "430426101" = "砖塘镇"', "required"
        )
    for code, name in table.items():
        if not _DIVISION.match(code):
            raise PlacesError(
                f"divisions.{code}",
                f"区划代码 {quoted(code)} 应为6位（县）、9位（乡镇）或12位（村）数字",
                "invalid_value",
            )
        if not isinstance(name, str) or not name.strip():
            raise PlacesError(f"divisions.{code}", "名称不能为空，应为加引号的地名，如 “砖塘镇”", "required")
        parent = code[:6] if len(code) == 9 else code[:9]
        if len(code) > 6 and parent not in table:
            raise PlacesError(
                f"divisions.{code}",
                f"其上级区划 {quoted(parent)} 未列出：请先列出上级，再列其下的乡镇或村",
                "parent_missing",
            )
    return Places(dict(table))


@cache
def load_places(config_dir: Path = DEFAULT_CONFIG_DIR) -> Places:
    path = Path(config_dir) / "divisions.toml"
    if not path.exists():
        return Places({})  # units and places then read as their codes
    return load_config_file(path, PlacesError, parse_places)


def unit_name(unit: str | None, registry: AgencyRegistry, places: Places) -> str:
    """'砖塘镇派出所' for 'police:430426101'; the code itself for an agency the registry does not know."""
    if not unit:
        return ""
    agency_code, _, division = unit.partition(":")
    try:
        agency = registry.get(agency_code)
    except KeyError:
        return unit
    place = places.name(division) if division in places.names else division
    if place == division:  # a place not on the list: the agency's name and the code stay readable
        return f"{agency.name_zh}（{division}）"
    if len(division) < agency.unit_digits:
        # Above the agency's own units: the county's bureau itself (祁东县公安局), not a station.
        return f"{place}{agency.name_zh}"
    return agency.unit_name.format(place=place, agency=agency.name_zh)


def report_scope_name(level: str, code: str, registry: AgencyRegistry, places: Places) -> str:
    """A report's scope as staff name it: '' for the county's own report, the township (砖塘镇) or the unit
    (砖塘镇派出所) otherwise."""
    if level == "township":
        return places.name(code)
    if level == "unit":
        return unit_name(code, registry, places)
    return ""


# A unit's code as the platform writes it in free text: its agency, then a division of 6, 9 or 12 digits.
_UNIT_CODE = re.compile(r"\b[a-z][a-z0-9_]*:[0-9]{6}(?:[0-9]{3}){0,2}\b")


def units_in_text(text: str, registry: AgencyRegistry, places: Places) -> str:
    """Free text with every unit code in it ('police:430426101') replaced by the unit's name."""
    return _UNIT_CODE.sub(lambda found: unit_name(found.group(0), registry, places), text)


# --- times ---------------------------------------------------------------------------------------


def _moment(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None  # a time without its zone cannot be shown honestly


def local_time(value: str | datetime | None) -> str:
    """An ISO time as Beijing time to the minute, '2026-12-04 22:10'; '' when there is none."""
    moment = _in_china(value)
    if moment is None:
        return "" if value in (None, "") else str(value)
    return moment.strftime("%Y-%m-%d %H:%M")


def local_time_words(value: str | datetime | None) -> str:
    """An ISO time as Beijing time in words to the minute, '2026年12月7日 21:30', as staff write a moment; '' when
    there is none."""
    moment = _in_china(value)
    if moment is None:
        return "" if value in (None, "") else str(value)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def local_date_words(value: str | datetime | None) -> str:
    """An ISO time's Beijing day in words, '2026年12月14日', as a citizen reads a deadline; '' when there is none."""
    moment = _in_china(value)
    return f"{moment.year}年{moment.month}月{moment.day}日" if moment else ""


def local_date(value: str | datetime | date | None) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    moment = _in_china(value)
    return moment.strftime("%Y-%m-%d") if moment else ""


def _in_china(value: str | datetime | None) -> datetime | None:
    """The time in Beijing; None when there is none, or when it lies so near year 1 or 9999 that it has no Beijing
    time (a row stored before its field's years were bounded): shown as stored rather than failing the page."""
    moment = _moment(value)
    try:
        return moment.astimezone(CHINA_TZ) if moment is not None else None
    except OverflowError:
        return None


def case_date(case_id: str) -> str:
    """'2026年12月4日', the local day a case was registered, read from its number (430426-20261204-00001)."""
    parts = case_id.split("-")
    try:
        day = date(int(parts[1][:4]), int(parts[1][4:6]), int(parts[1][6:8]))
    except (IndexError, ValueError):
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Countdown:
    """How long a unit has left, as staff read it, and how urgent that is: ok, near or overdue."""

    text: str
    level: str


NEAR_SHARE = 0.8  # as supervision's reminder letter: 80 % of the term gone


def countdown(due_at: str | datetime | None, now: datetime, issued_at: str | datetime | None = None) -> Countdown:
    """How long a unit has left, as every page and `wuyuan case` say it: in Beijing calendar days while the deadline
    falls on another day ('剩余30天', '已超期2天', as the court counts its terms), in hours and minutes on the day
    itself ('剩余5小时30分', '已超期40分钟'). So a deadline reads the same on every page all day long, whenever each
    page was opened (static/console.js counts the same way)."""
    due, at = _in_china(due_at), _in_china(now)
    if due is None or at is None:
        return Countdown("", "none")
    left = (due - at).total_seconds()
    days = (due.date() - at.date()).days
    if left < 0:
        return Countdown(f"已超期{-days}天" if days < 0 else f"已超期{_hours(-left)}", "overdue")
    issued = _moment(issued_at)
    near = left < 24 * 3600
    if issued is not None and due > issued:
        near = near or (at - issued).total_seconds() >= NEAR_SHARE * (due - issued).total_seconds()
    return Countdown(f"剩余{days}天" if days > 0 else f"剩余{_hours(left)}", "near" if near else "ok")


def _hours(seconds: float) -> str:
    """'5小时30分', or '40分钟' under an hour (never nothing: the last seconds read as a minute)."""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}小时{rest // 60}分" if hours else f"{max(rest // 60, 1)}分钟"


# --- validation errors ----------------------------------------------------------------------------

FIELD_NAMES = {
    "source": "来源渠道",
    "category": "纠纷类别",
    "division_code": "发生地点",
    "summary": "纠纷概要",
    "parties": "当事人",
    "flags": "标记",
    "source_record_id": "原始编号",
    "name": "姓名或名称",
    "role": "身份",
    "kind": "类型",
    "id_number": "身份证号",
    "phone": "手机号",
    "reason": "退回理由",
    "note": "进展情况",
    "outcome": "办理结果",
    "result": "办理结果",
    "agreement": "调解协议",
    "signed_on": "签订日期",
    "terms": "协议内容",
    "number": "协议编号",
    "unit": "单位",
    "rating": "评价",
    "comment": "意见",
    "username": "账号",
    "password": "密码",
}
# The validators' own sentences (shared.contracts), as staff should read them.
_VALUE_ERRORS = (
    ("17 digits then a digit or X", "身份证号应为18位：前17位为数字，最后一位为数字或X"),
    ("birth date in the ID number", "身份证号中的出生日期不存在"),
    ("check digit does not match", "身份证号校验位不符，请核对"),
    ("11-digit mainland mobile", "手机号应为11位，以13至19开头"),
    ("division code of 6, 9 or 12", "请选择发生地点"),  # a dispute's place, a place filter: else _CHOSEN_DIVISION
    ("must name a county or below", "请选择县级以下的地点"),
    ("role 'applicant'", "至少需要一名申请人"),
    ("role 'respondent'", "至少需要一名被申请人"),
    ("each flag at most once", "每个标记只能选一次"),
    ("organisation carries no", "单位当事人不填身份证号和手机号"),
    ("'<agency>:<division code>'", "请选择单位"),
    # supervision's periods (a 通报, a spot-check draw, their figures: services/supervision/periods.py)
    ("is before from", "截止日期早于起始日期"),
    ("a period of at most", "期间最长一年（366天）"),
)
# A division code of the wrong form, by the field that asked for it: a select of that field's places, whose wording
# is its own (a centre filter offers the county's centres, a report's scope its townships), not a dispute's place.
_CHOSEN_DIVISION = {
    "centre": "请从列表中选择综治中心",
    "division": "请从列表中选择乡镇",
}
_TYPE_ERRORS = {
    "missing": "必填",
    # supervision's report query, by its refusals' codes (services/supervision/report_handlers.py)
    "range_or_period": "起止日期与统计周期只能选一种",
    "range_missing": "必填：日期，如2026-12-04（或改用统计周期）",
    "period_missing": "请选择日、周或月",
    "date_missing": "请填写统计周期内的一天",
    "to_before_from": "截止日期早于起始日期",
    "period_too_long": "统计期间最长一年（366天）",
    # given or not: the code the query refuses both with (services/supervision/report_handlers.py, TOWNSHIP_MISSING)
    "township_missing": "按乡镇统计时须填本县乡镇的9位区划代码，如 430426101",
    "unit_missing": "按单位统计时必填",
    "division_not_with_unit": "按单位统计时不填",
    "unit_level_only": "只在按单位统计时填写",
    "unit_outside_county": "不是本县的单位",
    "unknown_township": "不是本县登记的乡镇（见区划配置 divisions.toml）",
    # a filter's unit or place that names nothing of the county (shared/known_filters.py: the case list, the board,
    # the letters, the documents, the report)
    "unknown_unit": "没有这个单位：单位代码中的区划不是本县的县、乡镇或村（社区）",
    # the coordinator's refusal of a unit whose agency config/agencies.toml does not list (a case list's filter …)
    "unknown_agency": "没有这个机构：单位代码中的机构未登记（config/agencies.toml）",
    "not_in_county": "不是本县的乡镇或村（社区），请从列表中选择",
    # a centre filter at a place of the county where config/centres.toml sets up no centre (shared/known_filters.py);
    # the console and `wuyuan case list` name the place and the centres instead (no_centre_text)
    "no_centre": "该地未设综治中心，请从列表中选择",
    "division_not_with_county": "按全县统计时不填乡镇",
    "string_too_short": "不能为空",
    "too_short": "数量不够",
    "enum": "请从列表中选择",
    "literal_error": "请从列表中选择",
    "string_type": "请填写文字",
    "bool_parsing": "请选择是或否",
    "date_from_datetime_parsing": "请填写日期，如2026-12-04",
    "date_parsing": "请填写日期，如2026-12-04",
    "date_type": "请填写日期，如2026-12-04",
    "datetime_type": "请填写时间，如2026-12-04T09:30:00+08:00",
    "date_out_of_range": "请填写1900年至2100年之间的日期",
    "date_future": "不能晚于今天",
    # a resident ID number's birth date out of bounds (shared/contracts/identifiers.py, born_by_today)
    "id_birth_date_future": "身份证号中的出生日期晚于今天，请核对",
    "id_birth_date_too_early": "身份证号中的出生日期早于1900年，请核对",
    "date_before_start": "不能早于案件登记（或信访事项收到）的日期",
    "datetime_future": "不能晚于现在",
    "int_parsing": "请填写数字",
    "extra_forbidden": "不应填写此项",
    "repeated_parameter": "只能给一次",
    "string_pattern_mismatch": "格式不正确",
    # shared/http.py's refusals of what no field may hold, and of a value the database could not take
    "control_character": "不能含有控制字符（如换行、制表符）",
    "text_control_character": "不能含有控制字符或文字方向控制符（换行、制表符可以）",
    "string_unicode": "含有无法识别的字符",
    "invalid_value": "填写的值无效（超出范围或格式不对）",
}


def field_label(path: str) -> str:
    """'第2位当事人的手机号' for 'parties.1.phone'."""
    parts = path.split(".")
    if len(parts) >= 2 and parts[0] == "parties" and parts[1].isdigit():
        rest = FIELD_NAMES.get(parts[2], parts[2]) if len(parts) > 2 else ""
        return f"第{int(parts[1]) + 1}位当事人" + (f"的{rest}" if rest else "")
    return FIELD_NAMES.get(parts[-1], path)


# A number out of its range, as pydantic says it ("Input should be less than or equal to 500"): the bound is the
# message's last word.
_BOUND = re.compile(r"(-?[0-9]+(?:\.[0-9]+)?)$")
_BOUND_ERRORS = {
    "less_than_equal": "不能大于{}",
    "less_than": "应小于{}",
    "greater_than_equal": "不能小于{}",
    "greater_than": "应大于{}",
}


def field_error_text(error: Mapping[str, Any]) -> str:
    """One field error of an API answer ({field, message, type, limit?}) as a sentence in Chinese."""
    kind = str(error.get("type", ""))
    message = str(error.get("message", ""))
    if kind in ("string_too_long", "too_long"):
        limit = error.get("limit")
        unit = "字" if kind == "string_too_long" else "项"
        return f"不能超过{limit}{unit}" if limit else "太长了"
    field_name = str(error.get("field", "")).split(".")[-1]
    if "division code of 6, 9 or 12" in message and field_name in _CHOSEN_DIVISION:
        return _CHOSEN_DIVISION[field_name]
    for english, chinese in _VALUE_ERRORS:
        if english in message:
            return chinese
    bound = _BOUND.search(message.strip())
    if kind in _BOUND_ERRORS and bound is not None:
        return _BOUND_ERRORS[kind].format(bound.group(1))
    too_few = _TOO_FEW.get(str(error.get("field", ""))) if kind == "too_short" else None
    if too_few is not None:
        return too_few
    return _TYPE_ERRORS.get(kind, "填写有误")


# What a list with too few entries needs, by the list's field: the generic 数量不够 says nothing of what to add.
_TOO_FEW = {
    "parties": "至少需要一名申请人和一名被申请人（请填写姓名）",
    "petitioners": "请至少填写一名信访人的姓名",
}


# --- police calls and petitions
# 警调对接 (police_link's /api/v1/calls): the station's classification, what it found, what it decided and why.
CALL_CLASSIFICATIONS = {
    "neighbour": "邻里纠纷",
    "family": "家庭纠纷",
    "romance": "婚恋纠纷",
    "economic": "经济纠纷",
    "land": "土地纠纷",
    "labour": "劳资纠纷",
    "traffic": "交通纠纷",
    "other": "其他纠纷",
}
CALL_DECISIONS = {"mediation": "转调解", "police": "公安处置"}
CALL_PROCEDURES = {"criminal": "刑事案件程序", "public_order": "治安案件程序", "police_handling": "依职能处置"}
CALL_KEPT_BECAUSE = {"crime_suspected": "涉嫌犯罪", "not_suitable_for_mediation": "民警判断不宜调解"}
CALL_OFFENCES = {"none": "民事纠纷，无违法行为", "public_order": "违反治安管理行为", "criminal": "涉嫌犯罪"}
# police_link answers no 409: a call recorded again is the call as first recorded (200, first_time false).
CALL_REFUSALS: dict[str, str] = {}
# 访调对接 (petition_link's /api/v1/petitions): the register's forms and statuses, and its refusals (409, by code).
PETITION_FORMS = {"letter": "来信", "visit": "来访", "online": "网上信访"}
PETITION_STATUSES = {
    "registered": "待决定是否受理",
    "separated": "诉访分离（导入诉讼）",
    "accepted": "已受理，办理中",
    "not_accepted": "不予受理",
    "replied": "已答复办结",
}
# A number another unit already registered (409 `number_taken`): taken, and nothing more is known of it (whose, what).
TAKEN_NUMBERS = {
    "call_number": "该警情编号已被登记，请核对",
    "filing_number": "该案号已被登记，请核对",
    "number": "该信访事项编号已被登记，请核对",
}

PETITION_REFUSALS = {
    "separated": "此事项涉法涉诉，已诉访分离导入诉讼程序，不能再办理此项。",
    "already_decided": "此事项已作出受理决定，不能再次决定。",
    "not_accepted": "此事项未受理，不能延期、答复或转调解。",
    "already_replied": "此事项已答复办结，不能再办理此项。",
    "already_extended": "办理期限已延长过一次，不能再次延长（信访工作条例第三十四条）。",
    "term_ended": "六十日办理期限已届满，不能再延长；延期须在期限内批准。",
    "duplicate_number": "此编号已登记过另一件信访事项，内容不同：请核对编号。",
    "number_taken": "此编号已被登记为另一件记录，不能以此编号转调解：请核对编号。",
    "not_replied": "此事项尚未答复，不能请求复查。",
    "not_reviewed": "尚无复查意见，不能请求复核。",
    "review_requested": "已登记过此项请求：复查、复核各只请求一次。",
    "request_late": "已超过请求期限：应自收到书面答复之日起30日内请求（信访工作条例第三十五条、第三十六条）。",
    "no_review_request": "尚未登记此项请求，不能登记意见。",
    "already_reviewed": "此项意见已登记，不能再次登记。",
}
# 复查意见 and 复核意见 (第三十五条、第三十六条): what they do to the opinion reviewed; and why a petition is final.
REVIEW_RESULTS = {"upheld": "维持", "changed": "变更", "revoked": "撤销"}
FINAL_BY = {"re_review": "复核意见已作出", "no_re_review": "复查意见作出后三十日内未请求复核"}


# --- mediation and stability
# 调源 (justice_link): the kinds of mediation organisation (人民调解法), the routes onward after a failed
# mediation, and the bureau's refusals of an action (409, by code).
ORGANISATION_KINDS = {
    "village_committee": "村（居）人民调解委员会",
    "township_committee": "乡镇（街道）人民调解委员会",
    "industry": "行业性专业性人民调解组织",
    "studio": "个人调解工作室",
}
MEDIATION_ROUTES = {
    "labour_arbitration": "劳动争议仲裁",
    "land_contract_arbitration": "农村土地承包仲裁",
    "land_ownership_ruling": "土地权属争议行政裁决",
    "administrative_review": "行政复议",
    "consumer_complaint": "向市场监督管理部门投诉或申请仲裁",
    "litigation": "向人民法院提起诉讼",
}
MEDIATION_REFUSALS = {
    "already_finished": "此交办单已办结或已退回，不能再办理此项。",
    "not_assigned": "尚未指派调解员：请先指派，再记录调解情况。",
    "not_received": "此交办单已签收或已办结，不能办理此项。",
    "not_accepted": "请先在“本单位交办”中签收此交办单。",
}
# 稳源 (stability): 三色预警 colours, the reasons a person's colour is given, and the facts recorded on a file.
WARNING_COLOURS = {"red": "红色", "yellow": "黄色", "green": "绿色"}
# A register case's state: still being handled, closed after the citizen's rating (as CASE_STATUSES says it), or
# unknown (entered before the register heard of closings).
REGISTER_STATUSES = {"open": "在办", "closed": "已结案", "unknown": "状态不明"}
PERSON_REASONS = {
    "criminal_risk": "有暴力倾向，存在民转刑风险",
    "repeat_petitions_in_group": "90日内信访3次以上，且涉及5人以上群体纠纷",
    "violence": "有暴力倾向",
    "repeat_petitions": "90日内重复信访",
    "overdue": "所涉案件超期未化解",
    "group": "涉及5人以上群体纠纷",
}
PERSON_EVENT_KINDS = {"petition": "信访", "violence": "暴力倾向", "group": "群体性纠纷", "overdue": "案件超期"}


# --- the official calendar (节假日安排) -------------------------------------------------------------

PROVISIONAL_MARK = "（暂定）"


def provisional_title(year: int | None = None) -> str:
    """Why a deadline is marked 暂定: the hover text beside it, and the note after it in the terminal."""
    which = f"{year}年" if year else "该年度"
    return f"{which}节假日安排未载入，期限暂按周一至周五（法定节假日除外）计算，载入后自动重算"


def deadline_recomputed_text(detail: Mapping[str, Any]) -> str:
    """'2027年节假日安排已载入，期限由2027-01-04 17:30重算为2027-01-06 17:30' from a timeline entry."""
    line = (
        f"{detail.get('year')}年节假日安排已载入，期限由{local_time(detail.get('previous_due_at'))}"
        f"重算为{local_time(detail.get('due_at'))}"
    )
    return line + (f"{PROVISIONAL_MARK}" if detail.get("due_provisional") else "")


# --- who issued a document (签发人: supervision's 两函一通报) ------------------------------------------------

# How supervision's archive names its timers as a document's issuer (the 提醒函, 督办函 and monthly 通报 they issue),
# as spot checks record their scheduled draws; anyone else is named by an account.
TIMER_ISSUER = "timer"
SYSTEM_ISSUED = "系统自动生成"  # how a document issued by a timer says so


def issuer_text(account: str, name: str | None = None) -> str:
    """签发人 as a person reads it: '周敏（zhou.min）', the name the account signed in under with the account beside it
    (the name for the reader, the account to trace it by: with OIDC an e-mail address or a UUID); the account alone
    when no name was recorded; 系统自动生成 for the timers."""
    if account == TIMER_ISSUER:
        return SYSTEM_ISSUED
    return person_text(account, name)


def person_text(account: str, name: str | None = None) -> str:
    """A member of staff as people read them: '刘洋（liu.yang）', the name for the reader and the account to trace it
    by; the account alone when no name is known (an account of a deployment's own OpenID Connect provider, say)."""
    return f"{name}（{account}）" if name and name != account else account


# --- 三级: the centres' levels, escalation and 吹哨报到 (services/coordinator/README.md, "Levels") ---------

LEVELS = {"county": "县级", "township": "乡镇级", "village": "村级"}
# Why a unit declines (the contract's DeclineReason).
DECLINE_REASONS = {"not_competent": "不属于本单位职责", "beyond_level": "超出本级处置能力"}


def centre_name(division: str | None, registry: AgencyRegistry, places: Places) -> str:
    """'砖塘镇综治中心' for '430426101': the centre agency's unit at that place."""
    return unit_name(f"centre:{division}", registry, places) if division else ""


def no_centre_text(division: str, centres: Centres, places: Places) -> str:
    """Why a centre filter at a place with no centre of its own (the coordinator's `no_centre`) was refused, naming
    the place, the centre above that holds its cases and those set up within it: '砖塘镇新塘村（430426101204）未设综治
    中心，没有由它掌握的案件；该地的案件由上一级的砖塘镇综治中心（430426101）掌握'."""
    holding = centres.holding(division)
    text = (
        f"{places.name(division)}（{division}）未设综治中心，没有由它掌握的案件；"
        f"该地的案件由上一级的{holding.name}（{holding.division}）掌握"
    )
    within = centres.within(division)
    if within:
        text += "，其下设有" + "、".join(f"{c.name}（{c.division}）" for c in within)
    return text


def escalation_text(step: Mapping[str, Any], registry: AgencyRegistry, places: Places) -> str:
    """One step up as staff read it: '因超出本级处置能力，由砖塘镇综治中心上报至祁东县综治中心，由祁东县派出所接办'
    or '逾期3个工作日，由…提级至…'; at the top, '逾期6个工作日，已在祁东县综治中心，提请领导督办'."""
    here = centre_name(step.get("from_centre"), registry, places)
    there = centre_name(step.get("to_centre"), registry, places)
    days = step.get("overdue_working_days")
    if not there:
        return f"逾期{days}个工作日，已在{here}（最高一级），提请领导督办"
    line = (
        f"因超出本级处置能力，由{here}上报至{there}"
        if step.get("cause") == "beyond_level"
        else f"逾期{days}个工作日，由{here}提级至{there}"
    )
    new_unit = step.get("new_unit")
    return line + (f"，由{unit_name(new_unit, registry, places)}接办" if new_unit else "，由上级中心指派单位")


def called_in_parts(detail: Mapping[str, Any], registry: AgencyRegistry, places: Places) -> list[str]:
    """['报到单位：祁东县信访局', '事项：请…'] from a `units_called_in` timeline entry: the line's own title
    (吹哨报到) is not said again."""
    units = "、".join(unit_name(str(u), registry, places) for u in detail.get("units") or [])
    note = str(detail.get("note") or "").strip()
    return [part for part in (f"报到单位：{units}" if units else "", f"事项：{note}" if note else "") if part]


# 吹哨报到 refused by the coordinator (409; 403 for another centre's case), by its rules' codes
# (services/coordinator/domain/levels.py LevelRefusal, rules.py RefusalCode), when the refusal names nothing
# more that the sentence could use.
CALL_IN_REFUSALS = {
    "not_this_centre": "此案件由其他综治中心办理，只有该中心或其上级中心的工作人员可以吹哨报到。",
    "not_callable": "本中心不能向所选部门吹哨，请重新选择单位。",
    "unit_already_on_case": "所选单位已在办理此案，不需要再吹哨报到。",
    "bad_unit": "所选单位不是本县的单位，请从列表中选择。",
    "below_agency_level": "所选单位低于该部门设立单位的层级，没有可以签收交办件的人员，请从列表中选择。",
    "wrong_status": "此案件已办结、已结案或尚未分流，不能吹哨报到。",
}
CALL_IN_REFUSED = "暂时不能吹哨报到，请刷新页面查看案件的最新情况。"


def call_in_refusal_text(
    code: str, detail: Mapping[str, Any], reason: str, registry: AgencyRegistry, places: Places
) -> str:
    """The coordinator's refusal of a 吹哨报到 as staff read it ('砖塘镇派出所已在办理此案，不需要再吹哨报到。'), the
    units, centre and agencies named by their names. `detail` is what its 409 names (`unit`, `centre`,
    `callable`, `agency`); its 403 for another centre's case names the holding centre only in `reason`, as a
    unit code."""

    def named(unit: object) -> str | None:
        return unit_name(str(unit), registry, places) if unit else None

    unit = named(detail.get("unit"))
    centre = named(detail.get("centre")) or next(iter(map(named, _UNIT_CODE.findall(reason))), None)
    if code == "unit_already_on_case" and unit:
        return f"{unit}已在办理此案，不需要再吹哨报到。"
    if code == "bad_unit" and unit:
        return f"{unit}不是本县的单位，请从列表中选择。"
    if code == "below_agency_level" and detail.get("unit"):
        return below_level_text(str(detail["unit"]), registry, places)
    if code == "not_this_centre" and centre:
        return f"此案件由{centre}办理，只有该中心或其上级中心的工作人员可以吹哨报到。"
    callable_agencies = detail.get("callable")
    if code == "not_callable" and centre and detail.get("agency") and isinstance(callable_agencies, list):
        if not callable_agencies:
            return f"{centre}不能吹哨报到任何部门。"
        allowed = "、".join(_agency_name(str(agency), registry) for agency in callable_agencies)
        return f"{centre}只能向{allowed}吹哨，不能向{_agency_name(str(detail['agency']), registry)}吹哨。"
    return CALL_IN_REFUSALS.get(code, CALL_IN_REFUSED)


_UNIT_LEVELS = {6: "县级", 9: "乡镇级", 12: "村级"}


def below_level_text(unit: str, registry: AgencyRegistry, places: Places) -> str:
    """Why a case cannot be assigned or called in to a unit below its agency's level (the coordinator's
    `below_agency_level`, by AgencyRegistry.below_its_level): '砖塘镇人民法院（court:430426101）不能交办：人民法院的
    单位只设到县级，没有乡镇级的单位，不能为它开设办理人员账号，交办件无人签收；该地由祁东县人民法院（court:430426）办理。'"""
    agency = registry.below_its_level(unit)
    if agency is None:
        return CALL_IN_REFUSALS["below_agency_level"]
    division = unit.partition(":")[2]
    usual = agency.unit_for(division)
    return (
        f"{unit_name(unit, registry, places)}（{unit}）不能交办：{agency.name_zh}的单位只设到"
        f"{_UNIT_LEVELS[agency.unit_digits]}，没有{_UNIT_LEVELS[len(division)]}的单位，不能为它开设办理人员账号，"
        f"交办件无人签收；该地由{unit_name(usual, registry, places)}（{usual}）办理。"
    )


def _agency_name(code: str, registry: AgencyRegistry) -> str:
    try:
        return registry.get(code).name_zh
    except KeyError:
        return code


# --- refusals back to the sender (MessageRejected, shared/agency/README.md) -------------------------------

# Why the centre refused a unit's message: the consumer's codes, then the coordinator's rules' codes.
REJECTION_REASONS = {
    "malformed": "消息不是有效的JSON",
    "unknown_type": "中心不接收该类消息",
    "schema": "消息格式不符合约定",
    "unreadable": "消息无法读取",
    "failed": "多次处理失败",
    "too_large": "消息过大，未读取",
    "not_in_county": "纠纷发生地不是本县的乡镇或村（社区）",
    "agreement_after_report": "调解协议的签订日期晚于反馈结果当天",
    "message_id_reused": "消息编号已被此前另一条消息使用，请以新的编号重发",
    "wrong_sender": "发送方与署名单位不符",
    "unknown_agency": "署名单位不属于已登记的机构",
    "unknown_referral": "中心没有该交办件",
    "wrong_unit": "该交办件不是交给本单位的",
    "wrong_recipient": "收件单位不是本县综治中心",
    "referral_closed": "该交办件已结束",
    "already_accepted": "该交办件已签收",
    "wrong_status": "交办件当前状态不允许此操作",
    "bad_unit": "单位代码有误",
    "below_agency_level": "该单位低于本机构设立单位的层级，没有人员可以签收",
    "unit_already_on_case": "该单位已在办理此案",
    "already_paused": "该次暂停已记录",
    "not_paused": "计时并未暂停",
    # A pause or resume the centre holds already, after which the unit's clock would differ from the centre's.
    "centre_clock_running": "该次暂停中心已记录并已恢复，中心计时仍在进行",
    "centre_clock_paused": "该次恢复中心已记录，中心计时现已再次暂停",
}


def rejection_text(detail: Mapping[str, Any]) -> str:
    """'该交办件已结束' from a refusal: the reason in Chinese. Only a reason this release has no words for shows its
    code ('其他原因（代码 a_new_rule）'), the one thing staff could then quote to the centre."""
    code = str(detail.get("reason") or "")
    reason = REJECTION_REASONS.get(code)
    if reason:
        return reason
    return f"其他原因（代码 {code}）" if code else "其他原因"


def issue_reason_text(reason: Mapping[str, Any] | None, registry: AgencyRegistry, places: Places) -> str:
    """Why a unit was handed a case, as its officers read it on the referral ('砖塘镇派出所以超出本级处置能力退回，
    案件上报后由本单位接办（2026-12-04 10:00）。退回理由：……。'); '' for a case's first designation. From the
    coordinator's `issued_because`: what happened, when, then what was said."""
    if not reason:
        return ""
    cause = reason.get("cause")
    unit = unit_name(str(reason.get("from_unit") or ""), registry, places) if reason.get("from_unit") else ""
    said = str(reason.get("reason") or "")
    if cause == "reopened":
        main = {
            "spot_check": "回访抽查发现群众对办理结果不满意，案件重新交办",
            "repeat_report": "案件办结后群众再次反映，重新交办",
        }.get(str(reason.get("reopen_cause")), "群众对上一轮办理结果不满意，案件重新交办")
        said_as = "再次反映的内容" if reason.get("reopen_cause") == "repeat_report" else "群众意见"
        extra = f"{said_as}：{reason['comment']}" if reason.get("comment") else ""
    elif cause == "escalated" and reason.get("escalation_cause") == "overdue":
        days = reason.get("overdue_working_days")
        main = f"{unit or '原承办单位'}{f'逾期{days}个工作日' if days else '逾期'}仍未办结，案件提级由本单位接办"
        extra = ""
    elif cause == "escalated":
        main = f"{unit or '原承办单位'}以超出本级处置能力退回，案件上报后由本单位接办"
        extra = f"退回理由：{said}" if said else ""
    elif cause == "declined":
        main = f"{unit or '原承办单位'}退回此案，改由本单位办理"
        extra = f"退回理由：{said}" if said else ""
    elif cause == "called_in":
        main = "综治中心吹哨，请本单位报到协办"
        extra = f"中心要求：{reason['note']}" if reason.get("note") else ""
    else:
        main = "综合协调组指派本单位办理"
        extra = (f"此前{unit}已退回" + (f"，理由：{said}" if said else "")) if unit else ""
    at = local_time(reason.get("at")) if reason.get("at") else ""
    text = f"{main}（{at}）。" if at else f"{main}。"
    return text + (extra.rstrip("。") + "。" if extra else "")


def report_rejected_text(detail: Mapping[str, Any], registry: AgencyRegistry, places: Places) -> str:
    """'拒收祁东县人民法院的反馈结果：该交办件已结束' from a `report_rejected` timeline entry."""
    kind = REJECTED_TYPES.get(str(detail.get("rejected_type") or ""), "消息")
    return f"拒收{unit_name(detail.get('unit'), registry, places)}的{kind}：{rejection_text(detail)}"


# What a refused message was, as staff read it.
REJECTED_TYPES = {
    "ReferralAccepted": "签收",
    "ProgressReported": "进展报告",
    "ReferralDeclined": "退回",
    "ResultReported": "反馈结果",
    "ClockPaused": "暂停计时",
    "ClockResumed": "恢复计时",
    "RegisterDispute": "报送纠纷",
}
