"""`wuyuan report`: the query it sends supervision, and the report as a Chinese table, JSON and CSV."""

import csv
import io
import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from services.supervision.reports import Level, Period, Scope, build_report, spot_check_section
from services.supervision.reports_counters import CaseFact
from tests.unit.supervision.test_reports import november
from tests.unit.wuyuan.test_case_commands import FakeHttp, FakeResponse
from wuyuan.cli import main
from wuyuan.client import PlatformClient
from wuyuan.commands_report import report_lines
from wuyuan.labels import Names
from wuyuan.settings import PlatformSettings

BEIJING = timezone(timedelta(hours=8))
PLACE = {"reason": "no competent unit is left", "source": "walk_in", "category": "debt", "division_code": "430426101"}
REPORT = build_report(
    november(),
    Period(date(2026, 11, 1), date(2026, 11, 30)),
    Scope(Level.COUNTY, "430426"),
    datetime(2026, 12, 1, 9, tzinfo=BEIJING),
)


@pytest.fixture
def supervision(monkeypatch, tmp_path):
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path))
    monkeypatch.setattr("wuyuan.supervise.is_running", lambda settings: True)  # the local platform runs here

    def answering(*answers: FakeResponse) -> FakeHttp:
        client = PlatformClient(PlatformSettings(), accounts={"demo.supervisor": "unused"})
        client.tokens["demo.supervisor"] = "a-token"
        client.http = FakeHttp(*answers)  # type: ignore[assignment]
        monkeypatch.setattr(
            PlatformClient, "with_working_accounts", classmethod(lambda cls, settings, timeout=15.0: client)
        )
        return client.http  # type: ignore[return-value]

    return answering


def run(*args: str):
    return CliRunner().invoke(main, ["report", *args], catch_exceptions=False)


def test_the_table_names_every_figure_in_chinese_with_its_numerator_and_denominator(supervision):
    http = supervision(FakeResponse(200, REPORT))
    result = run("--from", "2026-11-01", "--to", "2026-11-30")
    assert result.exit_code == 0, result.output
    url = urlsplit(http.urls[0])
    assert url.path == "/api/v1/reports"
    assert parse_qs(url.query) == {"from": ["2026-11-01"], "to": ["2026-11-30"], "level": ["county"]}
    lines = result.output.splitlines()
    assert lines[0] == "报表：祁东县（全县）"
    on_time = next(line for line in lines if line.startswith("按期办结率"))
    assert on_time.split() == ["按期办结率", "75.0%", "3", "4"]
    petition = next(line for line in lines if line.startswith("访调调解成功率"))
    assert petition.split()[1] == "—"  # nothing diverted: no rate, not 0 %
    assert any("砖塘镇派出所" in line for line in lines)  # units by name in the ranking
    assert "按来源" in lines and "按类别" in lines


def test_the_cases_waiting_for_manual_triage_are_a_line_of_their_own_in_chinese(supervision):
    facts = november()
    waiting = CaseFact("F", "CaseAwaitingManualTriage", datetime(2026, 11, 27, 15, tzinfo=BEIJING), PLACE)
    month = build_report(
        replace(facts, case_facts=[*facts.case_facts, waiting]),
        Period(date(2026, 11, 1), date(2026, 11, 30)),
        Scope(Level.COUNTY, "430426"),
        datetime(2026, 12, 1, 9, tzinfo=BEIJING),
    )
    supervision(FakeResponse(200, month))
    lines = run("--period", "month", "--date", "2026-11-18").output.splitlines()
    assert next(line for line in lines if line.startswith("期末待人工分流案件数")).split() == [
        "期末待人工分流案件数",
        "1",
    ]
    received = next(line for line in lines if line.startswith("受理案件数")).split()
    assert received == ["受理案件数", str(REPORT["figures"]["cases_received"]["value"] + 1)]  # registered, so received


def test_json_is_the_apis_answer_and_csv_one_row_per_figure(supervision):
    supervision(FakeResponse(200, REPORT), FakeResponse(200, REPORT))
    assert json.loads(run("--period", "month", "--date", "2026-11-18", "--json").output) == REPORT
    rows = list(csv.reader(io.StringIO(run("--from", "2026-11-01", "--to", "2026-11-30", "--csv").output)))
    assert rows[0] == ["指标代码", "指标", "分子", "分母", "数值"]
    assert ["on_time_rate", "按期办结率", "3", "4", "75.0"] in rows
    assert ["petition_mediation_success_rate", "访调调解成功率", "1", "0", ""] in rows
    after_figures = rows[rows.index([]) + 1 :]
    ranking = after_figures[: after_figures.index([])]
    assert ranking[0][:5] == ["名次", "单位代码", "单位名称", "单位办结任务数", "按期办结率"]
    assert {row[1] for row in ranking[1:]} == {
        "justice:430426101",
        "police:430426101",
        "court:430426",
        "justice:430426102",
    }


def test_a_unit_report_passes_its_scope_and_a_refusal_names_the_option_in_chinese(supervision):
    wrong = {"field": "unit", "message": "required with level unit", "type": "unit_missing"}
    http = supervision(FakeResponse(400, {"error": "invalid_input", "message": "invalid input", "fields": [wrong]}))
    result = CliRunner().invoke(main, ["report", "--period", "week", "--date", "2026-11-18", "--level", "unit"])
    assert result.exit_code == 2
    assert "--unit：按单位统计时必填" in result.output
    assert "400" not in result.output and "invalid_input" not in result.output
    assert parse_qs(urlsplit(http.urls[0]).query) == {"period": ["week"], "date": ["2026-11-18"], "level": ["unit"]}


def test_a_report_over_an_unknown_calendar_says_so():
    lines = report_lines({**REPORT, "provisional": True}, Names.of(PlatformSettings()))
    assert any("暂定" in line for line in lines)
    assert not any("暂定" in line for line in report_lines(REPORT, Names.of(PlatformSettings())))


def test_the_countys_spot_checks_close_the_table_in_chinese(tmp_path):
    spot = {"closed": 40, "drawn": 4, "done": 3, "reopened": 1, "ratings": {"satisfied": 2, "dissatisfied": 1}}
    report = {**REPORT, "spot_checks": spot_check_section(spot)}

    lines = report_lines(report, Names.of(PlatformSettings(state_dir=tmp_path)))

    at = lines.index("回访抽查")
    assert lines[at + 1].strip() == "本期结案 40 件，抽取 4 件（抽查比例 10.0%），已回访 3 件（完成率 75.0%）"
    assert lines[at + 2].strip() == "满意 2 件，基本满意 0 件，不满意 1 件；因抽查不满意重新办理 1 件"
    assert "回访抽查" not in report_lines(
        {**REPORT, "spot_checks": None}, Names.of(PlatformSettings(state_dir=tmp_path))
    )


def test_the_countys_spot_checks_are_in_its_csv_as_in_its_json(supervision):
    spot = {"closed": 40, "drawn": 4, "done": 3, "reopened": 1, "ratings": {"satisfied": 2, "dissatisfied": 1}}
    supervision(FakeResponse(200, {**REPORT, "spot_checks": spot_check_section(spot)}), FakeResponse(200, REPORT))

    rows = list(csv.reader(io.StringIO(run("--from", "2026-11-01", "--to", "2026-11-30", "--csv").output)))

    figures = rows[: rows.index([])]
    assert ["spot_checks.closed", "回访抽查·本期结案数", "", "", "40"] in figures
    assert ["spot_checks.share", "回访抽查·抽查比例", "4", "40", "10.0"] in figures
    assert ["spot_checks.done_rate", "回访抽查·完成率", "3", "4", "75.0"] in figures
    assert ["spot_checks.findings.dissatisfied", "回访抽查·不满意", "", "", "1"] in figures
    assert ["spot_checks.reopened", "回访抽查·因抽查不满意重新办理", "", "", "1"] in figures
    # A township's or a unit's report has no spot checks (the draw is the county's): no such rows.
    township = list(csv.reader(io.StringIO(run("--from", "2026-11-01", "--to", "2026-11-30", "--csv").output)))
    assert not any(row and row[0].startswith("spot_checks.") for row in township)


def test_a_date_given_with_from_and_to_goes_to_supervision_to_be_refused_not_dropped(supervision):
    wrong = [
        {"field": "from", "message": "give either from and to, or period and date", "type": "range_or_period"},
        {"field": "period", "message": "day, week or month, with date", "type": "period_missing"},
    ]
    http = supervision(FakeResponse(400, {"error": "invalid_input", "message": "invalid input", "fields": wrong}))

    result = CliRunner().invoke(main, ["report", "--from", "2026-11-01", "--to", "2026-11-30", "--date", "2026-10-05"])

    assert result.exit_code == 2  # not November's report, as if --date had not been typed
    assert parse_qs(urlsplit(http.urls[0]).query)["date"] == ["2026-10-05"]
