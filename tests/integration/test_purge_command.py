"""On the real PostgreSQL and RabbitMQ: a state directory deleted under a platform's databases stops provisioning
with what to do, not a traceback; `wuyuan down --purge --yes` removes what provisioning made, and the state, and
keeps the backups. Each test's platform has a vhost, database prefix and state directory of its own."""

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import requests
from click.testing import CliRunner, Result

from wuyuan.provision import provision_all
from wuyuan.provision_amqp import delete_broker
from wuyuan.provision_db import drop_databases
from wuyuan.settings import OPERATOR, PlatformSettings

pytestmark = pytest.mark.integration

# A few services are enough to stand for the platform, and quick to provision.
SOME_SERVICES = ["intake", "court_link", "console"]


@pytest.fixture
def platform(monkeypatch, tmp_path) -> Iterator[PlatformSettings]:
    run = secrets.token_hex(4)
    monkeypatch.setenv("WUYUAN_VHOST", f"wyz_{run}")
    monkeypatch.setenv("WUYUAN_DB_PREFIX", f"wyz_{run}_")
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path / "state"))
    settings = PlatformSettings()
    provision_all(settings, SOME_SERVICES)
    try:
        yield settings
    finally:  # whatever a failing test left
        delete_broker(settings)
        drop_databases(settings)


def run(*args: str) -> Result:
    from wuyuan.cli import main

    return CliRunner().invoke(main, list(args))


def databases(settings: PlatformSettings) -> list[str]:
    with psycopg.connect(settings.pg_admin_url, autocommit=True) as admin:
        rows = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (settings.db_prefix + "%",))
        return sorted(row[0] for row in rows)


def roles(settings: PlatformSettings) -> list[str]:
    with psycopg.connect(settings.pg_admin_url, autocommit=True) as admin:
        rows = admin.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (settings.db_prefix + "%",))
        return sorted(row[0] for row in rows)


def broker_has(settings: PlatformSettings, path: str) -> bool:
    base = settings.rabbit_management_url.rstrip("/")
    answer = requests.get(f"{base}/api/{path}", timeout=15)
    assert answer.status_code in (200, 404), answer.text
    return answer.status_code == 200


def test_purge_removes_databases_roles_vhost_users_and_state_and_keeps_the_backups(platform):
    state = platform.state_dir
    backup = state / "backups" / f"wuyuan-{platform.vhost}-20261205T183952Z"
    backup.mkdir(parents=True)
    (state / "logs").mkdir()
    assert databases(platform) and roles(platform) and (state / "secrets" / "broker").is_dir()

    result = run("down", "--purge", "--yes")

    assert result.exit_code == 0, result.output
    assert "本机平台已删除" in result.output
    assert databases(platform) == [] and roles(platform) == []
    assert not broker_has(platform, f"vhosts/{quote(platform.vhost, safe='')}")
    for user in (*SOME_SERVICES, OPERATOR):
        assert not broker_has(platform, f"users/{quote(platform.broker_user(user), safe='')}")
    assert sorted(path.name for path in state.iterdir()) == ["backups"]
    assert backup.is_dir()

    again = run("down", "--purge", "--yes")  # nothing left: a second purge changes nothing and fails on nothing
    assert again.exit_code == 0, again.output


def test_a_state_directory_deleted_under_the_databases_is_explained_and_purge_starts_over(platform):
    # What `make clean` once did: intake holds a case, and its personal data key is gone with the state.
    with psycopg.connect(platform.database_url("intake"), autocommit=True) as intake:
        intake.execute(
            "INSERT INTO cases (case_id, source, category, division_code, summary, report, registered_at)"
            " VALUES ('430426-20261205-00001', 'walk_in', 'neighbour', '430426101', '邻里纠纷', '{}', %s)",
            (datetime(2026, 12, 5, 10, 0, tzinfo=UTC),),
        )
    for kept in sorted(Path(platform.state_dir / "secrets").rglob("*"), reverse=True):
        kept.rmdir() if kept.is_dir() else kept.unlink()

    stopped = run("provision")

    assert stopped.exit_code == 1 and "Traceback" not in stopped.output
    assert stopped.output.startswith("错误：信息收集组（intake）的数据库中已有案件，但找不到")
    assert "wuyuan down --purge" in stopped.output

    assert run("down", "--purge", "--yes").exit_code == 0
    assert not platform.state_dir.exists()  # no backups were kept in it: nothing of the platform is left
    provision_all(platform, SOME_SERVICES)  # a new, empty platform provisions cleanly
    with psycopg.connect(platform.database_url("intake")) as intake:
        assert intake.execute("SELECT count(*) FROM cases").fetchone() == (0,)
