"""Every line a `wuyuan` command fails with is Chinese: click's own usage errors, unknown services, and a service's
refusal worded from its status and code; the service's raw English answer only under --json or --verbose."""

import json
import re

import pytest
from click.testing import CliRunner

from tests.unit.wuyuan.test_case_commands import CASE, FakeResponse

# The same clean environment as the failure tests (their autouse fixture applies here too), and the same runner.
from tests.unit.wuyuan.test_cli_failures import FakeSession, clean_environment, failed_cleanly, run  # noqa: F401
from wuyuan.cli import main

FORBIDDEN = {"error": "forbidden", "message": "wang.fang (intake_staff) may not do this; needs coordinator"}
PASSWORD = "Wang-Fang-2026-pass"


def no_english(output: str) -> None:
    """None of click's English framing or messages."""
    for english in ("Error:", "Usage:", "Invalid value", "Missing ", "No such", "does not match", "is not one of"):
        assert english not in output, output


# --- click's own usage errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ("case", "list", "--from", "2026-13-01"),
            "--from：“2026-13-01”不是有效的日期，应为 YYYY-MM-DD，如 2026-12-04",
        ),
        (("case", "list", "--status", "nosuch"), "--status：“nosuch”不在可选范围内；可选：registered、assigned"),
        (("case", "list", "--limit", "-1"), "--limit：-1 超出允许的范围（0至500）"),
        (("case", "list", "--limit", "lots"), "--limit：“lots”不是整数"),
        (("case", "list", "--unti", "police:430426101"), "没有选项 --unti；是否要用 --to、--unit？"),
        (("report", "--level", "village"), "--level：“village”不在可选范围内；可选：county、township、unit"),
        (("case", "show"), "缺少参数 CASE_ID"),
        (("restore", "intake"), "缺少选项 --from"),
        (("up", "--timeout"), "选项 --timeout 后面要给出一个值"),
        # A wait that never ends (nan compares with nothing, so it never runs out) or has ended before it begins.
        (("up", "-d", "--timeout", "nan"), "--timeout：“nan”不是数字"),
        (("start", "court", "--timeout", "-5"), "--timeout：-5.0 超出允许的范围（1至3600）"),
        (("demo", "--timeout", "inf"), "--timeout：inf 超出允许的范围（1至3600）"),
        (("conformance", "court", "--timeout", "NaN"), "--timeout：“NaN”不是数字"),
        (("up", "--timeout", "soon"), "--timeout：“soon”不是数字"),
        (("restore", "intake", "--from", "/nonexistent", "--queue-wait", "nan"), "--queue-wait：“nan”不是数字"),
        (("cases",), "没有命令 cases"),
        (("stop", "nosuch"), "SERVICE：未知服务 'nosuch'；可选：intake, coordinator"),
        (("logs", "nosuch"), "SERVICE：未知服务 'nosuch'；可选：intake, coordinator"),
    ],
)
def test_a_mistyped_command_line_is_said_in_chinese_with_click_s_exit_status(args, says):
    out = failed_cleanly(run(*args), exit_code=2)

    assert f"错误：{says}" in out
    no_english(out)


def test_the_usage_line_and_where_help_is_are_said_in_chinese_too():
    out = failed_cleanly(CliRunner().invoke(main, ["case", "list", "--from", "2026-13-01"], prog_name="wuyuan"), 2)

    assert out.startswith("用法：wuyuan case list [选项]\n（`wuyuan case list --help` 查看帮助）")


def test_a_mistyped_command_line_under_json_is_a_usage_error_naming_the_option():
    result = run("case", "list", "--status", "nosuch", "--json")

    failed_cleanly(result, exit_code=2)
    answer = json.loads(result.stdout)
    assert answer["error"] == "usage_error" and answer["parameter"] == "--status"
    assert answer["message"].startswith("--status：“nosuch”不在可选范围内")


def test_a_bare_group_still_shows_its_help_not_an_error():
    for args in ((), ("case",)):
        result = run(*args)
        assert "命令：" in result.output and "错误" not in result.output


def test_help_is_chinese_down_to_clicks_own_headings_and_notes():
    shown = run("restore", "--help").output + run("backup", "--help").output + run("up", "--help").output

    assert shown.startswith("用法：") and "选项：" in shown
    assert "[必填]" in shown and "[默认：90.0；1至3600]" in shown and "[至少1]" in shown
    for english in ("Usage:", "Options:", "Commands:", "default:", "required]", "Show this message"):
        assert english not in shown


def test_every_option_says_what_it_takes_in_chinese_not_by_clicks_type_names():
    """`--keep 整数`, `--to 目录`, `--timeout 秒数`: click's INTEGER RANGE, DIRECTORY and the like are English."""
    shown = "".join(run(*path[1:], "--help").output for path, _ in every_command())

    assert "--keep 整数" in shown and "--to 目录" in shown and "--timeout 秒数" in shown
    for english in ("INTEGER", "RANGE", "DIRECTORY", "SECONDS", "FLOAT", "TEXT"):
        assert english not in shown, english
    assert "x≥" not in shown and "≤x" not in shown and "<=" not in shown


def test_the_help_s_columns_line_up_with_a_chinese_metavar_in_them():
    options = [line for line in run("backup", "--help").output.splitlines() if line.startswith("  --")]

    assert {_help_column(line) for line in options} == {_help_column(options[0])}, options


def _help_column(line: str) -> int:
    """The display column where an option's help begins (a CJK character is two columns wide)."""
    term, gap, _ = re.match(r"^(  \S+(?: \S+)?)( +)(.*)$", line).groups()
    return sum(2 if "\u4e00" <= c <= "\u9fff" else 1 for c in term) + len(gap)


def every_command(group=main, path=("wuyuan",)):
    yield path, group
    for name, command in getattr(group, "commands", {}).items():
        yield from every_command(command, (*path, name))


def test_every_commands_summary_ends_as_a_chinese_sentence_does():
    endings = {" ".join(path): (command.help or "").strip().splitlines()[0][-1:] for path, command in every_command()}

    assert {path: end for path, end in endings.items() if end != "。"} == {}


def test_help_still_exits_cleanly():
    result = run("dlq", "--help")

    assert result.exit_code == 0
    assert "list    列出死信" in result.output  # every subcommand says what it does


# --- a service's refusals --------------------------------------------------------------------------------


def signed_in_as_wang_fang(monkeypatch, tmp_path, *answers: FakeResponse) -> FakeSession:
    """A person signed in at a deployment (identity answers the sign-in first)."""
    password = tmp_path / "password"
    password.write_text(PASSWORD, encoding="utf-8")
    monkeypatch.setenv("WUYUAN_SERVICE_URL_TEMPLATE", "http://{dns_name}:8000")
    monkeypatch.setenv("WUYUAN_CLI_USERNAME", "wang.fang")
    monkeypatch.setenv("WUYUAN_CLI_PASSWORD_FILE", str(password))
    session = FakeSession(FakeResponse(201, {"token": "tok-wang"}), *answers)
    monkeypatch.setattr("wuyuan.client.requests.Session", lambda: session)
    return session


def test_a_refusal_for_want_of_a_role_is_said_in_chinese_without_the_services_english(monkeypatch, tmp_path):
    signed_in_as_wang_fang(monkeypatch, tmp_path, FakeResponse(403, FORBIDDEN))

    out = failed_cleanly(run("case", "show", CASE["case_id"]))

    assert out == "错误：综合协调组（coordinator）拒绝：账号 wang.fang 没有此操作所需的角色或单位\n"


def test_verbose_adds_the_services_own_answer(monkeypatch, tmp_path):
    signed_in_as_wang_fang(monkeypatch, tmp_path, FakeResponse(403, FORBIDDEN))

    out = failed_cleanly(run("--verbose", "case", "show", CASE["case_id"]))

    assert out.startswith("错误：综合协调组（coordinator）拒绝：账号 wang.fang 没有此操作所需的角色或单位\n  详情：")
    assert "GET coordinator/api/v1/cases/" in out and "-> 403" in out and "may not do this" in out


def test_json_keeps_the_code_and_the_raw_answer_as_detail(monkeypatch, tmp_path):
    signed_in_as_wang_fang(monkeypatch, tmp_path, FakeResponse(403, FORBIDDEN))

    result = run("case", "show", CASE["case_id"], "--json")

    failed_cleanly(result)
    answer = json.loads(result.stdout)
    assert answer["error"] == "forbidden" and "may not do this" not in answer["message"]
    assert "may not do this" in answer["detail"]


def test_a_refused_password_is_said_without_the_identity_services_answer(monkeypatch, tmp_path):
    session = signed_in_as_wang_fang(monkeypatch, tmp_path)
    session.answers[0] = FakeResponse(401, {"error": "unauthorized", "message": "invalid credentials"})

    out = failed_cleanly(run("case", "show", CASE["case_id"]))

    assert "以账号 wang.fang 登录被拒绝：用户名或密码不对" in out
    assert "invalid credentials" not in out and "unauthorized" not in out


def test_an_unknown_refusal_is_its_status_and_code_the_english_only_with_verbose(monkeypatch, tmp_path):
    teapot = {"error": "teapot", "message": "I refuse to brew coffee"}
    signed_in_as_wang_fang(monkeypatch, tmp_path, FakeResponse(418, teapot))
    out = failed_cleanly(run("case", "show", CASE["case_id"]))
    assert out == "错误：综合协调组（coordinator）拒绝了请求（418，teapot）\n"

    signed_in_as_wang_fang(monkeypatch, tmp_path, FakeResponse(418, teapot))
    assert "I refuse to brew coffee" in failed_cleanly(run("-v", "case", "show", CASE["case_id"]))


def test_a_unit_the_coordinator_refuses_is_told_how_a_unit_code_is_written(monkeypatch, tmp_path):
    fields = [
        {
            "field": "unit",
            "message": "Value error, must be '<agency>:<division code>', e.g. 'court:430426'",
            "type": "value_error",
        }
    ]
    answer = {"error": "invalid_input", "message": "invalid input", "fields": fields}
    signed_in_as_wang_fang(monkeypatch, tmp_path, FakeResponse(400, answer))

    out = failed_cleanly(run("case", "list", "--unit", "police:999"), exit_code=2)

    assert "--unit：应为单位代码（机构:区划代码），如 police:430426101" in out
    assert "请选择单位" not in out


def test_an_unreachable_service_says_so_in_chinese_the_librarys_words_only_with_verbose(monkeypatch, tmp_path):
    import requests

    signed_in_as_wang_fang(monkeypatch, tmp_path, requests.ConnectionError("HTTPConnectionPool: Max retries exceeded"))
    out = failed_cleanly(run("case", "show", CASE["case_id"]))
    assert "连不上综合协调组（coordinator，http://coordinator:8000/api/v1/cases/" in out and "）：连接失败；" in out
    assert "Max retries" not in out

    signed_in_as_wang_fang(monkeypatch, tmp_path, requests.ConnectionError("HTTPConnectionPool: Max retries exceeded"))
    assert "Max retries exceeded" in failed_cleanly(run("--verbose", "case", "show", CASE["case_id"]))


def test_with_the_platform_stopped_the_command_says_to_start_it_first(monkeypatch):
    monkeypatch.setattr("wuyuan.supervise.is_running", lambda settings: False)

    out = failed_cleanly(run("report"))
    as_json = json.loads(run("case", "show", CASE["case_id"], "--json").stdout)

    assert out.startswith("错误：本机没有运行中的本地平台")
    assert "make run" in out.splitlines()[0].split("。")[0]
    assert as_json["error"] == "local_platform_not_running"


# --- refusals worded without the service's English ---------------------------------------------------------


def test_a_conflict_reads_as_the_commands_words_for_its_rule_the_english_only_as_detail():
    from wuyuan.cli_errors import Refusals, refusal_error

    answer = {"error": "conflict", "code": "year_loaded", "message": "year_loaded: 2027 was loaded by zhou.min"}

    worded = refusal_error(answer, 409, "coordinator", refusals=Refusals(conflicts={"year_loaded": "该年已载入"}))
    unworded = refusal_error(answer, 409, "coordinator")

    assert worded.message.endswith("未予办理：该年已载入")
    assert unworded.message.endswith("未予办理：与现有记录冲突（year_loaded）")
    for failure in (worded, unworded):
        assert "was loaded by" not in failure.message and failure.detail == answer["message"]


def test_a_request_still_in_progress_under_its_key_asks_to_wait_and_says_nothing_is_done_twice():
    from wuyuan.cli_errors import refusal_error

    failure = refusal_error({"error": "in_progress", "message": "the first request is still running"}, 409, "intake")

    assert failure.code == "in_progress"
    assert "稍后再试" in failure.message and "still running" not in failure.message


def test_a_bad_request_naming_no_field_points_to_verbose_instead_of_quoting_english():
    from wuyuan.cli_errors import refusal_error

    failure = refusal_error({"error": "invalid_input", "message": "body: expected an object"}, 400, "coordinator")

    assert "expected an object" not in failure.message and "--verbose" in failure.message
    assert failure.detail == "body: expected an object"


def test_a_conflict_without_a_rule_does_not_show_the_databases_english():
    from wuyuan.cli_errors import refusal_error

    answer = {"error": "conflict", "message": 'duplicate key value violates unique constraint "cases_pkey"'}

    failure = refusal_error(answer, 409, "coordinator")

    assert failure.message.endswith("未予办理：与现有记录冲突") and failure.detail == answer["message"]


def test_a_service_may_be_named_by_its_agency_s_code_as_conformance_takes_it():
    from wuyuan.cli_errors import services_named
    from wuyuan.settings import PlatformSettings

    settings = PlatformSettings()
    assert services_named(settings, ("court", "court_link", "supervision"), "--service") == (
        "court_link",
        "court_link",
        "supervision",
    )
    assert settings.service_called("centre") == "coordinator"
    assert settings.service_called("nosuch") is None


# --- a value typed in bytes that are not UTF-8 -------------------------------------------------------------

NOT_UTF8 = b"\xe5\xa6\x87\xff".decode("utf-8", "surrogateescape")  # 妇 and a stray byte, as Python's argv keeps it


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        (("case", "list", "--search", NOT_UTF8), "--search"),
        (("report", "--unit", NOT_UTF8), "--unit"),
        (("account", "add", "wang.fang", "--name", NOT_UTF8, "--role", "leader"), "--name"),
        (("account", "password", NOT_UTF8), "USERNAME"),
        (("agency", "new", "women", "--name-zh", NOT_UTF8, "--name-en", "Women's federation"), "--name-zh"),
    ],
)
def test_a_value_that_is_not_utf8_is_refused_naming_its_option_before_the_command_acts(monkeypatch, args, parameter):
    def must_not_run(*args, **kwargs):
        raise AssertionError("the command acted on text that is not UTF-8")

    monkeypatch.setattr("wuyuan.client.requests.Session", must_not_run)
    monkeypatch.setattr("wuyuan.commands_agency._write", must_not_run)

    out = failed_cleanly(run(*args), exit_code=2)

    assert f"错误：{parameter}：“妇\\xff”含有不是 UTF-8 编码的字节" in out
    no_english(out)


def test_a_value_that_is_not_utf8_under_json_is_a_usage_error_naming_the_option():
    result = run("case", "list", "--search", NOT_UTF8, "--json")

    failed_cleanly(result, exit_code=2)
    answer = json.loads(result.stdout)
    assert answer["error"] == "usage_error" and answer["parameter"] == "--search"
