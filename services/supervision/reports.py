"""The leaders' report (日小结/周调度/月总结): counts and published rates over a period and a scope, pure."""

import csv
import io
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from services.supervision.reports_counters import (
    CaseFact,
    Counters,
    LinkFact,
    Metric,
    Part,
    RatedVisit,
    case_counters,
    link_counters,
    link_metric,
    source_dim,
)
from shared.contracts.identifiers import split_unit
from shared.report_periods import period_dates
from shared.wording import CATEGORIES, SOURCES, label, local_time
from shared.workdays import CHINA_TZ, working_days_or_weekdays

# Bumped whenever a figure's numerator, denominator or rounding changes, or a figure is added: a report names the
# definitions it used, and a new version makes the rebuild recount every case kept.
# .2: every figure a flow counted on its day (read model); .3: a part escalated past its unit is no ended part;
# .4: a mediated case one success, a reopened round timed from its reopening; .5: cases still handled at the end;
# .6: a case waiting for manual triage is received, and the cases still waiting at the end are counted
DEFINITIONS_VERSION = "2026-12.6"
MAX_DAYS = 366
# A unit with fewer ended parts than this in the period is listed but not ranked: two cases are no league table.
MIN_RANKED_PARTS = 3
RANKING_RULE = (
    f"本期办结任务不少于{MIN_RANKED_PARTS}件的单位参与排名：按期办结率高者在前，其次化解率，其次办结任务数，"
    "再按单位代码排列；不足件数的单位列于其后，不排名次"
)


class Level(StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    UNIT = "unit"


class PeriodKind(StrEnum):
    DAY = "day"  # 日小结
    WEEK = "week"  # 周调度: Monday to Sunday
    MONTH = "month"  # 月总结: the calendar month


@dataclass(frozen=True)
class Period:
    """China local dates, both ends included."""

    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        """[first instant, instant after the last day) in Asia/Shanghai."""
        return (
            datetime.combine(self.start, time(), CHINA_TZ),
            datetime.combine(self.end + timedelta(days=1), time(), CHINA_TZ),
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class PeriodRefused(ValueError):
    """A period that cannot be reported on; `code` says which rule, for a client to word it."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


def period_between(start: date, end: date) -> Period:
    if end < start:
        raise PeriodRefused("to_before_from", "to is before from")
    if (end - start).days >= MAX_DAYS:
        raise PeriodRefused("period_too_long", f"a period of at most {MAX_DAYS} days")
    return Period(start, end)


def period_of(kind: PeriodKind, day: date) -> Period:
    """The day, its Monday-to-Sunday week, or its calendar month."""
    return Period(*period_dates(kind.value, day))


@dataclass(frozen=True)
class Scope:
    """The county (its 6-digit code), a township (9 digits), or a unit and the units below it."""

    level: Level
    code: str

    def holds_division(self, division: str | None) -> bool:
        return division is not None and division.startswith(self.code)

    def holds_unit(self, unit: str) -> bool:
        if self.level is Level.UNIT:
            return unit.startswith(self.code)  # as domain.is_within
        return self.holds_division(split_unit(unit)[1])


# --- the facts a report is computed from (the read model's inputs, reports_counters) -----------------


@dataclass(frozen=True)
class ReportFacts:
    """Facts of some cases (every fact, part and rating of each) and link decisions: what the read model is
    rebuilt from. A report computed from them is the same as one read from the counters they add up to."""

    case_facts: list[CaseFact] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    ratings: list[RatedVisit] = field(default_factory=list)
    link_facts: list[LinkFact] = field(default_factory=list)


def working_days(start: datetime, end: datetime) -> tuple[int, bool]:
    """Working days between, and whether they were counted on plain weekdays (a year's calendar unknown): the
    shared stand-in the letters, the escalation and the coordinator's deadlines use too."""
    return working_days_or_weekdays(start, end)


def counters_of(facts: ReportFacts) -> Counters:
    """The read model's counters for these facts: each case's, then each link decision's (a rebuild, in memory)."""
    by_case: dict[str, tuple[list[CaseFact], list[Part], list[RatedVisit]]] = {}
    for fact in facts.case_facts:
        by_case.setdefault(fact.case_id, ([], [], []))[0].append(fact)
    for part in facts.parts:
        by_case.setdefault(part.case_id, ([], [], []))[1].append(part)
    for visit in facts.ratings:
        by_case.setdefault(visit.case_id, ([], [], []))[2].append(visit)
    total: Counters = Counter()
    for case_facts, parts, ratings in by_case.values():
        total.update(case_counters(case_facts, parts, ratings, working_days))
    for link_fact in facts.link_facts:
        total.update(link_counters(link_fact))
    return total


# (unit or '', dimension or '', metric) -> the sum over the period's days, for one scope key; and under
# ('', '', Metric.OPEN_AT_END) the rounds opened less those ended over every day up to the period's last, under
# ('', '', Metric.AWAITING_TRIAGE_AT_END) the waits for manual triage begun less those ended likewise (each left out
# when 0, as every sum is when nothing was counted).
Sums = Mapping[tuple[str, str, str], int]
OPEN_AT_END = ("", "", Metric.OPEN_AT_END)
AWAITING_TRIAGE_AT_END = ("", "", Metric.AWAITING_TRIAGE_AT_END)
# Each stock: the daily counter summed from the first day, and the key its sum goes under.
STOCKS = {Metric.ROUNDS_OPENED_LESS_ENDED: OPEN_AT_END, Metric.TRIAGE_WAITS_BEGUN_LESS_ENDED: AWAITING_TRIAGE_AT_END}


def scope_key(scope: Scope) -> str:
    """The counters' scope key: the county's or township's code, or the unit's."""
    return scope.code


def sums_of(counters: Counters, scope_code: str, first: date, last: date) -> dict[tuple[str, str, str], int]:
    """What the store's aggregate query answers (`report_sums`), over counters in memory."""
    sums: dict[tuple[str, str, str], int] = {}
    stocks: Counter[tuple[str, str, str]] = Counter()
    for (day, scope, unit, dim, metric), n in counters.items():
        if scope != scope_code:
            continue
        if first <= day <= last:
            sums[(unit, dim, metric)] = sums.get((unit, dim, metric), 0) + n
        if day <= last and unit == "" and dim == "" and metric in STOCKS:
            stocks[STOCKS[metric]] += n
    sums.update({key: n for key, n in stocks.items() if n})
    return sums


# --- figures ---------------------------------------------------------------------------------


def percent(numerator: int, denominator: int) -> float | None:
    """numerator ÷ denominator as a percentage, one decimal, halves rounded up; None when nothing to divide."""
    if denominator == 0:
        return None
    value = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(value)


def rate(numerator: int, denominator: int) -> dict[str, Any]:
    return {"numerator": numerator, "denominator": denominator, "value": percent(numerator, denominator)}


# key: (中文名称, numerator key, denominator key) for rates; counts have no keys of their own to divide.
COUNTS: dict[str, str] = {
    "cases_received": "受理案件数",
    "cases_handled": "办结案件数",
    "cases_resolved": "化解案件数",
    "cases_open_at_end": "期末在办案件数",
    "cases_awaiting_triage_at_end": "期末待人工分流案件数",
    "court_filings_registered": "法院登记诉讼案件数",
    "court_filings_diverted": "诉前分流至中心数",
    "court_mediated": "诉前调解成功数",
    "police_referred": "警调对接移交数",
    "police_mediated": "警调调解成功数",
    "petition_referred": "访调对接移交数",
    "petition_mediated": "访调调解成功数",
    "parts_ended": "单位办结任务数",
    "parts_on_time": "按期办结任务数",
    "parts_escalated": "逾期提级任务数",
    "ratings": "回访评价数",
    "ratings_satisfied": "满意及基本满意数",
    "cases_reopened": "矛盾反弹案件数",
    "cases_to_litigation": "导入诉讼案件数",
}
RATES: dict[str, tuple[str, str, str]] = {
    "resolution_rate": ("化解率", "cases_resolved", "cases_handled"),
    "court_diversion_rate": ("诉调对接分流率", "court_filings_diverted", "court_filings_registered"),
    "court_mediation_success_rate": ("诉前调解成功率", "court_mediated", "court_filings_diverted"),
    "police_mediation_success_rate": ("警调调解成功率", "police_mediated", "police_referred"),
    "petition_mediation_success_rate": ("访调调解成功率", "petition_mediated", "petition_referred"),
    "on_time_rate": ("按期办结率", "parts_on_time", "parts_ended"),
    "satisfaction_rate": ("群众满意率", "ratings_satisfied", "ratings"),
    "reopened_rate": ("矛盾反弹率", "cases_reopened", "cases_handled"),
    "litigation_share": ("进入诉讼占比", "cases_to_litigation", "cases_handled"),
}
# Read by staff: the JSON null is shown as "—" on the page and left blank in the CSV.
ROUNDING = "×100%，保留一位小数（四舍五入）；分母为0时不计算（页面显示“—”，CSV留空）"
RATE_DEFINITIONS = {
    key: {
        "numerator": numerator,
        "denominator": denominator,
        "definition": f"{COUNTS[numerator]} ÷ {COUNTS[denominator]} {ROUNDING}",
    }
    for key, (_, numerator, denominator) in RATES.items()
}
# The ranking's rates are each unit's own, over its parts (任务), not the county's cases: said beside them, since the
# ranking's 化解率 divides by other things than the headline's.
RANKING_DEFINITIONS = {
    "on_time_rate": f"本单位按期办结任务数 ÷ 本单位办结任务数 {ROUNDING}",
    "resolution_rate": f"本单位办结任务中结果为化解的任务数 ÷ 本单位办结任务中报送了办理结果的任务数 {ROUNDING}",
}
AVERAGE_DAYS = "average_working_days_to_resolve"
AVERAGE_LABEL = "平均化解用时（工作日）"
# The figure keys that are one counter summed (by source where a source names them).
_LINK_COUNTS = {
    "court_filings_registered": link_metric("court", "filing_registered"),
    "court_filings_diverted": link_metric("court", "filing_diverted"),
}
_BY_SOURCE = {
    "court_mediated": (Metric.MEDIATED, "court_filing"),
    "police_referred": (Metric.RECEIVED, "police_call"),
    "police_mediated": (Metric.MEDIATED, "police_call"),
    "petition_referred": (Metric.RECEIVED, "petition"),
    "petition_mediated": (Metric.MEDIATED, "petition"),
}
_PLAIN = {
    "ratings": Metric.RATINGS,
    "ratings_satisfied": Metric.RATINGS_SATISFIED,
    "cases_reopened": Metric.REOPENED,
    "cases_to_litigation": Metric.TO_LITIGATION,
}
_PARTS = {
    "parts_ended": Metric.PARTS_ENDED,
    "parts_on_time": Metric.PARTS_ON_TIME,
    "parts_escalated": Metric.PARTS_ESCALATED,
}


def build_report(facts: ReportFacts, period: Period, scope: Scope, as_of: datetime) -> dict[str, Any]:
    """The report over facts in memory: their counters, summed as the store sums them."""
    sums = sums_of(counters_of(facts), scope_key(scope), period.start, period.end)
    return report_from_sums(sums, period, scope, as_of)


STOCK_FIGURES = ("cases_open_at_end", "cases_awaiting_triage_at_end")


def withhold_stock(report: dict[str, Any]) -> None:
    """While the rebuild recounts the cases kept under older definitions, the cases still handled (or still waiting
    for manual triage) at the end are not known: each stock sums its counter from the first day, and a case not yet
    recounted holds none (the rebuild walks the cases in case number order, so the sum would be the oldest cases' and
    those changed since). Null (shown as "—") until the rebuild is complete, as a rate with nothing to divide is; each
    flow stands as counted so far."""
    for key in STOCK_FIGURES:
        report["figures"][key]["value"] = None


def report_from_sums(sums: Sums, period: Period, scope: Scope, as_of: datetime) -> dict[str, Any]:
    """The report as the API answers it, from the scope's counters summed over the period: every count and
    rate under its stable key."""

    def total(metric: str, dim_prefix: str = "", unit: str | None = "") -> int:
        return sum(
            n
            for (u, dim, m), n in sums.items()
            if m == metric and dim.startswith(dim_prefix) and (unit is None or u == unit)
        )

    counts = {
        "cases_received": total(Metric.RECEIVED, "source:"),
        "cases_handled": total(Metric.HANDLED, "source:"),
        "cases_resolved": total(Metric.RESOLVED, "source:"),
        **{key: total(metric, unit=None) for key, metric in _LINK_COUNTS.items()},
        **{key: sums.get(("", source_dim(source), metric), 0) for key, (metric, source) in _BY_SOURCE.items()},
        **{key: total(metric, unit=None) for key, metric in _PARTS.items()},
        **{key: sums.get(("", "", metric), 0) for key, metric in _PLAIN.items()},
        "cases_open_at_end": sums.get(OPEN_AT_END, 0),
        "cases_awaiting_triage_at_end": sums.get(AWAITING_TRIAGE_AT_END, 0),
    }
    figures: dict[str, dict[str, Any]] = {key: {"label": COUNTS[key], "value": counts[key]} for key in COUNTS}
    for key, (name, numerator, denominator) in RATES.items():
        figures[key] = {"label": name, **rate(counts[numerator], counts[denominator])}
    days, resolved = sums.get(("", "", Metric.RESOLVE_DAYS), 0), sums.get(("", "", Metric.RESOLVE_COUNT), 0)
    average = Decimal(days) / Decimal(resolved) if resolved else None
    figures[AVERAGE_DAYS] = {
        "label": AVERAGE_LABEL,
        "numerator": days,
        "denominator": resolved,
        "value": None if average is None else float(average.quantize(Decimal("0.1"), ROUND_HALF_UP)),
    }
    return {
        "definitions": DEFINITIONS_VERSION,
        "as_of": as_of.isoformat(),
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat(), "days": period.days},
        "scope": {"level": scope.level.value, "code": scope.code},
        "provisional": sums.get(("", "", Metric.RESOLVE_PROVISIONAL), 0) > 0,
        "figures": figures,
        "by_source": _tally(sums, "source:"),
        "by_category": _tally(sums, "category:"),
        "rate_definitions": RATE_DEFINITIONS,
        "ranking_rule": RANKING_RULE,
        "ranking_definitions": RANKING_DEFINITIONS,
        "ranking": rank_units(sums),
    }


SPOT_CHECK_RATINGS = ("satisfied", "basically_satisfied", "dissatisfied")


def spot_check_section(figures: Mapping[str, Any]) -> dict[str, Any]:
    """回访抽查 over the period, county-wide (the draw is the county's): of the cases closed in it, how many were
    drawn (`share` = drawn ÷ closed), how many visited again (`done_rate` = done ÷ drawn), the findings by rating
    and the cases a dissatisfied finding reopened."""
    closed, drawn, done = int(figures["closed"]), int(figures["drawn"]), int(figures["done"])
    ratings = figures["ratings"]
    return {
        "closed": closed,
        "drawn": drawn,
        "done": done,
        "share": rate(drawn, closed),
        "done_rate": rate(done, drawn),
        "findings": {rating: int(ratings.get(rating, 0)) for rating in SPOT_CHECK_RATINGS},
        "reopened": int(figures["reopened"]),
    }


def _tally(sums: Sums, prefix: str) -> dict[str, dict[str, Any]]:
    """received, handled and resolved for each source (or category) with a case received or handled."""
    rows: dict[str, dict[str, int]] = {}
    for (unit, dim, metric), n in sums.items():
        if unit == "" and dim.startswith(prefix) and metric in (Metric.RECEIVED, Metric.HANDLED, Metric.RESOLVED):
            row = rows.setdefault(
                dim.removeprefix(prefix), {"cases_received": 0, "cases_handled": 0, "cases_resolved": 0}
            )
            row[metric] += n
    return {
        code: {**row, "resolution_rate": rate(row["cases_resolved"], row["cases_handled"])}
        for code, row in sorted(rows.items())
        if row["cases_received"] or row["cases_handled"]
    }


def rank_units(sums: Sums) -> list[dict[str, Any]]:
    """Each unit's ended parts, on time and resolved; ranked by RANKING_RULE, the unranked after by unit code."""
    tallies: dict[str, dict[str, int]] = {}
    for (unit, _, metric), n in sums.items():
        if unit and metric in (
            Metric.PARTS_ENDED,
            Metric.PARTS_ON_TIME,
            Metric.PARTS_WITH_RESULT,
            Metric.PARTS_RESOLVING,
        ):
            tallies.setdefault(unit, {}).setdefault(metric, 0)
            tallies[unit][metric] += n
    rows: list[dict[str, Any]] = [
        {
            "unit": unit,
            "parts_ended": t.get(Metric.PARTS_ENDED, 0),
            "on_time_rate": rate(t.get(Metric.PARTS_ON_TIME, 0), t.get(Metric.PARTS_ENDED, 0)),
            "resolution_rate": rate(t.get(Metric.PARTS_RESOLVING, 0), t.get(Metric.PARTS_WITH_RESULT, 0)),
        }
        for unit, t in tallies.items()
        if t.get(Metric.PARTS_ENDED, 0) > 0
    ]

    def order(row: dict[str, Any]) -> tuple[float, float, int, str]:
        resolution = row["resolution_rate"]["value"]
        resolved = resolution if resolution is not None else -1.0
        return (-row["on_time_rate"]["value"], -resolved, -row["parts_ended"], row["unit"])

    ranked = sorted((r for r in rows if r["parts_ended"] >= MIN_RANKED_PARTS), key=order)
    unranked = sorted((r for r in rows if r["parts_ended"] < MIN_RANKED_PARTS), key=lambda r: r["unit"])
    return [{"rank": n, **row} for n, row in enumerate(ranked, 1)] + [{"rank": None, **row} for row in unranked]


# Every figure's key in the order a table shows them.
FIGURE_KEYS = [*COUNTS, *RATES, AVERAGE_DAYS]


def figure_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per figure (key, 中文名称, numerator, denominator, value), for CSV and tables."""
    rows = []
    for key in FIGURE_KEYS:
        figure = report["figures"].get(key)
        if figure is None:  # a report from a supervision older than the figure (wuyuan report against it)
            continue
        rows.append(
            {
                "key": key,
                "label": figure["label"],
                "numerator": figure.get("numerator"),
                "denominator": figure.get("denominator"),
                "value": figure["value"],
            }
        )
    return rows


BREAKDOWNS = {"by_source": ("按来源", SOURCES), "by_category": ("按类别", CATEGORIES)}
BREAKDOWN_FIGURES = {"cases_received": "受理案件数", "cases_handled": "办结案件数", "cases_resolved": "化解案件数"}


# The spot checks' rows of a county's CSV, in the order the console's table shows them.
SPOT_CHECK_FIGURES = {
    "closed": "本期结案数",
    "drawn": "抽取数",
    "share": "抽查比例",
    "done": "已回访数",
    "done_rate": "完成率",
    "findings.satisfied": "满意",
    "findings.basically_satisfied": "基本满意",
    "findings.dissatisfied": "不满意",
    "reopened": "因抽查不满意重新办理",
}


# Leaders open the file in a spreadsheet: the headings are Chinese. The first column keeps each figure's stable
# key (and the ranking each unit's code), so that a month's file can be matched against the next by machine.
FIGURE_HEADINGS = ["指标代码", "指标", "分子", "分母", "数值"]
# Each ranking rate has its numerator and denominator beside it, as every figure's row has.
RANKING_HEADINGS = [
    "名次",
    "单位代码",
    "单位名称",
    "单位办结任务数",
    "按期办结率",
    "按期办结任务数",
    "化解率",
    "化解任务数",
    "有办理结果的任务数",
]


def report_csv(report: Mapping[str, Any], name_of: Callable[[str], str], place_of: Callable[[str], str]) -> str:
    """One row per figure (指标代码, 指标, 分子, 分母, 数值), the breakdowns, the county's spot checks, then the
    ranking, its rule, and what the report covers: units named by `name_of`, the county or township by `place_of`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIGURE_HEADINGS)
    for row in figure_rows(report):
        writer.writerow([row["key"], row["label"], row["numerator"], row["denominator"], row["value"]])
    for key, (title, vocabulary) in BREAKDOWNS.items():
        for code, tally in report[key].items():
            for figure, name in BREAKDOWN_FIGURES.items():
                writer.writerow(
                    [f"{key}.{code}.{figure}", f"{title}·{label(vocabulary, code)}·{name}", "", "", tally[figure]]
                )
            rate = tally["resolution_rate"]
            writer.writerow(
                [
                    f"{key}.{code}.resolution_rate",
                    f"{title}·{label(vocabulary, code)}·化解率",
                    rate["numerator"],
                    rate["denominator"],
                    rate["value"],
                ]
            )
    spot = report.get("spot_checks")
    if spot:  # the county's report only: the same 回访抽查 figures as its JSON, the console and the table show
        for key, name in SPOT_CHECK_FIGURES.items():
            figure = spot["findings"][key.removeprefix("findings.")] if key.startswith("findings.") else spot[key]
            if isinstance(figure, dict):  # a rate: its numerator and denominator beside it, as every rate's row
                cells = [figure["numerator"], figure["denominator"], figure["value"]]
            else:
                cells = ["", "", figure]
            writer.writerow([f"spot_checks.{key}", f"回访抽查·{name}", *cells])
    writer.writerow([])
    writer.writerow(RANKING_HEADINGS)
    for row in report["ranking"]:
        writer.writerow(
            [
                row["rank"],
                row["unit"],
                name_of(row["unit"]),
                row["parts_ended"],
                row["on_time_rate"]["value"],
                row["on_time_rate"]["numerator"],
                row["resolution_rate"]["value"],
                row["resolution_rate"]["numerator"],
                row["resolution_rate"]["denominator"],
            ]
        )
    writer.writerow([])
    writer.writerow(["排名规则", RANKING_RULE])
    for key, name in (("on_time_rate", "按期办结率"), ("resolution_rate", "化解率")):
        writer.writerow([f"{name}口径", RANKING_DEFINITIONS[key]])
    # A sheet printed or forwarded loses its file's name: the period, scope and time of the count travel inside it.
    period, scope = report["period"], report["scope"]
    scope_name = name_of(scope["code"]) if scope["level"] == Level.UNIT.value else place_of(scope["code"])
    writer.writerow([])
    writer.writerow(["统计期间", f"{period['from']}至{period['to']}（共{period['days']}天）"])
    writer.writerow(["统计范围", scope_name])
    writer.writerow(["统计时间", f"{local_time(report['as_of'])}（北京时间）"])
    writer.writerow(["统计口径版本", report["definitions"]])
    return out.getvalue()
