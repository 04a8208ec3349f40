"""`wuyuan provision` against the real broker and database: quorum queues, databases, idempotent."""

import secrets

import psycopg
import pytest
import requests
from click.testing import CliRunner

from tests.joined_agencies import platform_code_services
from wuyuan.cli import main
from wuyuan.provision_amqp import delete_broker
from wuyuan.provision_db import drop_databases
from wuyuan.settings import PlatformSettings

# Every service of a platform with the shipped agency registry.
SERVICES = platform_code_services()  # an external agency's tables are its own

pytestmark = pytest.mark.integration


@pytest.fixture
def platform(monkeypatch):
    run = secrets.token_hex(4)
    monkeypatch.setenv("WUYUAN_VHOST", f"wyp_{run}")
    monkeypatch.setenv("WUYUAN_DB_PREFIX", f"wyp_{run}_")
    monkeypatch.setenv("WUYUAN_QUEUE_TYPE", "quorum")
    monkeypatch.setenv("WUYUAN_RETRY_DELAY_MS", "7000")
    settings = PlatformSettings()
    try:
        yield settings
    finally:
        delete_broker(settings)
        drop_databases(settings)


def queues(settings: PlatformSettings) -> dict[str, dict]:
    base = settings.rabbit_management_url.rstrip("/")
    response = requests.get(f"{base}/api/queues/{settings.vhost}", timeout=15)
    response.raise_for_status()
    return {queue["name"]: queue for queue in response.json()}


def test_provision_prepares_everything_and_a_second_run_changes_nothing(platform):
    runner = CliRunner()
    first = runner.invoke(main, ["provision"])
    assert first.exit_code == 0, first.output
    assert f"RabbitMQ 虚拟主机 {platform.vhost}（quorum 队列）" in first.output
    assert "s3cret" not in first.output

    declared = queues(platform)
    assert {"wuyuan.court_link.inbox", "wuyuan.court_link.retry", "wuyuan.court_link.dead"} <= set(declared)
    assert {queue["type"] for queue in declared.values()} == {"quorum"}
    assert declared["wuyuan.coordinator.retry"]["arguments"]["x-message-ttl"] == 7000
    for service in SERVICES:
        with psycopg.connect(platform.database_url(service)) as conn:
            assert conn.execute("SELECT count(*) FROM inbox").fetchone() == (0,)

    again = runner.invoke(main, ["provision"])
    assert again.exit_code == 0, again.output
    assert set(queues(platform)) == set(declared)


def test_provision_with_a_bad_setting_names_it_and_creates_nothing(monkeypatch):
    monkeypatch.setenv("WUYUAN_PG_ADMIN_URLS", '{"nosuchagency_link": "postgresql://db/postgres"}')
    result = CliRunner().invoke(main, ["provision"])
    assert result.exit_code != 0
    assert "WUYUAN_PG_ADMIN_URLS：没有 nosuchagency_link" in result.output
    assert "Traceback" not in result.output
