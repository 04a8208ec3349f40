"""`wuyuan conformance` with no broker or database to run on: said plainly, naming the address, and not as the
agency failing a check."""

import json
from pathlib import Path

import psycopg
import pytest
import requests
from click.testing import CliRunner, Result

from wuyuan.cli import main
from wuyuan.provision_amqp import ManagementUnreachable


@pytest.fixture(autouse=True)
def platform(monkeypatch, tmp_path):
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("WUYUAN_RABBIT_MANAGEMENT_URL", "http://ops:Mq-Secret-9d2@10.0.3.9:15672/")
    monkeypatch.setenv("WUYUAN_AMQP_ADMIN_URI", "amqp://ops:Mq-Secret-9d2@10.0.3.9:5673/")
    monkeypatch.setenv("WUYUAN_PG_ADMIN_URL", "postgresql://pg:Pg-Secret-9d2@10.0.3.8:6432/postgres")
    for name in ("VHOST", "DB_PREFIX", "COUNTY", "CONFIG_DIR"):
        monkeypatch.delenv(f"WUYUAN_{name}", raising=False)


def broker_says(monkeypatch, error: Exception) -> None:
    def fails(*args, **kwargs):
        raise error

    monkeypatch.setattr("wuyuan.conformance.environment.ensure_broker", fails)


def conformance(*options: str) -> Result:
    result = CliRunner().invoke(main, ["conformance", "court", *options])
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize(
    ("error", "address", "setting"),
    [
        (
            ManagementUnreachable("RabbitMQ management API not reachable at http://10.0.3.9:15672"),
            "10.0.3.9:15672",
            "WUYUAN_RABBIT_MANAGEMENT_URL",
        ),
        (requests.ConnectionError("Connection refused"), "10.0.3.9:15672", "WUYUAN_RABBIT_MANAGEMENT_URL"),
        (ConnectionRefusedError(111, "Connection refused"), "10.0.3.9:5673", "WUYUAN_AMQP_ADMIN_URI"),
    ],
    ids=["management API", "management API by requests", "AMQP"],
)
def test_an_unreachable_broker_is_said_as_such_not_as_a_failed_check(monkeypatch, error, address, setting):
    broker_says(monkeypatch, error)

    result = conformance()

    assert result.exit_code == 1  # README: a broker that cannot be reached
    assert "连不上 RabbitMQ" in result.output and f"{address}（{setting}）" in result.output
    assert "未对机构 法院（court）做任何检查：这不是该机构的问题" in result.output
    assert "未通过" not in result.output and "starts" not in result.output
    assert "Connection refused" not in result.output and "Mq-Secret-9d2" not in result.output


def test_under_json_it_is_the_commands_error_with_the_reports_keys_and_the_address(monkeypatch):
    broker_says(monkeypatch, ManagementUnreachable("RabbitMQ management API not reachable at http://10.0.3.9:15672"))

    result = conformance("--json")
    answer = json.loads(result.output)

    assert result.exit_code == 1
    assert answer["error"] == "broker_unreachable" and answer["address"] == "10.0.3.9:15672"
    assert (answer["agency"], answer["service"], answer["passed"], answer["results"]) == (
        "court",
        "court_link",
        False,
        [],
    )
    assert "Mq-Secret-9d2" not in result.output


def test_an_unreachable_database_server_is_named_by_its_address(monkeypatch):
    monkeypatch.setattr("wuyuan.conformance.environment.ensure_broker", lambda settings, services: None)
    monkeypatch.setattr("wuyuan.conformance.environment.delete_broker", lambda settings, services: None)

    def refused(settings, services):
        raise psycopg.OperationalError('connection to server at "10.0.3.8", port 6432 failed: Connection refused')

    monkeypatch.setattr("wuyuan.conformance.environment.ensure_databases", refused)

    answer = json.loads(conformance("--json").output)

    assert answer["error"] == "database_unreachable" and answer["address"] == "10.0.3.8:6432"
    assert "连不上 PostgreSQL 数据库服务器 10.0.3.8:6432（WUYUAN_PG_ADMIN_URL）" in answer["message"]
    assert "Pg-Secret-9d2" not in json.dumps(answer)


def test_a_private_broker_that_cannot_be_started_is_said_so_in_chinese(monkeypatch):
    monkeypatch.setattr("wuyuan.private_infra.RABBIT_BIN", Path("/nonexistent/rabbitmq/bin"))

    result = conformance("--private-broker")

    assert result.exit_code == 1
    assert "检查工具未能启动自己的 RabbitMQ 节点（--private-broker）：本机须装有 rabbitmq-server" in result.output
    assert "No such file" not in result.output
