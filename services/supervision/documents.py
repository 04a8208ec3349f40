"""两函一通报 as documents: numbers (文号), a 督办函's superior, the 通报's selection and ranking, and their text."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from services.supervision.reports_counters import Part, on_time
from shared.wording import CATEGORIES, PROVISIONAL_MARK, TIMER_ISSUER, Places, issuer_text
from shared.workdays import CHINA_TZ, add_working_days_or_weekdays, working_days_or_weekdays

ISSUER = "检查督导组"  # the inspection group signs every document for the centre
# Who issued a document (签发人), as archived in its `issued_by`: a supervisor's account for a 通报 on demand, or
# TIMER_ISSUER for what supervision's timers issue (提醒函, 督办函, the monthly 通报). A 通报 on demand keeps the
# supervisor's name too, as the token gave it that day, in its facts' `issued_by_name`.
# A unit named in two or more 督办函 in a 通报's period is "repeatedly late" (多次被督办).
REPEATEDLY_LATE_LETTERS = 2
# A 督办函 asks for the result, or the reason for the delay, within this many working days.
OVERDUE_REPLY_WORKING_DAYS = 3
# A 通报 asks the units it names for their rectification (整改) within this many working days.
NOTICE_REPLY_WORKING_DAYS = 5
# 1–12 characters: Chinese, letters or digits, as county offices abbreviate themselves (临澧综治).
_PREFIX = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]{1,12}$")


class DocumentKind(StrEnum):
    REMINDER = "reminder"  # 提醒函
    OVERDUE = "overdue"  # 督办函
    NOTICE = "notice"  # 通报


TITLES = {DocumentKind.REMINDER: "提醒函", DocumentKind.OVERDUE: "督办函", DocumentKind.NOTICE: "通报"}
# The word in the 文号 that says which series a number belongs to.
_SERIES = {DocumentKind.REMINDER: "提醒", DocumentKind.OVERDUE: "督办", DocumentKind.NOTICE: "通报"}
# How the letter says the unit was given the case: 牵头办理 for the lead, 配合办理 for a co-unit (not "协办办理").
_ROLES = {"lead": "牵头办理", "co_unit": "配合办理"}
# Said once under a letter or 通报 whose working days ran over a year whose calendar is not loaded yet.
PROVISIONAL_NOTE = "注：标注“暂定”的，因该年度法定节假日安排尚未公布，暂按周一至周五（法定节假日除外）计算工作日。"


def check_prefix(prefix: str) -> str:
    """The county's 文号 prefix (the centre's short name); ValueError naming what is wrong."""
    if not _PREFIX.match(prefix):
        raise ValueError("must be 1 to 12 Chinese characters, letters or digits, e.g. 临澧综治")
    return prefix


def default_prefix(county_place: str) -> str:
    """'临澧综治' for 临澧县: the place without its 县/区/市, then 综治."""
    place = county_place[:-1] if len(county_place) > 2 and county_place[-1] in "县区市旗" else county_place
    return f"{place}综治" if _PREFIX.match(f"{place}综治") else "综治"


def document_number(prefix: str, kind: DocumentKind, year: int, seq: int) -> str:
    """The 文号: '临澧综治〔2026〕督办第3号', one series per kind and year."""
    if seq < 1:
        raise ValueError(f"a document's number starts at 1, got {seq}")
    return f"{prefix}〔{year}〕{_SERIES[kind]}第{seq}号"


_NUMBERED = re.compile(r"〔(\d{4})〕(" + "|".join(_SERIES.values()) + r")第(\d{1,9})号$")


def numbered_as(number: str) -> tuple[DocumentKind, int, int] | None:
    """The series, year and place of a 文号 `document_number` gave ('…〔2026〕督办第3号' → overdue, 2026, 3); None
    for any other text."""
    found = _NUMBERED.search(number)
    if found is None:
        return None
    kind = next(kind for kind, series in _SERIES.items() if series == found[2])
    return kind, int(found[1]), int(found[3])


def superior_of(unit: str, centre_unit: str) -> str:
    """Whom a 督办函 is also sent to: the same agency's unit one level up (village → township → county);
    above a county-level unit stands the county's centre itself, which keeps the copy in its archive."""
    agency, _, division = unit.partition(":")
    if len(division) > 6:
        return f"{agency}:{division[:-3]}"
    return centre_unit


def year_of(at: datetime) -> int:
    """Numbers run per calendar year in Beijing time: a letter at 00:30 on 1 January is next year's."""
    return at.astimezone(CHINA_TZ).year


# --- the letters --------------------------------------------------------------------------------


def working_days(start: datetime, end: datetime) -> tuple[int, bool]:
    """Working days from `start` to `end` (0 at least), and whether the official calendar knew every day; past
    the known years weekdays stand in (the shared 暂定 fallback), so a letter still goes out and says so."""
    days, provisional = working_days_or_weekdays(start, end)
    return max(days, 0), not provisional


def reply_by(at: datetime, days: int) -> tuple[datetime, bool]:
    """Close of business (17:30) on the `days`-th working day after `at`, and whether it is provisional (暂定:
    weekdays stood in for a year whose calendar is not loaded yet)."""
    return add_working_days_or_weekdays(at, days)


@dataclass(frozen=True)
class CaseSubject:
    """What a letter names the dispute by beside its number: its category and the division it happened in, as the
    case's latest assignment (CaseAssigned) gave them."""

    category: str
    division_code: str


def subject_place(division_code: str, places: Places) -> str | None:
    """The place a letter names: the village or township as the county's list names it (a village it does not list
    by its township); None for a division the list does not know, rather than a bare code."""
    for code in (division_code, division_code[:9]):
        if len(code) > 6 and code in places.names:
            return places.name(code)
    return None


def letter_facts(
    *,
    kind: DocumentKind,
    number: str,
    centre_unit: str,
    centre_name: str,
    case_id: str,
    referral_id: str,
    unit: str,
    unit_name: str,
    role: str,
    referral_issued_at: datetime,
    due_at: datetime,
    superior: str | None,
    superior_name: str | None,
    issued_at: datetime,
    subject: CaseSubject | None = None,
    place: str | None = None,
) -> dict[str, Any]:
    """What a 提醒函 or 督办函 says, fixed at issue (names as they read that day), as JSON to archive. A 督办函 is
    copied (抄送) to the unit's superior, unless that is the centre issuing it (a county-level unit's): the letter
    is the centre's own, and its copy is the archive."""
    if kind is DocumentKind.OVERDUE:
        days, exact = working_days(due_at, issued_at)
        respond_by, respond_by_provisional = reply_by(issued_at, OVERDUE_REPLY_WORKING_DAYS)
    else:
        days, exact = working_days(issued_at, due_at)
        respond_by, respond_by_provisional = due_at, False
    return {
        "kind": kind.value,
        "number": number,
        "centre_name": centre_name,
        "case_id": case_id,
        "referral_id": referral_id,
        "unit": unit,
        "unit_name": unit_name,
        "role": role,
        "referral_issued_at": referral_issued_at.isoformat(),
        "due_at": due_at.isoformat(),
        "working_days": days,  # overdue by (督办函), or left (提醒函)
        "working_days_exact": exact,
        # Counted on weekdays where not exact (older letters counted calendar days and lack this key).
        "counted_on_weekdays": True,
        "respond_by": respond_by.isoformat(),
        "respond_by_provisional": respond_by_provisional,
        "superior": superior,
        "superior_name": superior_name,
        "copy_to": superior_name if kind is DocumentKind.OVERDUE and superior not in (None, centre_unit) else None,
        "issued_at": issued_at.isoformat(),
        "issued_by": TIMER_ISSUER,  # letters come from the deadline timer alone
        # The dispute beside its number (none in letters archived before they named it, or rebuilt by a restore).
        "category": subject.category if subject else None,
        "place": place,
    }


@dataclass(frozen=True)
class DocumentText:
    """A document as staff read it, the same for the HTML and the PDF."""

    title: str
    number: str
    centre_name: str
    addressee: str  # 主送
    paragraphs: list[str]
    issued_on: str  # 2026年12月4日
    copy_to: str | None = None  # 抄送
    table_title: str | None = None
    table_header: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    after_table: list[str] = field(default_factory=list)
    issuer: str = ISSUER
    # 签发人：周敏（zhou.min）, 签发人：<account> (archived without a name), or 系统自动生成; None for documents
    # archived before their issuer was recorded.
    issued_by: str | None = None
    # When it was issued, to the second: the PDF's creation date (None for a text not made from archived facts).
    issued_at: datetime | None = None


def issued_by_line(facts: dict[str, Any]) -> str | None:
    """Who issued the document, as its last line says; nothing for one archived before it was recorded."""
    issued_by = facts.get("issued_by")
    if issued_by is None:
        return None
    text = issuer_text(issued_by, facts.get("issued_by_name"))
    return text if issued_by == TIMER_ISSUER else f"签发人：{text}"


def _local(value: str) -> str:
    moment = datetime.fromisoformat(value).astimezone(CHINA_TZ)
    return f"{moment.year}年{moment.month}月{moment.day}日{moment:%H:%M}"


def _day(value: str | date) -> str:
    day = value if isinstance(value, date) else datetime.fromisoformat(value).astimezone(CHINA_TZ).date()
    return f"{day.year}年{day.month}月{day.day}日"


def _subject(facts: dict[str, Any]) -> str:
    """「（砖塘镇，邻里纠纷）」: where and what the dispute is, so the unit knows the case before looking it up."""
    named = [facts.get("place"), CATEGORIES.get(facts.get("category") or "")]
    said = "，".join(part for part in named if part)
    return f"（{said}）" if said else ""


def letter_text(facts: dict[str, Any]) -> DocumentText:
    kind = DocumentKind(facts["kind"])
    role = _ROLES.get(facts["role"], "办理")
    unit_days = f"{facts['working_days']}个工作日"
    if not facts["working_days_exact"]:
        unit_days = (
            f"{facts['working_days']}个工作日{PROVISIONAL_MARK}"
            if facts.get("counted_on_weekdays")
            else f"{facts['working_days']}日（该年度法定节假日安排尚未公布，暂按自然日计）"
        )
    # How late: the working days begun after the deadline's day, up to the letter's day. The timer sends the
    # 督办函 moments after the 17:30 deadline, on its own day, when none has begun: the letter then says the
    # deadline has passed rather than "0 working days". The practice the county follows (两函一通报,
    # xianning-practice.txt) gives no form for the count, so the letter keeps to what the clock shows.
    lateness = f"已超期{unit_days}" if facts["working_days"] > 0 else "已超过办理期限"
    # A 提醒函 on the deadline's own day (a short term's 80 % falls on its last day, even in its small hours): the
    # day itself is left, not "0 working days".
    last_day = f"期限为{_local(facts['due_at'])}，已不足1个工作日"
    left = f"距期限还剩{unit_days}" if facts["working_days"] > 0 else last_day
    respond_by = _local(facts["respond_by"]) + (PROVISIONAL_MARK if facts.get("respond_by_provisional") else "")
    provisional = facts.get("respond_by_provisional") or (
        not facts["working_days_exact"] and facts.get("counted_on_weekdays")
    )
    opening = (
        f"{facts['case_id']}号矛盾纠纷{_subject(facts)}于{_local(facts['referral_issued_at'])}交由你单位{role}，"
        f"办理期限至{_local(facts['due_at'])}（北京时间，下同）。"
    )
    if kind is DocumentKind.OVERDUE:
        body = [
            opening + f"截至{_local(facts['issued_at'])}，该件{lateness}，尚未反馈办理结果。",
            "根据“两函一通报”工作机制，现予督办。请你单位高度重视，"
            f"于{respond_by}前办结并书面反馈办理结果；确有困难不能办结的，"
            "一并说明超期原因及预计办结时间。逾期仍未办结的，将在通报中予以通报。",
        ]
    else:
        body = [
            opening + f"截至{_local(facts['issued_at'])}，办理时限已过八成，{left}。",
            f"请你单位抓紧办理，于{respond_by}前办结并反馈办理结果，避免超期。",
        ]
    if provisional:
        body.append(PROVISIONAL_NOTE)
    if facts.get("recovered"):
        body.append(recovered_note(facts))
    return DocumentText(
        title=TITLES[kind],
        number=facts["number"],
        centre_name=facts["centre_name"],
        addressee=f"{facts['unit_name']}：",
        paragraphs=body,
        issued_on=_day(facts["issued_at"]),
        issued_at=datetime.fromisoformat(facts["issued_at"]),
        # A letter archived before `copy_to` was fixed at issue reads as it was issued, copied to its superior.
        copy_to=facts.get("copy_to", facts["superior_name"]) if kind is DocumentKind.OVERDUE else None,
        issued_by=issued_by_line(facts),
    )


# --- the 通报 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFigures:
    """One unit's record over a period: referrals due in it and how many of them were done by their
    deadline, referrals overdue and still open at its end, and the 督办函 it was sent in it."""

    unit: str
    due: int
    on_time: int
    overdue: int
    overdue_letters: int

    @property
    def on_time_rate(self) -> float | None:
        """Per cent, one decimal, half up; None when nothing fell due."""
        if self.due == 0:
            return None
        return int(self.on_time * 1000 / self.due + 0.5) / 10


@dataclass(frozen=True)
class NoticeCounts:
    """What one unit's part adds to its figures in a 通报 over [start, end)."""

    due: bool = False
    on_time: bool = False
    overdue: bool = False


def notice_counts(part: Part, start: datetime, end: datetime) -> NoticeCounts:
    """A part's place in the 通报, judged as the leaders' report judges it (reports_counters): a declined part is
    not the unit's to do and counts nowhere but in 超期未结 at the period's end; a part whose clock stood still by
    its deadline is judged at the pause (`on_time`), and not yet at all while it stands still. A part taken up a
    level (escalated), which the report leaves out of the ended parts, stays due here and is late: the 通报 ranks
    units by the deadlines that fell to them, and that one went up only because the unit let it pass.
    `PostgresDocumentStore.notice_figures` repeats these rules in SQL; both are tested on the same cases."""
    standing_still = part.closed_at is None and part.paused_at is not None and part.paused_at <= part.due_at
    due = start <= part.due_at < end and part.reason != "declined" and not standing_still
    overdue = (
        part.due_at < end
        and (part.closed_at is None or part.closed_at >= end)
        and (part.paused_at is None or part.paused_at > part.due_at)
    )
    return NoticeCounts(due, due and part.closed_at is not None and on_time(part), overdue)


@dataclass(frozen=True)
class Ranked:
    figures: UnitFigures
    rank: int  # 1, 2, 2, 4: units with the same rate share a rank


@dataclass(frozen=True)
class NoticeSelection:
    overdue: list[UnitFigures]  # units with overdue referrals still open, the most first
    repeatedly_late: list[UnitFigures]  # units sent REPEATEDLY_LATE_LETTERS or more 督办函, the most first
    ranking: list[Ranked]  # every unit that had referrals due, by on-time rate
    # Units that did not finish every referral due in the period on time (late, or not yet), named beside the two
    # above: a 通报 is there to push the laggards (倒逼后进), not to thank a unit at 0% for keeping it up.
    late: list[UnitFigures] = field(default_factory=list)

    @property
    def named_units(self) -> list[str]:
        """Every unit the 通报 names as lagging, each once, in code order."""
        lagging = self.overdue + self.repeatedly_late + self.late
        return sorted({f.unit for f in lagging})

    @property
    def units(self) -> list[str]:
        """Every unit the 通报 names or ranks, each once, in code order: a unit it speaks of must be able to read
        it and is sent its copy, whether it lags or leads."""
        return sorted(set(self.named_units) | {r.figures.unit for r in self.ranking})


def select_for_notice(figures: list[UnitFigures]) -> NoticeSelection:
    overdue = sorted((f for f in figures if f.overdue > 0), key=lambda f: (-f.overdue, f.unit))
    repeated = sorted(
        (f for f in figures if f.overdue_letters >= REPEATEDLY_LATE_LETTERS), key=lambda f: (-f.overdue_letters, f.unit)
    )
    rated = [f for f in figures if f.due > 0]
    rated.sort(key=lambda f: (-(f.on_time_rate or 0.0), -f.due, f.unit))
    ranking: list[Ranked] = []
    for position, unit in enumerate(rated, start=1):
        tied = ranking and ranking[-1].figures.on_time_rate == unit.on_time_rate
        ranking.append(Ranked(unit, ranking[-1].rank if tied else position))
    late = sorted((f for f in rated if f.on_time < f.due), key=lambda f: (f.on_time_rate or 0.0, -f.due, f.unit))
    return NoticeSelection(overdue, repeated, ranking, late)


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def notice_facts(
    *,
    number: str,
    centre_name: str,
    period_from: date,
    period_to: date,
    selection: NoticeSelection,
    names: dict[str, str],
    issued_at: datetime,
    scheduled: bool,
    issued_by: str,
    issued_by_name: str | None = None,
) -> dict[str, Any]:
    """What a 通报 says, fixed at issue; `issued_by` is the supervisor's account, or TIMER_ISSUER when scheduled, and
    `issued_by_name` the supervisor's name as the token gave it (None for the timer, or when the token gave none)."""

    def row(f: UnitFigures) -> dict[str, Any]:
        return {
            "unit": f.unit,
            "unit_name": names.get(f.unit, f.unit),
            "due": f.due,
            "on_time": f.on_time,
            "on_time_rate": f.on_time_rate,
            "overdue": f.overdue,
            "overdue_letters": f.overdue_letters,
        }

    respond_by, respond_by_provisional = reply_by(issued_at, NOTICE_REPLY_WORKING_DAYS)
    return {
        "kind": DocumentKind.NOTICE.value,
        "number": number,
        "centre_name": centre_name,
        "period_from": period_from.isoformat(),
        "period_to": period_to.isoformat(),
        "overdue": [row(f) for f in selection.overdue],
        "repeatedly_late": [row(f) for f in selection.repeatedly_late],
        "ranking": [{**row(r.figures), "rank": r.rank} for r in selection.ranking],
        "late": [row(f) for f in selection.late],
        "named_units": selection.named_units,
        "respond_by": respond_by.isoformat(),
        "respond_by_provisional": respond_by_provisional,
        "issued_at": issued_at.isoformat(),
        "scheduled": scheduled,
        "issued_by": issued_by,
        "issued_by_name": issued_by_name,
    }


def notice_text(facts: dict[str, Any]) -> DocumentText:
    period = f"{_day(date.fromisoformat(facts['period_from']))}至{_day(date.fromisoformat(facts['period_to']))}"
    paragraphs = [f"现将{period}各单位矛盾纠纷交办件办理情况通报如下。"]
    if facts["overdue"]:
        names = "；".join(f"{u['unit_name']}{u['overdue']}件" for u in facts["overdue"])
        paragraphs.append(f"一、超期未办结单位（截至期末）：{names}。")
    else:
        paragraphs.append("一、超期未办结单位：本期无。")
    if facts["repeatedly_late"]:
        names = "；".join(f"{u['unit_name']}{u['overdue_letters']}次" for u in facts["repeatedly_late"])
        paragraphs.append(f"二、多次被督办单位（本期收到督办函{REPEATEDLY_LATE_LETTERS}次及以上）：{names}。")
    else:
        paragraphs.append("二、多次被督办单位：本期无。")
    ranking_heading = "三"
    if "late" in facts:  # a 通报 issued before it named them keeps the words it was issued with
        ranking_heading = "四"
        if facts["late"]:
            names = "；".join(
                f"{u['unit_name']}（到期{u['due']}件，按期办结{u['on_time']}件，按期办结率{_rate(u['on_time_rate'])}）"
                for u in facts["late"]
            )
            paragraphs.append(f"三、未按期办结单位（期限在本期内的交办件未全部按期办结）：{names}。")
        else:
            paragraphs.append("三、未按期办结单位：本期无。")
    paragraphs.append(
        f"{ranking_heading}、各单位按期办结率排名（按期办结率=期限在本期内且按期办结的件数÷期限在本期内的件数）："
    )
    table = [
        [
            str(u["rank"]),
            u["unit_name"],
            str(u["due"]),
            str(u["on_time"]),
            _rate(u["on_time_rate"]),
            str(u["overdue"]),
            str(u["overdue_letters"]),
        ]
        for u in facts["ranking"]
    ]
    provisional = bool(facts["named_units"] and facts.get("respond_by_provisional"))
    respond_by = _local(facts["respond_by"]) + (PROVISIONAL_MARK if provisional else "")
    after = [
        f"请被通报单位认真分析原因，落实整改，于{respond_by}前将整改情况书面报送{ISSUER}。"
        if facts["named_units"]
        else "请各单位继续保持，按期办结交办事项。"
    ]
    if provisional:
        after.append(PROVISIONAL_NOTE)
    return DocumentText(
        title=TITLES[DocumentKind.NOTICE],
        number=facts["number"],
        centre_name=facts["centre_name"],
        addressee="各成员单位：",
        paragraphs=paragraphs,
        issued_on=_day(facts["issued_at"]),
        issued_at=datetime.fromisoformat(facts["issued_at"]),
        table_title="按期办结率排名",
        table_header=["排名", "单位", "到期件数", "按期办结", "按期办结率", "超期未结", "督办函"],
        table=table if table else [["—", "本期无到期交办件", "", "", "", "", ""]],
        after_table=after,
        issued_by=issued_by_line(facts),
    )


def recovered_note(facts: dict[str, Any]) -> str:
    """What a letter archived again from its units' copies says of itself (documents_recovered): when and from what it
    was rebuilt, and what those copies could not tell."""
    recovered = facts["recovered"]
    kept = "文号、办理期限和发文时间" if recovered["issued_at_exact"] else "文号和办理期限"
    note = (
        f"注：本函原存档在检查督导组数据库恢复到较早时点时遗失，于{_day(recovered['at'])}依据收函单位留存的记录"
        f"（{kept}）和交办件的记录重新存档，单位名称为重新存档时的名称。"
    )
    if not recovered["issued_at_exact"]:
        # A 提醒函's reply is due by the deadline itself; a 督办函's is counted from the letter's day.
        counted = "超期工作日和反馈期限" if facts["kind"] == DocumentKind.OVERDUE.value else "剩余工作日"
        note += (
            "收函单位未留存本函的发文时间：文中“截至”时间和落款日期为收函单位最早收到本函的时间，"
            f"{counted}据此推算，可能与原件略有出入。"
        )
    return note


def document_text(facts: dict[str, Any]) -> DocumentText:
    if facts["kind"] == DocumentKind.NOTICE.value:
        return notice_text(facts)
    return letter_text(facts)


# --- when the monthly 通报 is due ----------------------------------------------------------------


def previous_month(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    last = first - timedelta(days=1)
    return last.replace(day=1), last


def first_working_day(year: int, month: int, is_working: Callable[[date], bool]) -> date:
    """The month's first working day by `is_working(day)`; the 1st if the calendar does not know the year."""
    day = date(year, month, 1)
    try:
        while not is_working(day):
            day += timedelta(days=1)
    except ValueError:
        return date(year, month, 1)
    return day


# The scheduled 通报 of a period is one document however often it is issued: after supervision's database is
# restored to a point before it went out, the timer issues it again under the same id, and each unit's copy under
# the same message id, which the unit's inbox has already taken.
_SCHEDULED_NOTICE = uuid.UUID("6f1c2b0e-5d1a-4c6b-9a57-2f0e8d3c4b71")


def scheduled_notice_id(centre_unit: str, period_from: date, period_to: date) -> uuid.UUID:
    """The id of the centre's scheduled 通报 over [period_from, period_to], the same at every issue."""
    return uuid.uuid5(_SCHEDULED_NOTICE, f"{centre_unit}/{period_from.isoformat()}/{period_to.isoformat()}")


def scheduled_notice_copy_id(document_id: uuid.UUID, unit: str) -> uuid.UUID:
    """The message id of a scheduled 通报's copy to `unit`, the same at every issue."""
    return uuid.uuid5(document_id, unit)


def monthly_notice_due(now: datetime, is_working: Callable[[date], bool]) -> tuple[date, date] | None:
    """The period (the previous month) whose 通报 is due at `now`: from the month's first working day on,
    so a service that was down that day still issues it when it is back."""
    today = now.astimezone(CHINA_TZ).date()
    if today < first_working_day(today.year, today.month, is_working):
        return None
    return previous_month(today)
