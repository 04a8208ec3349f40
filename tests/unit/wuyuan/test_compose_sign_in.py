"""The staff commands run in compose's provision service reach the compose services and sign in as the person."""

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.unit.wuyuan.test_case_commands import CASE, FakeResponse
from tests.unit.wuyuan.test_cli_failures import FakeSession
from tests.unit.wuyuan.test_cli_sign_in import CLI_SETTINGS
from wuyuan.cli import main

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
PROVISION = COMPOSE["services"]["provision"]["environment"]


@pytest.fixture(autouse=True)
def in_the_provision_container(monkeypatch, tmp_path):
    for name in (*CLI_SETTINGS, "WUYUAN_DEV_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("WUYUAN_SERVICE_URLS", PROVISION["WUYUAN_SERVICE_URLS"])

    def no_demo_accounts(*args, **kwargs):
        raise AssertionError("the demo accounts were made in a deployment")

    monkeypatch.setattr("wuyuan.accounts.ensure_accounts", no_demo_accounts)


def test_each_address_is_a_compose_service_on_the_port_the_services_listen_on():
    urls = json.loads(PROVISION["WUYUAN_SERVICE_URLS"])
    port = COMPOSE["x-service-env"]["WUYUAN_HTTP_ADDRESS"].rsplit(":", 1)[1]
    assert {"intake", "coordinator", "supervision", "identity"} <= set(urls)
    for service, url in urls.items():
        assert service in COMPOSE["services"]
        assert url == f"http://{service}:{port}"


def test_case_show_there_signs_in_at_identity_and_asks_the_coordinator(monkeypatch, tmp_path):
    password = tmp_path / "password"
    password.write_text("Wang-Fang-2026-pass\n", encoding="utf-8")
    session = FakeSession(FakeResponse(201, {"token": "tok-wang"}), FakeResponse(200, CASE))
    monkeypatch.setattr("wuyuan.client.requests.Session", lambda: session)
    result = CliRunner().invoke(
        main,
        ["case", "show", CASE["case_id"], "--json"],
        env={"WUYUAN_CLI_USERNAME": "wang.fang", "WUYUAN_CLI_PASSWORD_FILE": str(password)},
    )
    assert result.exit_code == 0, result.output
    assert session.urls == [
        "http://identity:8000/api/v1/sessions",
        f"http://coordinator:8000/api/v1/cases/{CASE['case_id']}",
    ]


def test_without_an_account_there_the_command_names_the_settings_to_give():
    result = CliRunner().invoke(main, ["case", "show", CASE["case_id"], "--json"])
    assert result.exit_code == 1
    answer = json.loads(result.stdout)
    assert answer["error"] == "sign_in_not_configured" and "WUYUAN_CLI_USERNAME" in answer["message"]


def test_the_deploy_readme_documents_every_sign_in_setting():
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Environment variables") :]
    for setting in CLI_SETTINGS:
        assert f"| `{setting}` |" in table, setting
    assert "run --rm -e WUYUAN_CLI_USERNAME=" in readme
