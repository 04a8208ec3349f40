"""Where the `wuyuan` command reaches each service and whom it acts as: configured addresses are checked, a
deployment needs a person or a token, and the working accounts are made only beside `wuyuan up` or in dev mode."""

import json
from pathlib import Path

import pytest
import requests
from pydantic import ValidationError

from tests.unit.wuyuan.test_case_commands import FakeHttp, FakeResponse
from wuyuan.client import TOKEN_HOLDER, PlatformClient, PlatformError, ServiceUnreachable, SignInError, sign_in_choice
from wuyuan.settings import PlatformSettings

IN_THE_CLUSTER = {"coordinator": "http://coordinator:8000", "identity": "http://identity:8000/"}
TEMPLATE = "http://{dns_name}:8000"
# Where the CLI finds the services and how it signs in (README, "The `wuyuan` command").
CLI_SETTINGS = (
    "WUYUAN_SERVICE_URLS",
    "WUYUAN_SERVICE_URL_TEMPLATE",
    "WUYUAN_CLI_USERNAME",
    "WUYUAN_CLI_PASSWORD_FILE",
    "WUYUAN_CLI_TOKEN",
    "WUYUAN_CLI_TOKEN_FILE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """Nothing from the machine's WUYUAN_* decides; no platform runs here unless a test says so."""
    for name in (*CLI_SETTINGS, "WUYUAN_DEV_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr("wuyuan.supervise.is_running", lambda settings: False)


@pytest.fixture
def no_identity_database(monkeypatch):
    """The identity database must not be touched: making the working accounts fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the identity database was touched")

    monkeypatch.setattr("wuyuan.accounts.ensure_accounts", refuse)
    monkeypatch.setattr("wuyuan.accounts.account_store", refuse)


def secret_file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(**settings) -> str:
    with pytest.raises(ValidationError) as refused:
        PlatformSettings(**settings)
    return str(refused.value)


# --- addresses ----------------------------------------------------------------------------------


def test_the_local_platform_keeps_its_addresses_when_none_is_configured():
    settings = PlatformSettings(http_port_base=9100)
    assert not settings.addresses_configured
    assert settings.service_url("coordinator") == settings.http_base_url("coordinator") == "http://127.0.0.1:9102"
    assert settings.service_url_setting("coordinator") is None


def test_a_template_names_each_service_by_its_kubernetes_name_and_a_mapping_overrides_it():
    settings = PlatformSettings(
        service_url_template=TEMPLATE + "/", service_urls={"court_link": "https://court.example.gov.cn/wuyuan/"}
    )
    assert settings.addresses_configured
    assert settings.service_url("police_link") == "http://police-link:8000"
    assert settings.service_url("court_link") == "https://court.example.gov.cn/wuyuan"
    assert settings.service_url_setting("court_link") == "WUYUAN_SERVICE_URLS.court_link"
    assert settings.service_url_setting("identity") == "WUYUAN_SERVICE_URL_TEMPLATE"
    # `wuyuan up` still serves where it always did
    assert settings.http_base_url("police_link").startswith("http://127.0.0.1:")


def test_a_mapping_alone_names_the_service_it_lacks():
    settings = PlatformSettings(service_urls=IN_THE_CLUSTER)
    assert settings.service_url("identity") == "http://identity:8000"
    with pytest.raises(ValueError, match="WUYUAN_SERVICE_URLS 中没有 supervision 的地址"):
        settings.service_url("supervision")


def test_the_mapping_is_read_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv("WUYUAN_SERVICE_URLS", json.dumps(IN_THE_CLUSTER))
    assert PlatformSettings().service_url("coordinator") == "http://coordinator:8000"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"service_urls": {"registry_office": "http://x:8000"}}, "WUYUAN_SERVICE_URLS：没有服务 'registry_office'"),
        ({"service_urls": {"coordinator": "coordinator:8000"}}, "WUYUAN_SERVICE_URLS.coordinator"),
        ({"service_urls": {"coordinator": "ftp://coordinator"}}, "不是 http(s):// 地址"),
        ({"service_urls": {"coordinator": "http://coordinator:eighty"}}, "不是 http(s):// 地址"),
        ({"service_urls": {"coordinator": "http://ops:s3cret@coordinator:8000"}}, "不带用户名、密码"),
        ({"service_urls": {"coordinator": "http://coordinator:8000/?debug=1"}}, "查询串"),
        ({"service_url_template": "http://coordinator:8000"}, "须含 {service} 或 {dns_name}"),
        ({"service_url_template": "http://{dns_name}.{namespace}:8000"}, "只可用 {service} 与 {dns_name}"),
        ({"service_url_template": "{service}:8000"}, "WUYUAN_SERVICE_URL_TEMPLATE"),
    ],
)
def test_a_bad_address_is_refused_naming_its_setting(settings, named):
    assert named in refusal(**settings)


# --- whom the command acts as -----------------------------------------------------------------


def test_the_working_accounts_serve_only_the_platform_wuyuan_up_runs_here(monkeypatch):
    with pytest.raises(SignInError) as nobody:
        sign_in_choice(PlatformSettings())
    # The platform not started is the likely cause: said first, with how to start it; signing in comes after.
    message = str(nobody.value)
    assert nobody.value.code == "local_platform_not_running"
    assert message.startswith("本机没有运行中的本地平台")
    assert "make run" in message and message.index("make run") < message.index("WUYUAN_CLI_USERNAME")

    monkeypatch.setattr("wuyuan.supervise.is_running", lambda settings: True)
    assert sign_in_choice(PlatformSettings()).kind == "working_accounts"


def test_a_deployment_without_credentials_names_the_settings_to_give(monkeypatch):
    monkeypatch.setattr("wuyuan.supervise.is_running", lambda settings: True)  # even beside a local platform
    with pytest.raises(SignInError) as nobody:
        sign_in_choice(PlatformSettings(service_url_template=TEMPLATE))
    message = str(nobody.value)
    assert nobody.value.code == "sign_in_not_configured"
    assert "WUYUAN_CLI_USERNAME" in message and "WUYUAN_CLI_TOKEN_FILE" in message and "演示账号" in message


def test_development_mode_keeps_the_working_accounts_only_while_no_address_is_configured(monkeypatch):
    monkeypatch.setattr("wuyuan.supervise.is_running", lambda settings: False)
    assert sign_in_choice(PlatformSettings(dev_mode=True)).kind == "working_accounts"
    with pytest.raises(SignInError) as nobody:
        sign_in_choice(PlatformSettings(service_url_template=TEMPLATE, dev_mode=True))
    assert nobody.value.code == "sign_in_not_configured"


def test_a_person_signs_in_with_the_password_in_the_mounted_file(tmp_path):
    password = secret_file(tmp_path, "password", "Yunwei-2026-pass\n")
    chosen = sign_in_choice(PlatformSettings(cli_username="wang.yunwei", cli_password_file=password))
    assert (chosen.kind, chosen.username, chosen.secret) == ("person", "wang.yunwei", "Yunwei-2026-pass")
    assert "Yunwei-2026-pass" not in repr(chosen)


def test_a_person_without_a_password_file_is_asked_and_without_a_terminal_told_what_to_set():
    settings = PlatformSettings(cli_username="wang.yunwei", service_url_template=TEMPLATE)
    asked = []
    chosen = sign_in_choice(settings, lambda username: asked.append(username) or "typed-at-the-prompt")
    assert asked == ["wang.yunwei"] and chosen.secret == "typed-at-the-prompt"

    with pytest.raises(SignInError) as no_password:
        sign_in_choice(settings, lambda username: None)
    assert no_password.value.code == "password_missing"
    assert "WUYUAN_CLI_PASSWORD_FILE" in str(no_password.value)


def test_a_person_is_preferred_to_the_working_accounts_even_on_the_local_platform(monkeypatch, tmp_path):
    monkeypatch.setattr("wuyuan.supervise.is_running", lambda settings: True)
    password = secret_file(tmp_path, "password", "Yunwei-2026-pass")
    assert sign_in_choice(PlatformSettings(cli_username="wang.yunwei", cli_password_file=password)).kind == "person"


def test_a_token_is_taken_from_the_environment_or_a_file(tmp_path):
    assert sign_in_choice(PlatformSettings(cli_token="eyJ.from-env.sig")).secret == "eyJ.from-env.sig"
    token = secret_file(tmp_path, "token", "eyJ.from-file.sig\n")
    chosen = sign_in_choice(PlatformSettings(cli_token_file=token))
    assert (chosen.kind, chosen.secret) == ("token", "eyJ.from-file.sig")


@pytest.mark.parametrize("token", ["令牌", "eyJ.pasted with spaces.sig", "eyJ.\udcff.sig"])
def test_a_token_that_no_authorization_header_can_carry_is_refused_naming_its_setting(tmp_path, token):
    with pytest.raises(SignInError) as refused:
        sign_in_choice(PlatformSettings(cli_token=token))
    assert refused.value.code == "invalid_setting" and str(refused.value).startswith("WUYUAN_CLI_TOKEN ")

    pasted = tmp_path / "token"
    pasted.write_text("eyJ.两个字.sig\n", encoding="utf-8")
    with pytest.raises(SignInError) as refused:
        sign_in_choice(PlatformSettings(cli_token_file=pasted))
    assert refused.value.code == "invalid_setting" and str(refused.value).startswith("WUYUAN_CLI_TOKEN_FILE ")
    assert "两个字" not in str(refused.value)


def test_a_token_in_chinese_stops_the_command_with_a_code_not_a_traceback(monkeypatch):
    from click.testing import CliRunner

    from wuyuan.cli import main

    monkeypatch.setenv("WUYUAN_SERVICE_URLS", json.dumps(IN_THE_CLUSTER))
    monkeypatch.setenv("WUYUAN_CLI_TOKEN", "令牌")
    result = CliRunner().invoke(main, ["case", "list", "--json"])

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert json.loads(result.stdout)["error"] == "invalid_setting"


@pytest.mark.parametrize("setting", ["cli_password_file", "cli_token_file"])
def test_a_credential_file_that_is_missing_or_empty_is_named(tmp_path, setting):
    person = {"cli_username": "wang.yunwei"} if setting == "cli_password_file" else {}
    variable = f"WUYUAN_{setting.upper()}"
    with pytest.raises(SignInError) as missing:
        sign_in_choice(PlatformSettings(**person, **{setting: tmp_path / "not-mounted"}))
    assert missing.value.code == "credential_file_unreadable" and variable in str(missing.value)
    assert str(missing.value).endswith("：路径不存在") and "Errno" not in str(missing.value)

    with pytest.raises(SignInError, match=variable):
        sign_in_choice(PlatformSettings(**person, **{setting: secret_file(tmp_path, "empty", "\n")}))


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"cli_username": "wang.yunwei", "cli_token": "eyJ.x.y"}, "WUYUAN_CLI_USERNAME 与 WUYUAN_CLI_TOKEN"),
        ({"cli_token": "eyJ.x.y", "cli_token_file": "/run/token"}, "WUYUAN_CLI_TOKEN 与 WUYUAN_CLI_TOKEN_FILE"),
        ({"cli_password_file": "/run/password"}, "须与 WUYUAN_CLI_USERNAME"),
        ({"cli_token": "  "}, "WUYUAN_CLI_TOKEN：是空的"),
        ({"cli_username": "wang yunwei"}, "cli_username"),
    ],
)
def test_ambiguous_or_empty_credentials_are_refused(settings, named):
    assert named in refusal(**settings)


# --- the client, signed in as the settings say -------------------------------------------------


class Recorder(FakeHttp):
    """FakeHttp that also records sign-ins (POST to identity) and each request's headers and body."""

    def __init__(self, *answers) -> None:
        super().__init__(*answers)
        self.sign_ins: list[tuple[str, dict]] = []
        self.sent: list[tuple[str, str, dict, dict | None]] = []

    def post(self, url, json=None, timeout=None):
        self.sign_ins.append((url, json))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def request(self, method, url, json=None, headers=None, timeout=None):
        self.sent.append((method, url, dict(headers or {}), json))
        return super().request(method, url, json, headers, timeout)


def client_with(settings: PlatformSettings, *answers) -> tuple[PlatformClient, Recorder]:
    client = PlatformClient.from_settings(settings, ask_password=lambda username: None)
    client.http = Recorder(*answers)  # type: ignore[assignment]
    return client, client.http  # type: ignore[return-value]


def test_a_person_signs_in_at_the_configured_identity_and_calls_the_configured_coordinator(
    tmp_path, no_identity_database
):
    password = secret_file(tmp_path, "password", "Yunwei-2026-pass")
    settings = PlatformSettings(service_urls=IN_THE_CLUSTER, cli_username="wang.yunwei", cli_password_file=password)
    client, http = client_with(
        settings, FakeResponse(201, {"token": "tok-wang"}), FakeResponse(200, {"service": "court_link", "resent": 2})
    )

    answer = client.call("POST", "coordinator", "/api/v1/reconcile", {"service": "court_link"}, as_user="demo.operator")

    assert answer["resent"] == 2
    assert http.sign_ins == [
        ("http://identity:8000/api/v1/sessions", {"username": "wang.yunwei", "password": "Yunwei-2026-pass"})
    ]
    [(method, url, headers, body)] = http.sent
    assert (method, url, body) == ("POST", "http://coordinator:8000/api/v1/reconcile", {"service": "court_link"})
    assert headers["Authorization"] == "Bearer tok-wang"


def test_a_token_is_sent_as_it_is_with_no_sign_in(tmp_path, no_identity_database):
    token = secret_file(tmp_path, "token", "eyJ.county-idp.sig")
    settings = PlatformSettings(service_url_template=TEMPLATE, cli_token_file=token)
    client, http = client_with(settings, FakeResponse(200, {"case_id": "430426-20261204-00001"}))

    client.case("430426-20261204-00001")

    assert http.sign_ins == []
    [(_, url, headers, _)] = http.sent
    assert url == "http://coordinator:8000/api/v1/cases/430426-20261204-00001"
    assert headers["Authorization"] == "Bearer eyJ.county-idp.sig"
    assert client.user_for("court_link") == TOKEN_HOLDER


def test_a_refused_password_and_an_expired_token_say_so_with_a_code(tmp_path):
    password = secret_file(tmp_path, "password", "wrong-password")
    person = PlatformSettings(service_urls=IN_THE_CLUSTER, cli_username="wang.yunwei", cli_password_file=password)
    client, _ = client_with(person, FakeResponse(401, {"error": "unauthorized"}))
    with pytest.raises(SignInError) as refused:
        client.case("430426-20261204-00001")
    assert refused.value.code == "sign_in_refused" and "wang.yunwei" in str(refused.value)

    client, _ = client_with(PlatformSettings(service_urls=IN_THE_CLUSTER, cli_token="eyJ.expired.sig"))
    client.http.answers.append(FakeResponse(401, {"error": "unauthorized"}))  # type: ignore[attr-defined]
    with pytest.raises(SignInError) as expired:
        client.case("430426-20261204-00001")
    assert expired.value.code == "sign_in_refused" and "WUYUAN_CLI_TOKEN" in str(expired.value)


def test_a_person_without_the_role_is_told_so(tmp_path):
    password = secret_file(tmp_path, "password", "Clerk-2026-pass")
    settings = PlatformSettings(service_urls=IN_THE_CLUSTER, cli_username="li.chuangkou", cli_password_file=password)
    client, _ = client_with(settings, FakeResponse(201, {"token": "tok-li"}), FakeResponse(403, {"error": "forbidden"}))
    with pytest.raises(PlatformError) as forbidden:
        client.call("POST", "coordinator", "/api/v1/reconcile", {"service": "court_link"})
    assert forbidden.value.code == "forbidden" and "账号 li.chuangkou 没有此操作所需的角色" in str(forbidden.value)


def test_an_unreachable_service_names_its_address_and_the_setting_that_gave_it():
    client, _ = client_with(
        PlatformSettings(service_urls=IN_THE_CLUSTER, cli_token="eyJ.x.y"), requests.ConnectionError("refused")
    )
    with pytest.raises(ServiceUnreachable) as unreachable:
        client.case("430426-20261204-00001")
    message = str(unreachable.value)
    assert unreachable.value.service == "coordinator"
    assert "综合协调组" in message and "http://coordinator:8000" in message
    assert "WUYUAN_SERVICE_URLS.coordinator" in message and "wuyuan up" not in message


def test_a_service_without_an_address_is_a_refusal_with_a_code():
    client, http = client_with(PlatformSettings(service_urls=IN_THE_CLUSTER, cli_token="eyJ.x.y"))
    with pytest.raises(PlatformError) as missing:
        client.call("GET", "supervision", "/api/v1/follow-ups")
    assert missing.value.code == "service_address_missing" and http.sent == []


def test_the_working_accounts_are_made_only_where_the_choice_allows(monkeypatch):
    made = []
    monkeypatch.setattr("wuyuan.accounts.ensure_accounts", lambda settings, specs: made.append(1) or {})
    with pytest.raises(SignInError):
        PlatformClient.from_settings(PlatformSettings(service_url_template=TEMPLATE))
    assert made == []

    monkeypatch.setattr("wuyuan.supervise.is_running", lambda settings: True)
    PlatformClient.from_settings(PlatformSettings())
    assert made == [1]


def test_an_address_with_a_password_in_it_is_refused_without_showing_the_password():
    with pytest.raises(ValidationError) as refused:
        PlatformSettings(service_urls={"coordinator": "http://ops:hunter2secret@coordinator:8000"})

    assert "WUYUAN_SERVICE_URLS.coordinator" in str(refused.value)
    assert "hunter2secret" not in str(refused.value)
