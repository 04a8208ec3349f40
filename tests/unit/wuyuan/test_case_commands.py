"""`wuyuan case show` and `wuyuan case list` as county centre staff read them, against recorded coordinator answers."""

import json
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from click.testing import CliRunner

from shared import clock
from wuyuan.cli import main
from wuyuan.client import PlatformClient
from wuyuan.settings import PlatformSettings

# GET /api/v1/cases/<id> of a joint case whose co-unit (the county court) declined, recorded on a running platform.
CASE = json.loads((Path(__file__).parent / "recorded" / "case_in_progress.json").read_text(encoding="utf-8"))
# The referrals fall due on 2026-12-25 17:30 Beijing time; this is 2026-12-23 14:00 there.
TWO_DAYS_BEFORE = datetime(2026, 12, 23, 6, 0, tzinfo=UTC)
DAY_AFTER = datetime(2026, 12, 26, 9, 30, tzinfo=UTC)

LIST_ROW = {
    "case_id": "430426-20261204-00003",
    "status": "in_progress",
    "round": 1,
    "mode": "joint",
    "source": "walk_in",
    "category": "traffic",
    "division_code": "430426101203",
    "flags": ["violence_risk"],
    "summary": "电动三轮车与小货车在村口相撞",
    "lead_unit": "police:430426101",
    "co_units": ["justice:430426101"],
    "registered_at": "2026-12-04 15:09:03.404683+00:00",
    "updated_at": "2026-12-04 15:09:04.298881+00:00",
    "next_due_at": "2026-12-25 17:30:00+08:00",
    "overdue": False,
    "rating": None,
}
OVERDUE_ROW = {
    **LIST_ROW,
    "case_id": "430426-20261120-00017",
    "source": "police_call",
    "category": "neighbour",
    "division_code": "430426102",
    "lead_unit": "justice:430426102",
    "registered_at": "2026-11-20 01:30:00+00:00",
    "next_due_at": "2026-12-22 17:30:00+08:00",
    "overdue": True,
}


class FakeResponse:
    def __init__(self, status_code: int, body: dict) -> None:
        self.status_code = status_code
        self.body = body
        self.text = json.dumps(body, ensure_ascii=False)

    def json(self) -> dict:
        return self.body


class FakeHttp:
    """The coordinator's HTTP API, answering each request with the next recorded answer; identity's directory of
    staff names answers with `people` (none unless a test names someone)."""

    def __init__(self, *answers: FakeResponse | Exception) -> None:
        self.answers = list(answers)
        self.urls: list[str] = []
        self.people: FakeResponse | Exception = FakeResponse(200, {"people": {}})

    def request(self, method, url, json=None, headers=None, timeout=None):
        self.urls.append(url)
        answer = self.people if "/api/v1/people?" in url else self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def coordinator(monkeypatch, tmp_path):
    """Install a coordinator that answers with the given responses; returns its FakeHttp to read the requests."""
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path))
    monkeypatch.setattr("wuyuan.supervise.is_running", lambda settings: True)  # the local platform runs here

    def answering(*answers: FakeResponse | Exception) -> FakeHttp:
        client = PlatformClient(PlatformSettings(), accounts={"demo.coordinator": "unused"})
        client.tokens["demo.coordinator"] = "a-token"  # signed in already
        client.http = FakeHttp(*answers)  # type: ignore[assignment]
        monkeypatch.setattr(
            PlatformClient, "with_working_accounts", classmethod(lambda cls, settings, timeout=15.0: client)
        )
        return client.http  # type: ignore[return-value]

    return answering


@pytest.fixture
def now(monkeypatch):
    def at(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    return at


def columns(text: str) -> int:
    """Terminal columns, measured here on its own: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# --- case show -------------------------------------------------------------------------------------


def test_show_names_the_mode_units_place_and_codes_in_chinese(coordinator, now):
    coordinator(FakeResponse(200, CASE))
    now(TWO_DAYS_BEFORE)
    result = run("case", "show", CASE["case_id"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "办理方式  共同办" in out
    assert "牵头单位  砖塘镇派出所" in out  # police:430426101, 430426101 being 砖塘镇
    assert "配合单位  砖塘镇司法所" in out
    assert "地点      砖塘镇新塘村" in out
    assert "来源      来访" in out and "类别      交通事故纠纷" in out
    assert "标记      有暴力倾向" in out and "民转刑" not in out
    assert "状态      办理中（第1轮）" in out
    assert "群众评价  尚未评价" in out
    assert "wuyuan trace 430426-20261204-00003" in out
    for code in ("police:430426101", "court:430426", "joint", "walk_in", "co_unit", "in_progress"):
        assert code not in out


def test_show_gives_times_in_beijing_time_to_the_minute(coordinator, now):
    coordinator(FakeResponse(200, CASE))
    now(TWO_DAYS_BEFORE)
    out = run("case", "show", CASE["case_id"]).output
    assert "2026-12-04 23:09  分流" in out  # 15:09 UTC
    assert "2026-12-25 17:30" in out
    assert "+00:00" not in out and "15:09:03" not in out


def test_show_counts_down_the_open_referrals_only(coordinator, now):
    coordinator(FakeResponse(200, CASE))
    now(TWO_DAYS_BEFORE)
    lines = run("case", "show", CASE["case_id"]).output.splitlines()
    lead = next(line for line in lines if line.lstrip().startswith("砖塘镇派出所"))
    declined = next(line for line in lines if line.lstrip().startswith("祁东县人民法院"))
    assert "办理中" in lead and "剩余2天" in lead  # due the day after tomorrow
    assert "已退回" in declined and "剩余" not in declined


def test_show_marks_a_referral_past_its_deadline(coordinator, now):
    coordinator(FakeResponse(200, CASE))
    now(DAY_AFTER)
    lines = run("case", "show", CASE["case_id"]).output.splitlines()
    lead = next(line for line in lines if line.lstrip().startswith("砖塘镇派出所"))
    assert "已超期1天" in lead


def test_show_makes_the_timeline_readable_and_keeps_officers_accounts(coordinator, now):
    coordinator(FakeResponse(200, CASE))
    now(TWO_DAYS_BEFORE)
    out = run("case", "show", CASE["case_id"]).output
    assert "共同办；牵头单位：砖塘镇派出所；配合单位：祁东县人民法院" in out
    assert "退回      祁东县人民法院（配合单位）；理由：不属于本单位职责；经办人：demo.court" in out
    assert "派单      砖塘镇司法所（配合单位）；第1轮；期限：2026-12-25 17:30；接替：祁东县人民法院" in out
    assert "进展：已约双方周五到所调解；经办人：demo.police" in out
    assert "b766c46b" not in out  # referral ids mean nothing to staff


def test_show_prints_control_characters_a_summary_or_note_carries_escaped_never_to_the_terminal(coordinator, now):
    """Text taken before requests refused control characters, or sent as a message, may hold an escape sequence: the
    operator's terminal shows it, and neither clears nor repaints."""
    case = json.loads(json.dumps(CASE))
    case["summary"] = "村口相撞\x1b[2J\x1b[31m已赔偿\u202e"
    progress = next(entry for entry in case["timeline"] if entry["kind"] == "progress_reported")
    progress["detail"]["note"] = "已约双方\x07周五到所\n调解"
    coordinator(FakeResponse(200, case))
    now(TWO_DAYS_BEFORE)

    out = run("case", "show", CASE["case_id"]).output

    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "概要      村口相撞\\x1b[2J\\x1b[31m已赔偿\\u202e" in out
    assert "进展：已约双方\\x07周五到所\\n调解；经办人：demo.police" in out


def test_show_names_who_registered_and_who_acted_with_their_accounts(coordinator, now):
    http = coordinator(FakeResponse(200, CASE))
    http.people = FakeResponse(200, {"people": {CASE["registered_by"]: "王芳", "demo.court": "赵法官"}})
    now(TWO_DAYS_BEFORE)

    out = run("case", "show", CASE["case_id"]).output

    assert f"登记人    王芳（{CASE['registered_by']}）" in out
    assert "理由：不属于本单位职责；经办人：赵法官（demo.court）" in out
    assert "经办人：demo.police" in out  # an account identity did not name: as it is
    # Identity is asked about the accounts the case names, and no others.
    asked = parse_qs(urlsplit(http.urls[-1]).query)["account"]
    assert asked == sorted({CASE["registered_by"], "demo.court", "demo.police"})


@pytest.mark.parametrize(
    "people", [FakeResponse(403, {"error": "forbidden"}), requests.ConnectionError("refused"), FakeResponse(200, {})]
)
def test_show_still_shows_the_case_with_accounts_when_identity_gives_no_names(coordinator, now, people):
    http = coordinator(FakeResponse(200, CASE))
    http.people = people
    now(TWO_DAYS_BEFORE)

    result = run("case", "show", CASE["case_id"])

    assert result.exit_code == 0, result.output
    assert f"登记人    {CASE['registered_by']}" in result.output and "经办人：demo.court" in result.output


def test_show_json_asks_no_names(coordinator):
    http = coordinator(FakeResponse(200, CASE))

    run("case", "show", CASE["case_id"], "--json")

    assert not any("/api/v1/people" in url for url in http.urls)


@pytest.mark.parametrize(
    ("result", "outcome", "said"),
    [
        ("handled", "resolved", "已办结（依职能办结）"),  # not 化解成功: the unit acted within its remit
        ("referred_to_litigation", "unresolved", "已办结（导入诉讼）"),  # not 未化解: sent on to the court
        ("mediated", "resolved", "已办结（调解成功）"),
        (None, "unresolved", "已办结（未化解）"),  # reported before result codes: the outcome is all there is
    ],
)
def test_show_names_a_reported_referral_s_result_as_the_unit_reported_it(coordinator, now, result, outcome, said):
    lead, *others = CASE["referrals"]
    reported = {**lead, "status": "reported", "outcome": outcome, "result": result}
    coordinator(FakeResponse(200, {**CASE, "referrals": [reported, *others]}))
    now(TWO_DAYS_BEFORE)

    lines = run("case", "show", CASE["case_id"]).output.splitlines()

    row = next(line for line in lines if line.lstrip().startswith("砖塘镇派出所"))
    assert said in row


def test_show_lines_up_the_referral_columns_with_chinese_unit_names(coordinator, now):
    coordinator(FakeResponse(200, CASE))
    now(TWO_DAYS_BEFORE)
    lines = run("case", "show", CASE["case_id"]).output.splitlines()
    rows = [line for line in lines if "第1轮  " in line and "期限：" not in line]
    assert len(rows) == 3
    # Unit names of 6 and 7 characters: the round column still starts at one terminal column.
    assert len({columns(row[: row.index("第1轮")]) for row in rows}) == 1


def test_show_json_keeps_the_apis_codes(coordinator):
    coordinator(FakeResponse(200, CASE))
    result = run("case", "show", CASE["case_id"], "--json")
    shown = json.loads(result.output)
    assert shown["mode"] == "joint"
    assert shown["lead_unit"] == "police:430426101"
    assert shown == CASE


def test_show_says_when_the_coordinator_cannot_be_reached(coordinator):
    coordinator(requests.ConnectionError("connection refused"))
    result = run("case", "show", CASE["case_id"])
    assert result.exit_code == 1
    assert "连不上综合协调组" in result.output and "wuyuan status" in result.output


# --- case list -------------------------------------------------------------------------------------


def query_of(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    assert parts.path == "/api/v1/cases"
    return {key: values[0] for key, values in parse_qs(parts.query).items()}


def listing(*rows: dict, total: int | None = None) -> FakeResponse:
    counts = {"in_progress": 40, "closed": 17}
    return FakeResponse(200, {"cases": list(rows), "counts": counts, "total": len(rows) if total is None else total})


def test_list_passes_each_filter_as_the_coordinators_query_parameter(coordinator):
    http = coordinator(listing())
    result = run(
        "case", "list", "--status", "in_progress", "--source", "police_call", "--category", "neighbour",
        "--unit", "police:430426101", "--place", "430426101", "--from", "2026-12-01", "--to", "2026-12-31",
        "--not-overdue", "--search", "三轮车", "--limit", "20", "--offset", "40",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert query_of(http.urls[0]) == {
        "status": "in_progress",
        "source": "police_call",
        "category": "neighbour",
        "unit": "police:430426101",
        "place": "430426101",
        "registered_from": "2026-12-01",
        "registered_to": "2026-12-31",
        "overdue": "false",
        "q": "三轮车",
        "limit": "20",
        "offset": "40",
    }


def test_list_without_filters_asks_for_the_first_fifty(coordinator):
    http = coordinator(listing())
    run("case", "list", "--overdue")
    assert query_of(http.urls[0]) == {"limit": "50", "overdue": "true"}


def test_list_asks_for_the_cases_flagged_for_the_leaders(coordinator):
    http = coordinator(listing())
    run("case", "list", "--leaders")
    assert query_of(http.urls[0]) == {"limit": "50", "leaders": "true"}


def test_list_takes_a_place_by_its_name(coordinator):
    http = coordinator(listing())
    run("case", "list", "--place", "砖塘镇新塘村")
    assert query_of(http.urls[0])["place"] == "430426101203"


def test_list_refuses_a_place_name_the_county_does_not_list(coordinator):
    http = coordinator(listing())
    result = CliRunner().invoke(main, ["case", "list", "--place", "火星镇"])
    assert result.exit_code == 2
    assert "--place" in result.output and "火星镇" in result.output
    assert http.urls == []


def test_list_refuses_a_status_the_coordinator_does_not_have(coordinator):
    http = coordinator(listing())
    result = CliRunner().invoke(main, ["case", "list", "--status", "open"])
    assert result.exit_code == 2
    assert "awaiting_manual_triage" in result.output  # the choices are listed
    assert http.urls == []


def test_list_prints_a_table_in_chinese_and_marks_the_overdue(coordinator, now):
    coordinator(listing(LIST_ROW, OVERDUE_ROW, total=57))
    now(TWO_DAYS_BEFORE)
    result = run("case", "list", "--offset", "40", "--limit", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["案件编号", "登记时间", "状态", "来源", "类别", "地点", "牵头单位", "期限/倒计时"]
    on_time = next(line for line in lines if line.startswith("430426-20261204-00003"))
    late = next(line for line in lines if line.startswith("430426-20261120-00017"))
    assert on_time.split() == [
        "430426-20261204-00003", "2026-12-04", "23:09", "办理中", "来访", "交通事故纠纷", "砖塘镇新塘村",
        "砖塘镇派出所", "2026-12-25", "17:30", "剩余2天",
    ]  # fmt: skip
    assert "案源（警情）" in late and "蒋家桥镇司法所" in late and "蒋家桥镇" in late
    assert late.endswith("2026-12-22 17:30 已超期1天！")  # due yesterday
    assert columns(on_time[: on_time.index("2026-12-25")]) == columns(late[: late.index("2026-12-22")])
    assert "共57件，显示第41–42件" in result.output
    assert "全部案件（不按上述条件筛选）各状态：办理中 40，已结案 17" in result.output


def shown_deadline(due_at: str, unit: str, paused: bool = False, reasons: tuple[str, ...] = ()) -> dict:
    """The row's `deadline`: the one the coordinator says a list counts down to."""
    return {"due_at": due_at, "unit": unit, "provisional": False, "paused": paused, "pause_reasons": list(reasons)}


def test_list_says_the_clocks_stand_still_as_the_case_page_does_and_asks_nothing_more(coordinator, now):
    row = {
        **LIST_ROW,
        "deadline": shown_deadline(LIST_ROW["next_due_at"], "police:430426101", True, ("awaiting_party",)),
    }
    http = coordinator(listing(row, total=1))
    now(TWO_DAYS_BEFORE)

    shown = run("case", "list").output

    line = next(line for line in shown.splitlines() if line.startswith(LIST_ROW["case_id"]))
    assert line.endswith("计时已暂停（等待当事人），恢复后顺延")
    assert "剩余" not in line and "2026-12-25" not in line
    assert len(http.urls) == 1  # the row says it: no case is fetched one by one


def test_list_counts_down_to_the_deadline_still_running_and_names_a_co_unit_whose_it_is(coordinator, now):
    running = shown_deadline("2026-12-30 17:30:00+08:00", "justice:430426101")
    coordinator(listing({**LIST_ROW, "next_due_at": "2026-12-24 17:30:00+08:00", "deadline": running}))
    now(TWO_DAYS_BEFORE)

    row = next(line for line in run("case", "list").output.splitlines() if line.startswith(LIST_ROW["case_id"]))

    assert row.endswith("2026-12-30 17:30 剩余7天（砖塘镇司法所）")


def test_list_json_asks_nothing_more_than_the_list(coordinator):
    http = coordinator(listing(LIST_ROW, total=1))
    run("case", "list", "--json")
    assert len(http.urls) == 1


def test_list_says_when_nothing_matches(coordinator):
    coordinator(listing())
    assert "没有符合条件的案件" in run("case", "list", "--search", "不存在的纠纷").output


def test_list_json_prints_the_apis_answer(coordinator):
    coordinator(listing(LIST_ROW, total=1))
    shown = json.loads(run("case", "list", "--json").output)
    assert shown["cases"][0]["source"] == "walk_in"
    assert shown["total"] == 1


def test_a_filter_the_coordinator_refuses_is_named_by_its_option(coordinator):
    refusal = {
        "error": "invalid_input",
        "message": "invalid input",
        "fields": [
            {"field": "registered_from", "message": "Input should be a valid date", "type": "date_parsing"},
            {"field": "limit", "message": "Input should be less than or equal to 500", "type": "less_than_equal"},
        ],
    }
    coordinator(FakeResponse(400, refusal))
    # As a coordinator with bounds other than the command's own would refuse them.
    result = CliRunner().invoke(main, ["case", "list", "--from", "2026-12-01", "--limit", "400"])
    assert result.exit_code == 2
    assert "--from：请填写日期，如2026-12-04" in result.output
    assert "--limit：不能大于500" in result.output and "less than" not in result.output  # said in Chinese


def test_list_takes_the_holding_centre_by_its_place_name(coordinator):
    http = coordinator(listing())
    run("case", "list", "--centre", "砖塘镇")
    assert query_of(http.urls[0])["centre"] == "430426101"


@pytest.mark.parametrize("command", [["case", "show"], ["trace"]])
def test_a_mistyped_case_number_is_said_to_be_one_before_the_platform_is_asked(command):
    result = CliRunner().invoke(main, [*command, "garbage"])

    assert result.exit_code == 2
    assert "CASE_ID：'garbage' 不是案件编号，案件编号形如 430426-20261204-00003" in result.output


# --- what a walk through the commands found ---------------------------------------------------------------------


def lead_declined(case: dict) -> dict:
    """The case once its lead, police:430426101, declined and no competent unit was left: staff must designate one.
    The coordinator keeps the unit that gave the role up as `lead_unit`; the gap says the role is open."""
    declined = json.loads(json.dumps(case))
    declined["status"] = "awaiting_manual_triage"
    declined["gaps"] = [{"role": "lead", "code": "lead_declined", "unit": "police:430426101", "result": None}]
    for referral in declined.get("referrals") or []:
        if referral["role"] == "lead":
            referral["status"] = "declined"
    return declined


def test_a_lead_that_declined_is_not_shown_as_leading_but_as_the_console_says_it(coordinator, now):
    coordinator(FakeResponse(200, lead_declined(CASE)))
    now(TWO_DAYS_BEFORE)

    out = run("case", "show", CASE["case_id"]).output

    assert "牵头单位  待指派（砖塘镇派出所已退回）" in out
    assert "牵头单位  砖塘镇派出所\n" not in out


def test_a_list_row_whose_lead_declined_says_the_lead_waits_for_staff(coordinator, now):
    coordinator(listing(lead_declined(LIST_ROW), total=1))
    now(TWO_DAYS_BEFORE)

    row = next(line for line in run("case", "list").output.splitlines() if line.startswith(LIST_ROW["case_id"]))

    assert "待指派（砖塘镇派出所已退回）" in row and "待人工分派" in row


def test_a_filter_unit_of_an_agency_nobody_registered_is_refused_in_chinese(coordinator):
    unknown = {
        "field": "unit",
        "message": "unknown agency 'fire'; known: centre, court, justice, petition, plc, police",
        "type": "unknown_agency",
    }
    coordinator(FakeResponse(400, {"error": "invalid_input", "message": "invalid input", "fields": [unknown]}))

    result = CliRunner().invoke(main, ["case", "list", "--unit", "fire:430426"])

    assert result.exit_code == 2
    assert "--unit：没有这个机构：单位代码中的机构未登记（config/agencies.toml）" in result.output
    assert "unknown agency" not in result.output


@pytest.mark.parametrize(
    ("option", "typed", "refusal", "said"),
    [
        (
            "--unit",
            "police:999999",
            {"field": "unit", "type": "unknown_unit", "message": "police:999999 is not a unit of county 430426"},
            "--unit：没有这个单位：单位代码中的区划不是本县的县、乡镇或村（社区）（所填：police:999999）",
        ),
        (
            "--place",
            "999999",
            {"field": "place", "type": "not_in_county", "message": "999999 is not a division of county 430426"},
            "--place：不是本县的乡镇或村（社区）（见区划配置 divisions.toml）（所填：999999）",
        ),
    ],
)
def test_a_filter_that_names_nothing_of_the_county_is_refused_not_listed_as_no_cases(
    coordinator, option, typed, refusal, said
):
    """The coordinator refuses it (shared/known_filters.py); the operator reads which option, and what was sent."""
    http = coordinator(FakeResponse(400, {"error": "invalid_input", "message": "invalid input", "fields": [refusal]}))

    result = CliRunner().invoke(main, ["case", "list", option, typed])

    assert result.exit_code == 2
    assert said in result.output
    assert "没有符合条件的案件" not in result.output and "is not" not in result.output
    assert f"{option.removeprefix('--')}={typed.replace(':', '%3A')}" in http.urls[0]


@pytest.mark.parametrize(
    ("typed", "sent", "said"),
    [
        (
            "430426106",
            "430426106",
            "--centre：灵官镇（430426106）未设综治中心，没有由它掌握的案件；"
            "该地的案件由上一级的祁东县综治中心（430426）掌握",
        ),
        (
            "砖塘镇石门村",  # a place given by name is sent as its code, and named back by name
            "430426101205",
            "--centre：砖塘镇石门村（430426101205）未设综治中心，没有由它掌握的案件；"
            "该地的案件由上一级的砖塘镇综治中心（430426101）掌握",
        ),
    ],
)
def test_a_centre_filter_where_the_county_set_up_no_centre_says_who_holds_its_cases(coordinator, typed, sent, said):
    """An empty list would tell staff there are no cases; they read which centre holds them instead, and exit 2."""
    refusal = {"field": "centre", "type": "no_centre", "message": f"no centre is set up at {sent} (centres.toml)"}
    http = coordinator(FakeResponse(400, {"error": "invalid_input", "message": "invalid input", "fields": [refusal]}))

    result = CliRunner().invoke(main, ["case", "list", "--centre", typed])

    assert result.exit_code == 2
    assert said in result.output
    assert "没有符合条件的案件" not in result.output and "no centre" not in result.output
    assert f"centre={sent}" in http.urls[0]


def test_a_unit_filter_naming_a_centre_the_county_did_not_set_up_says_who_holds_its_cases(coordinator):
    refusal = {"field": "unit", "type": "no_centre", "message": "no centre is set up at 430426106 (centres.toml)"}
    coordinator(FakeResponse(400, {"error": "invalid_input", "message": "invalid input", "fields": [refusal]}))

    result = CliRunner().invoke(main, ["case", "list", "--unit", "centre:430426106"])

    assert result.exit_code == 2
    assert (
        "--unit：灵官镇（430426106）未设综治中心，没有由它掌握的案件；该地的案件由上一级的祁东县综治中心（430426）掌握"
        in (result.output)
    )


def test_a_search_longer_than_the_coordinator_takes_is_refused_naming_the_option_before_any_request(coordinator):
    http = coordinator()  # no answer to give: any request fails the test

    result = CliRunner().invoke(main, ["case", "list", "--search", "拖欠工资" * 2500])

    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "--search：不能超过50字（现为10000字）" in result.output
    assert http.urls == []


def test_the_list_options_bounds_are_the_coordinators_own():
    from services.coordinator import handlers
    from wuyuan import commands_case

    assert (commands_case.LIST_LIMIT, commands_case.LIST_OFFSET, commands_case.SEARCH_CHARS) == (
        handlers.MAX_LIST,
        handlers.MAX_OFFSET,
        handlers.MAX_SEARCH_CHARS,
    )
