"""Every `wuyuan` command fails in Chinese, naming the setting, option, file or service, with a code under --json:
never a traceback for a bad setting, a bad config file, an unreachable broker or database, or a refusal."""

import json
import re
import shutil
import socket
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import requests
from click.testing import CliRunner, Result

from shared.registry import DEFAULT_CONFIG_DIR
from tests.config_refusals import english_left
from tests.unit.wuyuan.test_case_commands import CASE, DAY_AFTER, FakeHttp, FakeResponse
from wuyuan.cli import main
from wuyuan.cli_errors import CommandError, load_settings
from wuyuan.client import PlatformClient, PlatformError
from wuyuan.ports import free_port_base
from wuyuan.reconcile_followers import FollowerReconcile, SenderReport

SECRET = "Broker-Secret-7f3a9c"  # a password given in a setting: never in any message


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """Nothing from the machine's WUYUAN_* decides; the local platform runs here unless a test says otherwise."""
    for name in ("WUYUAN_SERVICE_URLS", "WUYUAN_SERVICE_URL_TEMPLATE", "WUYUAN_CLI_USERNAME", "WUYUAN_CLI_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr("wuyuan.supervise.is_running", lambda settings: True)


def run(*args: str, **environment: str) -> Result:
    return CliRunner().invoke(main, list(args), env=environment or None)


def failed_cleanly(result: Result, exit_code: int = 1) -> str:
    """The output of a command that stopped on purpose: an exit status, no traceback."""
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    return result.output


def json_error(result: Result) -> dict:
    answer: dict = json.loads(result.stdout)
    assert set(answer) >= {"error", "message"}
    return answer


class FakeSession(FakeHttp):
    """The services' HTTP APIs as requests.Session reaches them: each request gets the next answer."""

    def post(self, url, json=None, timeout=None):
        return self.request("POST", url, json, None, timeout)


@pytest.fixture
def platform(monkeypatch):
    """The local platform's services, signed in already as the working accounts; returns its FakeSession."""

    def answering(*answers: FakeResponse | Exception) -> FakeSession:
        session = FakeSession(*answers)
        monkeypatch.setattr("wuyuan.client.requests.Session", lambda: session)
        monkeypatch.setattr("wuyuan.accounts.ensure_accounts", lambda settings, specs: {})
        monkeypatch.setattr("wuyuan.client.PlatformClient.headers_for", lambda self, user: {})
        return session

    return answering


# --- 1. settings -------------------------------------------------------------------------------------------

EVERY_COMMAND = [
    ("case", "show", "430426-20261204-00003"),
    ("case", "list"),
    ("trace", "430426-20261204-00003"),
    ("report",),
    ("calendar", "show", "2027"),
    ("dlq", "list"),
    ("dlq", "replay"),
    ("privacy", "purge", "--dry-run"),
    ("account", "list"),
    ("auth", "keys"),
    ("status",),
    ("backup",),
    ("reconcile", "court_link"),
]


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=" ".join)
def test_a_malformed_setting_is_named_in_chinese_by_every_command(command):
    out = failed_cleanly(run(*command, WUYUAN_COUNTY="abc"))
    assert "WUYUAN_* 设置有误" in out
    assert "WUYUAN_COUNTY：格式不对，应为所服务县的6位区划代码" in out
    assert "validation error" not in out and "pydantic" not in out


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("WUYUAN_SERVICE_URLS", "coordinator=http://x", "WUYUAN_SERVICE_URLS：不是有效的 JSON"),
        ("WUYUAN_HTTP_PORT_BASE", "eighty", "WUYUAN_HTTP_PORT_BASE：应为整数"),
        ("WUYUAN_HTTP_HOST", "not a host", "WUYUAN_HTTP_HOST：不是主机名或 IPv4 地址"),
        ("WUYUAN_DEAD_LETTER_TTL_DAYS", "90", "WUYUAN_DEAD_LETTER_TTL_DAYS：不能大于 49"),
        ("WUYUAN_QUEUE_TYPE", "mirrored", "WUYUAN_QUEUE_TYPE：应为 'classic'、'quorum' 之一"),
        ("WUYUAN_BROKER_PASSWORDS", json.dumps({"court_link": "guest"}), "WUYUAN_BROKER_PASSWORDS.court_link：密码是"),
        ("WUYUAN_BROKER_PASSWORDS", json.dumps({"courts": SECRET}), "WUYUAN_BROKER_PASSWORDS：没有 courts"),
        ("WUYUAN_BROKER_PASSWORDS", json.dumps({"court_link": SECRET + "!"}), "只可用字母、数字"),
        ("WUYUAN_VHOST", "wuyuan\udcff", "WUYUAN_VHOST：含有不是 UTF-8 编码的字节"),  # set from a GBK terminal, say
    ],
)
def test_each_bad_setting_says_what_it_should_be_and_never_its_value(setting, value, says):
    out = failed_cleanly(run("case", "show", "430426-20261204-00003", **{setting: value}))
    assert says in out
    assert SECRET not in out


def test_a_bad_setting_under_json_is_the_code_invalid_setting():
    result = run("case", "show", "430426-20261204-00003", "--json", WUYUAN_COUNTY="abc")
    failed_cleanly(result)
    answer = json_error(result)
    assert answer["error"] == "invalid_setting" and "WUYUAN_COUNTY" in answer["message"]


def test_an_agency_registry_that_is_not_toml_is_named_by_its_file(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    with (config / "agencies.toml").open("a", encoding="utf-8") as registry:
        registry.write("\n[agencies.women\n")
    out = failed_cleanly(run("case", "list", WUYUAN_CONFIG_DIR=str(config)))
    assert f"配置文件 {config / 'agencies.toml'} 有误：不是有效的 TOML：第" in out


def test_conformance_keeps_its_own_exit_status_for_a_bad_setting():
    out = failed_cleanly(run("conformance", "court", WUYUAN_COUNTY="abc"), exit_code=2)
    assert "WUYUAN_COUNTY" in out


# --- 2. divisions.toml -------------------------------------------------------------------------------------


def config_with_divisions(tmp_path: Path, change) -> Path:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    divisions = config / "divisions.toml"
    divisions.write_text(change(divisions.read_text(encoding="utf-8")), encoding="utf-8")
    return config


def test_a_place_with_an_empty_name_is_named_with_its_file(tmp_path, platform):
    config = config_with_divisions(tmp_path, lambda text: text.replace('"430426102" = "蒋家桥镇"', '"430426102" = ""'))
    session = platform()
    out = failed_cleanly(run("case", "list", "--place", "砖塘镇", WUYUAN_CONFIG_DIR=str(config)))
    assert f"配置文件 {config / 'divisions.toml'} 有误：divisions.430426102：名称不能为空" in out
    assert session.urls == []


def test_a_divisions_file_that_is_not_toml_is_named_with_its_line_and_a_code(tmp_path, platform):
    config = config_with_divisions(
        tmp_path, lambda text: text.replace('"430426101" = "砖塘镇"', '"430426101" = 砖塘镇')
    )
    platform()
    result = run("case", "list", "--place", "砖塘镇", "--json", WUYUAN_CONFIG_DIR=str(config))
    failed_cleanly(result)
    answer = json_error(result)
    assert answer["error"] == "invalid_config"
    assert str(config / "divisions.toml") in answer["message"] and "不是有效的 TOML：第" in answer["message"]


# --- 3. broker and database --------------------------------------------------------------------------------


def management_answers(monkeypatch, answer: Exception | FakeResponse) -> None:
    def request(method, url, json=None, auth=None, timeout=None):
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr("wuyuan.provision_amqp.requests.request", request)


MANAGEMENT = f"http://admin:{SECRET}@rabbitmq.example:15672"


def test_dlq_list_names_the_management_api_it_cannot_reach(monkeypatch):
    management_answers(monkeypatch, requests.ConnectionError("connection refused"))
    out = failed_cleanly(run("dlq", "list", WUYUAN_RABBIT_MANAGEMENT_URL=MANAGEMENT))
    assert "连不上 RabbitMQ 管理接口 WUYUAN_RABBIT_MANAGEMENT_URL（rabbitmq.example:15672）" in out
    assert SECRET not in out

    result = run("dlq", "list", "--json", WUYUAN_RABBIT_MANAGEMENT_URL=MANAGEMENT)
    failed_cleanly(result)
    assert json_error(result)["error"] == "broker_unreachable"


def test_dlq_list_says_when_the_management_api_refuses_its_credentials(monkeypatch):
    management_answers(monkeypatch, FakeResponse(401, {"error": "not_authorised"}))
    result = run("dlq", "list", "--json", WUYUAN_RABBIT_MANAGEMENT_URL=MANAGEMENT)
    failed_cleanly(result)
    answer = json_error(result)
    assert answer["error"] == "broker_refused" and "用户名或密码不对" in answer["message"]


@pytest.mark.parametrize(
    ("vhost_answer", "says"),
    [
        (404, "上没有虚拟主机 wyvh：WUYUAN_VHOST 是否与平台一致、是否已 wuyuan provision"),
        (200, "的用户无权访问虚拟主机 wyvh"),
    ],
    ids=["no such vhost", "no right to it"],
)
def test_dlq_list_tells_a_vhost_not_there_from_a_wrong_password(monkeypatch, vhost_answer, says):
    """RabbitMQ answers 401 for a queue in a vhost that does not exist too: the password is not blamed for it."""

    def request(method, url, json=None, auth=None, timeout=None):
        if url.endswith("/api/whoami"):
            return FakeResponse(200, {"name": "admin"})
        if url.endswith("/api/vhosts/wyvh"):
            return FakeResponse(vhost_answer, {"name": "wyvh"})
        return FakeResponse(401, {"error": "not_authorised", "reason": "Access refused."})

    monkeypatch.setattr("wuyuan.provision_amqp.requests.request", request)
    out = failed_cleanly(run("dlq", "list", WUYUAN_RABBIT_MANAGEMENT_URL=MANAGEMENT, WUYUAN_VHOST="wyvh"))

    assert says in out and "用户名或密码不对" not in out
    assert "Access refused" not in out and SECRET not in out


class RefusedConnection:
    """kombu's Connection to a broker that is down: refused when first used."""

    def __enter__(self):
        raise ConnectionRefusedError(111, "Connection refused")

    def __exit__(self, *exc_info) -> None:
        return None


def test_dlq_replay_names_the_broker_it_cannot_reach(monkeypatch):
    monkeypatch.setattr("wuyuan.dead_letters.operator_connection", lambda settings: RefusedConnection())
    out = failed_cleanly(run("dlq", "replay", WUYUAN_AMQP_ADMIN_URI=f"amqp://admin:{SECRET}@rabbitmq.example:5672/"))
    assert "连不上 RabbitMQ（WUYUAN_AMQP_ADMIN_URI 的主机 rabbitmq.example，以运维用户 wuyuan.operator）" in out
    assert SECRET not in out


def test_privacy_purge_names_the_database_it_cannot_reach(monkeypatch):
    def refused(*args, **kwargs):
        raise psycopg.OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr("wuyuan.privacy.psycopg.connect", refused)
    out = failed_cleanly(run("privacy", "purge"))
    assert "的个人信息未能清除：连不上数据库服务器 127.0.0.1:5432（数据库 " in out
    assert "Connection refused" not in out  # the driver's words: --verbose only


def test_privacy_purge_says_an_external_agency_purges_its_own(monkeypatch, tmp_path):
    from tests.joined_agencies import NODE_EXAMPLE, config_with

    monkeypatch.setenv("WUYUAN_CONFIG_DIR", str(config_with(tmp_path / "config", NODE_EXAMPLE)))
    monkeypatch.setattr("wuyuan.privacy.purge_personal_data", lambda settings, dry_run=False: [])

    out = run("privacy", "purge", "--dry-run").output

    assert "妇联：外部机构，由其自行按保存期限清除（本命令不处理）" in out


# A database server at max_connections, in PostgreSQL's own words (16's, and before 16's).
SERVER_FULL = [
    'connection to server at "10.0.3.7", port 6432 failed: FATAL:  sorry, too many clients already',
    'connection to server at "10.0.3.7", port 6432 failed: FATAL:  remaining connection slots are reserved for '
    "roles with the SUPERUSER attribute",
]


def database_says(monkeypatch, words: str) -> None:
    """Every connection to the database server refused with these words, as psycopg raises it."""

    def refused(*args, **kwargs):
        raise psycopg.OperationalError(words)

    monkeypatch.setattr("psycopg.connect", refused)
    monkeypatch.setenv("WUYUAN_PG_ADMIN_URL", "postgresql://postgres@10.0.3.7:6432/postgres")
    monkeypatch.delenv("WUYUAN_PG_ADMIN_URLS", raising=False)


@pytest.mark.parametrize("words", SERVER_FULL)
@pytest.mark.parametrize("command", [("case", "show", "430426-20261204-00003"), ("report",)], ids=" ".join)
def test_a_database_server_with_no_free_connection_is_said_full_not_a_platform_to_start(monkeypatch, words, command):
    database_says(monkeypatch, words)

    result = run(*command, "--json")

    failed_cleanly(result)
    answer = json_error(result)
    assert answer["error"] == "database_full"
    assert "数据库服务器 10.0.3.7:6432 的连接已满" in answer["message"] and "max_connections" in answer["message"]
    assert "wuyuan up" not in answer["message"]


def test_adding_an_account_while_the_database_server_is_full_says_so_in_chinese(monkeypatch):
    database_says(monkeypatch, SERVER_FULL[0])

    result = CliRunner().invoke(
        main,
        ["account", "add", "zhou.min", "--name", "周敏", "--role", "intake_staff", "--password-stdin"],
        input="correct horse battery\n",
    )

    out = failed_cleanly(result)
    assert "数据库服务器 10.0.3.7:6432 的连接已满（已达 max_connections）" in out
    assert "wuyuan up" not in out and "Traceback" not in out


def test_a_database_server_that_is_not_there_still_asks_whether_the_platform_runs(monkeypatch):
    database_says(monkeypatch, 'connection to server at "10.0.3.7", port 6432 failed: Connection refused')

    answer = json_error(run("case", "show", "430426-20261204-00003", "--json"))
    out = failed_cleanly(run("case", "show", "430426-20261204-00003"))

    assert answer["error"] == "working_accounts_unavailable" and "wuyuan up" in answer["message"]
    assert "Connection refused" in answer["detail"]
    # Said in Chinese naming identity's database and its server; the driver's words only in --json and --verbose.
    assert "身份认证（identity）的连不上数据库服务器 10.0.3.7:6432" not in out
    assert "连不上数据库服务器 10.0.3.7:6432（数据库 wuyuan_identity）" in out and "Connection refused" not in out


# --- 4. refusals -------------------------------------------------------------------------------------------

NOT_FOUND = {"error": "not_found", "message": "no case 430426-20261204-99999"}


def test_a_mistyped_case_number_is_no_such_case(platform):
    platform(FakeResponse(404, NOT_FOUND))
    out = failed_cleanly(run("case", "show", "430426-20261204-99999"))
    assert "没有这个案件：430426-20261204-99999" in out
    assert "404" not in out and "not_found" not in out


def test_a_mistyped_case_number_under_json_is_not_found(platform):
    platform(FakeResponse(404, NOT_FOUND))
    result = run("case", "show", "430426-20261204-99999", "--json")
    failed_cleanly(result)
    assert json_error(result)["error"] == "not_found"


def test_a_service_that_is_not_ready_says_so_in_chinese(platform):
    platform(FakeResponse(503, {"error": "unavailable", "message": "storage unavailable, retry later"}))
    result = run("case", "show", CASE["case_id"], "--json")
    failed_cleanly(result)
    answer = json_error(result)
    assert answer["error"] == "coordinator_unavailable" and "综合协调组（coordinator）暂时不可用" in answer["message"]


def test_a_refused_filter_under_json_keeps_the_apis_fields(platform):
    fields = [{"field": "registered_from", "message": "Input should be a valid date", "type": "date_parsing"}]
    platform(FakeResponse(400, {"error": "invalid_input", "message": "invalid input", "fields": fields}))
    result = run("case", "list", "--from", "2026-12-01", "--json")
    failed_cleanly(result, exit_code=2)
    answer = json_error(result)
    assert answer["error"] == "invalid_input" and answer["fields"] == fields
    assert "--from：请填写日期，如2026-12-04" in answer["message"]


def test_a_report_refused_for_want_of_dates_names_the_options_in_chinese(platform):
    wrong = [
        {"field": "from", "message": "required: a date, YYYY-MM-DD (or period and date)", "type": "range_missing"},
        {"field": "to", "message": "required: a date, YYYY-MM-DD (or period and date)", "type": "range_missing"},
    ]
    platform(FakeResponse(400, {"error": "invalid_input", "message": "invalid input", "fields": wrong}))
    out = failed_cleanly(run("report", "--from", "2026-11-01"), exit_code=2)
    assert "--from：必填：日期" in out and "--to：必填：日期" in out
    assert "required" not in out and "invalid_input" not in out


def test_a_bare_report_is_this_month_as_the_console_opens(platform):
    session = platform(FakeResponse(400, {"error": "invalid_input", "fields": []}))
    run("report")
    today = datetime.now(UTC).astimezone().date()
    [url] = session.urls
    assert "period=month" in url and "level=county" in url and "from=" not in url
    assert f"date={today.year}-" in url


# --- 5. a paused clock -------------------------------------------------------------------------------------


def test_a_referral_paused_for_appraisal_past_its_old_deadline_is_not_overdue(platform, monkeypatch):
    paused = json.loads(json.dumps(CASE))
    lead = paused["referrals"][0]
    lead.update(paused=True, paused_at="2026-12-20 09:00:00+08:00", pause_reason="appraisal")
    platform(FakeResponse(200, paused), FakeResponse(403, {"error": "forbidden"}))  # no names: accounts shown
    monkeypatch.setattr("shared.clock.now", lambda: DAY_AFTER)
    result = run("case", "show", paused["case_id"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.lstrip().startswith("砖塘镇派出所"))
    assert "计时已暂停（鉴定），恢复后顺延" in row and "2026-12-25 17:30" in row
    assert "超期" not in row
    still_running = next(line for line in result.output.splitlines() if line.lstrip().startswith("砖塘镇司法所"))
    assert "已超期" in still_running


# --- 6. place codes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("place", ["４３０４２６１０１", "430426²", "43042610１"])
def test_only_ascii_digits_make_a_place_code(place, platform):
    session = platform()
    out = failed_cleanly(run("case", "list", "--place", place), exit_code=2)
    assert "--place" in out and "半角数字" in out
    assert session.urls == []


# --- 7. calendar files -------------------------------------------------------------------------------------


def year_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "2027.toml"
    path.write_text(text, encoding="utf-8")
    return path


HEAD = 'year = 2027\nsource = "测试用安排（非官方）"\n'


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            HEAD + '[[holidays]]\nname = "新年"\ndays = [2027-01-01]\n',
            "第1个节假日的名称（holidays[0].name）：节日名称应为 元旦、春节",
        ),
        (
            HEAD + '[[holidays]]\nname = "元旦"\ndays = ["一月一日"]\n',
            "第1个节假日的第1天（holidays[0].days[0]）：应为日期",
        ),
        (HEAD + '[[holidays]]\nname = "元旦"\ndays = [2028-01-01]\n', "1月1日（星期六）不在2027年内"),
        ('year = 1999\nsource = "x"\n[[holidays]]\nname = "元旦"\ndays = [1999-01-01]\n', "年份应在2004至2100之间"),
        (HEAD + "[[holidays]]\nname = 元旦\n", "不是有效的 TOML：第4行"),
        (HEAD + '[[holidays]]\nname = "元旦"\ndays = [2027-01-01]\nnote = "x"\n', "文件中不应有此项"),
    ],
)
def test_a_bad_year_file_is_refused_in_chinese_naming_the_file_and_the_entry(tmp_path, text, says):
    path = year_file(tmp_path, text)
    out = failed_cleanly(run("calendar", "load", str(path)))
    assert f"节假日安排文件有误，未载入（{path}）" in out
    assert says in out
    assert "Input should" not in out and "Field required" not in out


def test_a_missing_year_file_under_json_is_invalid_calendar_file(tmp_path):
    result = run("calendar", "load", str(tmp_path / "2031.toml"), "--json")
    failed_cleanly(result)
    answer = json_error(result)
    assert answer["error"] == "invalid_calendar_file" and "文件不存在" in answer["message"]
    [missing] = answer["fields"]
    assert missing["field"] == "(file)" and missing["message"].startswith("该文件不存在。")
    assert "config/calendar/example-2027.toml" in missing["message"]  # where to start writing it


def test_a_year_the_library_knows_is_refused_with_what_to_do(tmp_path, platform):
    path = year_file(tmp_path, HEAD.replace("2027", "2026") + '[[holidays]]\nname = "元旦"\ndays = [2026-01-01]\n')
    known = {
        "field": "year",
        "message": "chinesecalendar already knows 2026; send replace=true to correct it",
        "type": "calendar_known",
    }
    platform(FakeResponse(400, {"error": "invalid_input", "message": "invalid input", "fields": [known]}))
    out = failed_cleanly(run("calendar", "load", str(path)), exit_code=2)
    assert "年份（year）：chinesecalendar 已内置2026年的安排；确需更正时加 --replace" in out


def test_the_demo_never_runs_against_a_deployment(monkeypatch):
    """It files a made-up dispute that real units would receive: with addresses configured it stops first."""
    monkeypatch.setattr("wuyuan.demo.run_demo", lambda *args: pytest.fail("the demo ran against a deployment"))

    output = failed_cleanly(run("demo", WUYUAN_SERVICE_URL_TEMPLATE="http://{dns_name}:8000"))

    assert "不能在正式部署上运行" in output


def test_waiting_for_a_case_stops_at_once_when_the_service_refuses_for_good(platform):
    """A 403 (the account lacks the role) is not "not registered yet": the wait says so instead of timing out."""
    platform(FakeResponse(403, {"error": "forbidden", "message": "demo.window may not read cases"}))
    client = PlatformClient.from_settings(load_settings())

    with pytest.raises(PlatformError) as refused:
        client.wait_for_status("430426-20261205-00001", "closed", timeout=30)

    assert refused.value.status == 403


def test_waiting_for_a_case_goes_on_while_it_is_not_there_yet(platform):
    platform(
        FakeResponse(404, {"error": "not_found"}), FakeResponse(503, {"error": "unavailable"}), FakeResponse(200, CASE)
    )
    client = PlatformClient.from_settings(load_settings())

    assert client.wait_for_status(CASE["case_id"], CASE["status"], timeout=30)["case_id"] == CASE["case_id"]


def test_a_reconcile_the_coordinator_refuses_reads_in_chinese_with_its_code(monkeypatch):
    answer = {"error": "conflict", "message": "not_an_agency_unit: court_link has no referrals to send again"}

    def refused(settings, service, since):
        raise PlatformError(
            "POST coordinator/api/v1/reconcile -> 409", status=409, service="coordinator", answer=answer
        )

    monkeypatch.setattr("wuyuan.reconcile.request_reconcile", refused)
    monkeypatch.setattr("wuyuan.reconcile_followers.reconcile_follower", never_followed)

    shown = failed_cleanly(run("reconcile", "court_link", "--since", "2026-12-04T02:30:00+0800"))
    as_json = json_error(run("reconcile", "court_link", "--since", "2026-12-04T02:30:00+0800", "--json"))

    assert "未予办理" in shown and "-> 409" not in shown
    # The rule's code stands in for words this release lacks; the service's English is only the detail.
    assert "not_an_agency_unit" in shown and "has no referrals" not in shown
    assert as_json["error"] == "coordinator_refused" and "未予办理" in as_json["message"]


def test_a_reconcile_time_typed_without_an_offset_is_beijing_time_and_both_times_are_a_usage_error(monkeypatch):
    asked: list[datetime] = []

    def reconciled(settings, service, since):
        asked.append(since)
        return {"agency": "court", "since": since.isoformat(), "referrals": [], "resent": 0}

    monkeypatch.setattr("wuyuan.reconcile.request_reconcile", reconciled)
    monkeypatch.setattr(
        "wuyuan.reconcile_followers.reconcile_follower", lambda *_: FollowerReconcile("court_link", None, None)
    )

    run("reconcile", "court_link", "--since", "2026-12-06 09:00:00", "--json")
    run("reconcile", "court_link", "--since", "2026-12-06T09:30", "--json")  # seconds left out, as people write it
    both = run("reconcile", "court_link", "--since", "2026-12-06 09:00:00", "--backup", "/tmp", "--json")

    assert asked == [datetime(2026, 12, 6, 1, 0, tzinfo=UTC), datetime(2026, 12, 6, 1, 30, tzinfo=UTC)]
    assert both.exit_code == 2 and json.loads(both.output)["error"] == "both_since_and_backup"


def never_followed(*_):
    raise AssertionError("nothing is sent again when the coordinator refused")


# 20:00 in Beijing on 6 December 2026.
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def never_asked(*_):
    raise AssertionError("the coordinator is not asked to reconcile")


def test_a_reconcile_time_later_than_now_is_refused_naming_it_in_beijing_time(monkeypatch):
    """A time to come would leave out what officers must redo since the backup, with nothing to say so."""
    monkeypatch.setattr("shared.clock.now", lambda: NOW)
    monkeypatch.setattr("wuyuan.reconcile.request_reconcile", never_asked)
    monkeypatch.setattr("wuyuan.reconcile_followers.reconcile_follower", never_asked)

    as_json = run("reconcile", "court_link", "--since", "2026-12-07T01:00:00+0000", "--json")
    shown = failed_cleanly(run("reconcile", "court_link", "--since", "2026-12-07 09:00:00"), exit_code=2)

    failed_cleanly(as_json, exit_code=2)
    answer = json_error(as_json)
    assert answer["error"] == "since_in_future"
    assert "--since 给的时间 2026-12-07 09:00:00（北京时间）晚于现在（2026-12-06 20:00:00）" in answer["message"]
    assert "--since 给的时间 2026-12-07 09:00:00（北京时间）" in shown


def test_a_reconcile_time_up_to_now_is_taken(monkeypatch):
    asked: list[datetime] = []
    monkeypatch.setattr("shared.clock.now", lambda: NOW)
    monkeypatch.setattr(
        "wuyuan.reconcile.request_reconcile",
        lambda settings, service, since: asked.append(since) or {"service": service, "referrals": [], "resent": 0},
    )
    monkeypatch.setattr(
        "wuyuan.reconcile_followers.reconcile_follower", lambda *_: FollowerReconcile("court_link", None, None)
    )

    assert run("reconcile", "court_link", "--since", "2026-12-06 20:00:00", "--json").exit_code == 0
    assert asked == [NOW]


def test_reconcile_refuses_another_platforms_backup_unless_told_it_is_meant(monkeypatch, tmp_path):
    from tests.unit.wuyuan.backup_folders import BACKUP_TIME, backup_folder

    asked: list[datetime] = []
    monkeypatch.setattr("shared.clock.now", lambda: NOW)
    monkeypatch.setattr(
        "wuyuan.reconcile.request_reconcile",
        lambda settings, service, since: asked.append(since) or {"service": service, "referrals": [], "resent": 0},
    )
    monkeypatch.setattr(
        "wuyuan.reconcile_followers.reconcile_follower", lambda *_: FollowerReconcile("court_link", None, None)
    )
    for name in ("VHOST", "DB_PREFIX", "COUNTY"):
        monkeypatch.delenv(f"WUYUAN_{name}", raising=False)
    backup_folder(tmp_path / "backup", "court_link", vhost="linli", db_prefix="linli_")

    refused = run("reconcile", "court_link", "--backup", str(tmp_path / "backup"), "--json")
    meant = run("reconcile", "court_link", "--backup", str(tmp_path / "backup"), "--from-other-platform", "--json")

    failed_cleanly(refused)
    answer = json_error(refused)
    assert answer["error"] == "other_platform" and "vhost linli" in answer["message"]
    assert "vhost wuyuan" in answer["message"] and "未对账" in answer["message"]
    assert meant.exit_code == 0, meant.output
    assert asked == [datetime.fromisoformat(BACKUP_TIME)]


def test_a_backup_whose_time_is_later_than_now_says_a_clock_is_wrong(monkeypatch, tmp_path):
    from tests.unit.wuyuan.backup_folders import backup_folder, write_manifest

    monkeypatch.setattr("shared.clock.now", lambda: NOW)
    monkeypatch.setattr("wuyuan.reconcile.request_reconcile", never_asked)
    for name in ("VHOST", "DB_PREFIX", "COUNTY"):
        monkeypatch.delenv(f"WUYUAN_{name}", raising=False)
    manifest = backup_folder(tmp_path, "court_link")
    manifest["services"]["court_link"]["time"] = "2026-12-06T13:00:00+00:00"
    write_manifest(tmp_path, manifest)

    result = run("reconcile", "court_link", "--backup", str(tmp_path), "--json")

    failed_cleanly(result)
    answer = json_error(result)
    assert answer["error"] == "since_in_future" and "2026-12-06 21:00:00（北京时间）" in answer["message"]
    assert "时钟" in answer["message"]


def test_an_agency_gets_its_letters_back_after_its_referrals_but_none_about_a_referral_it_will_never_have_again(
    monkeypatch,
):
    finished, kept = str(uuid.uuid4()), str(uuid.uuid4())
    asked: list[tuple[str, object]] = []

    def referrals_again(settings, service, since):
        asked.append(("coordinator", service))
        lines = [
            {"referral_id": finished, "case_id": "430426-20261206-00001", "unit": "court:430426", "status": "resolved"}
            | {"gaps": ["finished_not_resent"], "redo": []},
            {"referral_id": kept, "case_id": "430426-20261206-00002", "unit": "court:430426", "status": "accepted"}
            | {"gaps": [], "redo": ["accept"]},
        ]
        return {"service": service, "agency": "court", "since": None, "referrals": lines, "resent": 1}

    def letters_again(settings, service, since, held):
        asked.append(("others", list(held)))
        return FollowerReconcile(service, None, None, [SenderReport("supervision", sent_again=2)])

    monkeypatch.setattr("wuyuan.reconcile.request_reconcile", referrals_again)
    monkeypatch.setattr("wuyuan.reconcile_followers.reconcile_follower", letters_again)

    shown = run("reconcile", "court").output

    assert asked == [("coordinator", "court_link"), ("others", [kept])]  # letters only about what it holds again
    assert shown.index("重办受理") < shown.index("对账 ") < shown.index("重发 2 条")


def test_stability_an_agency_that_also_follows_the_centres_facts_gets_both_reconciles(monkeypatch):
    from wuyuan.reconcile_followers import FollowerReconcile, SenderReport

    asked: list[str] = []

    def referrals_again(settings, service, since):
        asked.append(f"agency {service}")
        return {"agency": "plc", "since": None, "referrals": [], "resent": 0}

    def facts_again(settings, service, since, finished):
        asked.append(f"follower {service}")
        return FollowerReconcile(service, None, None, [SenderReport("coordinator", sent_again=3)])

    monkeypatch.setattr("wuyuan.reconcile.request_reconcile", referrals_again)
    monkeypatch.setattr("wuyuan.reconcile_followers.reconcile_follower", facts_again)

    answer = json.loads(run("reconcile", "stability", "--json").output)

    assert asked == ["agency stability", "follower stability"]
    assert answer["agency"] == "plc" and answer["followed"]["senders"][0]["sent_again"] == 3


def test_the_agency_documents_are_never_sent_again_to_stability_nor_fed_records_to_intake():
    from wuyuan.reconcile_followers import taken_types
    from wuyuan.settings import PlatformSettings

    settings = PlatformSettings()

    assert "ReferralIssued" not in taken_types(settings, "stability") and "CaseAssigned" in taken_types(
        settings, "stability"
    )
    assert "RegisterDispute" not in taken_types(settings, "intake")


def test_stabilitys_reconcile_shows_what_officers_must_redo_before_what_was_sent_again(monkeypatch):
    from wuyuan.reconcile_followers import FollowerReconcile, SenderReport

    monkeypatch.setattr(
        "wuyuan.reconcile.request_reconcile",
        lambda settings, service, since: {"service": service, "since": None, "referrals": [], "resent": 2},
    )
    monkeypatch.setattr(
        "wuyuan.reconcile_followers.reconcile_follower",
        lambda settings, service, since, finished: FollowerReconcile(
            service, None, None, [SenderReport("coordinator", 3)]
        ),
    )

    shown = run("reconcile", "stability").output

    assert shown.startswith("已向政法委（stability）重发 2 份交办文书")
    assert shown.index("无需机构重办的事项") < shown.index("对账 ") < shown.index("重发 3 条")


def broken_config(tmp_path: Path, file: str, change) -> Path:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / file).write_text(change((config / file).read_text(encoding="utf-8")), encoding="utf-8")
    return config


COMMANDS_THAT_START_THE_COORDINATOR = [("provision",), ("up", "-d", "--skip-infra"), ("start", "coordinator")]
BROKEN_FILES = [
    ("routing.toml", lambda text: text.replace('lead = ["plc"]', 'lead = ["plcc"]', 1),
     "rules[2].lead：没有代码为 “plcc” 的机构；可交办的是 "),
    ("centres.toml", lambda text: text.replace("working_days = 3", "working_days = 99", 1),
     "levels.township.escalate_after_working_days：应为 0 至 60 的整数（逾期多少个工作日后升级到上一级，不加引号）"),
    ("centres.toml", lambda text: text.replace('call_in = ["police", "justice"]', 'call_in = ["police", "fire"]', 1),
     "].call_in：没有代码为 “fire” 的机构"),
    ("centres.toml", lambda text: text + "\n[[centres]\n", "不是有效的 TOML：第"),
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS_THAT_START_THE_COORDINATOR)
@pytest.mark.parametrize(("file", "change", "says"), BROKEN_FILES)
def test_a_broken_coordinator_file_stops_the_platform_before_anything_is_done_naming_file_and_key(
    monkeypatch, tmp_path, command, file, change, says
):
    """The coordinator would not start with it: the command says which file and key, in Chinese, before
    provisioning or starting anything."""
    config = broken_config(tmp_path, file, change)

    def never(*_args, **_kwargs):
        raise AssertionError("nothing is provisioned or started")

    monkeypatch.setattr("wuyuan.cli._provision", never)
    monkeypatch.setattr("wuyuan.cli._ensure_infra", never)
    monkeypatch.setattr("wuyuan.supervise.start_service", never)
    monkeypatch.setattr("wuyuan.supervise.start", never)
    monkeypatch.setattr("wuyuan.cli._require_managed", lambda settings, service: None)

    shown = failed_cleanly(run(*command, WUYUAN_CONFIG_DIR=str(config)))

    assert shown.startswith(f"错误：配置文件 {config / file} 有误：")
    assert says in shown
    assert "综合协调组读不了它就不会启动" in shown
    said = re.sub(r"（[^）]*）", "", shown) if "TOML" in says else shown  # tomllib's own words stay in brackets
    assert not english_left(said)


def test_a_missing_coordinator_file_is_named_in_chinese(monkeypatch, tmp_path):
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / "centres.toml").unlink()
    monkeypatch.setattr("wuyuan.cli._provision", lambda settings: pytest.fail("nothing is provisioned"))

    shown = failed_cleanly(run("provision", WUYUAN_CONFIG_DIR=str(config)))

    assert shown.startswith(f"错误：配置文件 {config / 'centres.toml'} 有误：文件不存在。")


def test_the_coordinators_refusal_keeps_its_code_and_key_for_scripts(tmp_path):
    """What a script reads of it, whatever the wording: the command's code and the file's key and refusal."""
    from wuyuan.config_check import check_coordinator_configuration
    from wuyuan.settings import PlatformSettings

    config = broken_config(tmp_path, "routing.toml", BROKEN_FILES[0][1])
    with pytest.raises(CommandError) as refused:
        check_coordinator_configuration(PlatformSettings(config_dir=config))

    assert refused.value.code == "config_invalid"
    assert refused.value.details == {
        "file": str(config / "routing.toml"),
        "field": "rules[2].lead",
        "reason": "unknown_agency",
    }


def test_a_broken_agency_registry_is_named_by_its_file_and_key_in_chinese(tmp_path):
    config = broken_config(
        tmp_path, "agencies.toml", lambda text: text.replace("unit_digits = 9", "unit_digits = 8", 1)
    )

    out = failed_cleanly(run("case", "list", WUYUAN_CONFIG_DIR=str(config)))

    assert f"配置文件 {config / 'agencies.toml'} 有误：agencies." in out
    assert ".unit_digits：应为 该机构的单位设在哪一级：6（县）、9（乡镇）或 12（村）；现为 “8”" in out


def test_a_county_the_divisions_file_does_not_list_is_refused_naming_the_setting():
    # An officer bound to it was made, and everything else read its units as bare codes, as if nothing were wrong.
    out = failed_cleanly(
        run("account", "add", "zhao.li", "--name", "赵丽", "--role", "officer", "--unit", "police:999999",
            WUYUAN_COUNTY="999999")
    )  # fmt: skip
    assert "WUYUAN_COUNTY：999999 不是" in out and "所列的是 祁东县（430426）" in out
    assert "已创建账号" not in out

    result = run("case", "list", "--json", WUYUAN_COUNTY="999999")
    failed_cleanly(result)
    assert json_error(result)["error"] == "invalid_setting"


def test_the_readmes_refusal_of_a_centres_file_is_the_one_the_command_gives(monkeypatch, tmp_path):
    """The README quotes the refusal an operator will see; it stays the command's own words."""
    config = broken_config(
        tmp_path, "centres.toml", lambda text: text.replace("working_days = 3", 'working_days = "3"', 1)
    )
    monkeypatch.setattr("wuyuan.cli._provision", lambda settings: pytest.fail("nothing is provisioned"))

    shown = failed_cleanly(run("provision", WUYUAN_CONFIG_DIR=str(config))).strip()

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    assert shown.replace(str(config), "config") in readme


def test_up_on_ports_another_platform_answers_stops_before_it_makes_anything(monkeypatch):
    """Provisioned first, a platform that cannot start here left its databases, vhost, users and secrets behind."""
    base = free_port_base(11)
    listener = socket.create_server(("127.0.0.1", base + 1))  # intake's port: another platform's intake, say

    def never(*_args, **_kwargs):
        raise AssertionError("nothing is provisioned or started")

    monkeypatch.setattr("wuyuan.supervise.is_running", lambda settings: False)
    monkeypatch.setattr("wuyuan.cli._provision", never)
    monkeypatch.setattr("wuyuan.cli._ensure_infra", never)
    try:
        shown = failed_cleanly(run("up", "-d", WUYUAN_HTTP_PORT_BASE=str(base)))
    finally:
        listener.close()

    assert shown.startswith(f"错误：端口已被占用：intake 127.0.0.1:{base + 1}。")


# --- 8. hostile or mistaken input, found by walking through the commands ----------------------------------------


def test_a_year_file_far_larger_than_any_year_is_refused_unread_naming_the_file(tmp_path, platform):
    """FILE may be a device or a pipe that never ends (/dev/zero): read whole, it filled the machine's memory until the
    kernel killed the command. What is past the bound is not read; the file is named as too large."""
    session = platform()
    path = year_file(tmp_path, HEAD + "# " + "节" * 40_000 + "\n")

    result = run("calendar", "load", str(path), "--json")

    failed_cleanly(result)
    answer = json_error(result)
    assert answer["error"] == "invalid_calendar_file"
    assert f"（{path}）" in answer["message"] and "文件过大（超过 65536 字节）" in answer["message"]
    assert session.urls == []  # nothing sent, nothing loaded


def test_a_password_file_far_larger_than_any_password_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr("wuyuan.client.requests.Session", lambda: pytest.fail("signed in with it"))
    huge = tmp_path / "password"
    huge.write_bytes(b"x" * (1024 * 1024))

    result = run(
        "case",
        "show",
        "430426-20261204-00003",
        "--json",
        WUYUAN_SERVICE_URL_TEMPLATE="http://{dns_name}:8000",
        WUYUAN_CLI_USERNAME="wang.fang",
        WUYUAN_CLI_PASSWORD_FILE=str(huge),
    )

    failed_cleanly(result)
    answer = json_error(result)
    assert answer["error"] == "credential_file_unreadable"
    assert f"WUYUAN_CLI_PASSWORD_FILE 所指的文件 {huge}：文件过大（超过 65536 字节）" in answer["message"]


def test_account_list_under_json_says_an_unreachable_database_as_json_naming_its_server(monkeypatch):
    database_says(monkeypatch, 'connection to server at "10.0.3.7", port 6432 failed: Connection refused')

    result = run("account", "list", "--json")

    failed_cleanly(result)
    answer = json_error(result)
    assert answer["error"] == "database_unreachable"
    assert "连不上身份认证（identity）的数据库（10.0.3.7:6432，WUYUAN_PG_ADMIN_URL）" in answer["message"]
    assert "Connection refused" in answer["detail"] and not english_left(answer["message"].split("：")[0])


def test_account_list_says_a_database_that_refuses_its_sign_in_as_that_not_as_unreachable(monkeypatch):
    database_says(
        monkeypatch,
        'connection to server at "10.0.3.7", port 6432 failed: FATAL:  database "wuyuan_identity" does not exist',
    )

    out = failed_cleanly(run("account", "list"))
    answer = json_error(run("account", "list", "--json"))

    assert (
        "身份认证（identity）的数据库（WUYUAN_PG_ADMIN_URL）：数据库服务器 10.0.3.7:6432 上没有数据库 wuyuan_identity"
        in out
    )
    assert "does not exist" not in out
    assert answer["error"] == "database_unreachable" and answer["reason"] == "database_missing"


def test_provisioning_names_the_management_api_it_cannot_reach_by_setting_and_address(monkeypatch):
    monkeypatch.setattr("wuyuan.provision.ensure_databases", lambda settings, services: None)
    management_answers(monkeypatch, requests.ConnectionError("connection refused"))

    out = failed_cleanly(run("provision", WUYUAN_RABBIT_MANAGEMENT_URL=MANAGEMENT))

    assert "连不上 RabbitMQ 管理接口 WUYUAN_RABBIT_MANAGEMENT_URL（rabbitmq.example:15672）" in out
    assert "rabbitmq-plugins enable rabbitmq_management" in out and SECRET not in out


def statuses(not_ready: str) -> list:
    from wuyuan.supervise import ServiceStatus

    return [ServiceStatus("court_link", 4242, "running", "http://127.0.0.1:8704", "python", not_ready)]


@pytest.mark.parametrize(
    ("not_ready", "says", "never"),
    [
        # Nothing answers at the service's port: another port base than the platform's, or a stuck service.
        (
            "GET http://127.0.0.1:8704/health: no answer (ConnectionError)",
            "法院（court_link）未就绪：其健康检查地址没有应答",
            "连不上其数据库或消息队列",
        ),
        (
            "GET http://127.0.0.1:8704/health: HTTP 503, database: DatabaseUnreachable: cannot connect",
            "法院（court_link）未就绪：连不上其数据库或消息队列",
            "没有应答",
        ),
        (
            "GET http://127.0.0.1:8704/health: vhost is 'other', expected 'wuyuan'",
            "法院（court_link）未就绪：健康检查的应答不对",
            "连不上其数据库或消息队列",
        ),
    ],
)
def test_status_says_why_a_service_is_not_ready_as_its_health_check_found_it(monkeypatch, not_ready, says, never):
    monkeypatch.setattr("wuyuan.supervise.status", lambda settings, **asked: statuses(not_ready))

    result = run("status")

    assert result.exit_code == 0, result.output
    assert "运行中，未就绪" in result.output and says in result.output and never not in result.output


def test_a_township_code_given_but_refused_is_not_said_to_be_missing(platform):
    wrong = [
        {
            "field": "division",
            "message": "required with level township: a 9-digit township code of 430426",
            "type": "township_missing",
        }
    ]
    platform(FakeResponse(400, {"error": "invalid_input", "message": "invalid input", "fields": wrong}))

    out = failed_cleanly(run("report", "--level", "township", "--division", "430426"), exit_code=2)

    assert "--division：按乡镇统计时须填本县乡镇的9位区划代码" in out and "必填" not in out


def test_a_dead_letter_id_typed_with_control_characters_is_echoed_escaped(monkeypatch):
    from wuyuan.dead_letters import ReplayReport

    monkeypatch.setattr("wuyuan.dead_letters.replay_dead_letters", lambda *args: ReplayReport([], []))

    out = failed_cleanly(run("dlq", "replay", "--message-id", "x\x1b[2J\nforged"))

    assert "死信队列中没有编号为 x\\x1b[2J\\nforged 的死信" in out and "\x1b" not in out


def test_a_reconcile_names_the_agency_and_every_sender_as_operators_read_them_elsewhere(monkeypatch):
    """`wuyuan status` says 法院（court_link）: so does every line of the reconcile that names a service."""
    monkeypatch.setattr("shared.clock.now", lambda: NOW)
    monkeypatch.setattr(
        "wuyuan.reconcile.request_reconcile",
        lambda settings, service, since: {"service": service, "since": None, "referrals": [], "resent": 2},
    )
    followed = FollowerReconcile("court_link", None, None, [SenderReport("coordinator", sent_again=1)])
    monkeypatch.setattr("wuyuan.reconcile_followers.reconcile_follower", lambda *_: followed)

    lines = run("reconcile", "court_link").output.splitlines()

    assert lines[0].startswith("已向法院（court_link）重发 2 份交办文书")
    assert any(line.startswith("对账 法院（court_link）：") for line in lines)
    assert "  综合协调组（coordinator）：重发 1 条" in lines
    refused = json_error(run("reconcile", "identity", "--json"))
    assert refused["message"] == "身份认证（identity）不接收其他服务的消息，恢复后无需对账"
