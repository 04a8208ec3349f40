"""`wuyuan privacy purge`, `backup` and `restore` say a database failure in Chinese, naming the database and its
server; the driver's English stays in --json's detail and behind --verbose, and no password is ever shown."""

import json
import subprocess
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from wuyuan.cli import main
from wuyuan.database_words import database_failure, without_passwords

PASSWORD = "Pg-Secret-51c7e2"
ADMIN_URL = f"postgresql://wyadmin:{PASSWORD}@10.0.3.7:6432/postgres"
SERVER = "10.0.3.7:6432"
AT = 'connection failed: connection to server at "10.0.3.7", port 6432 failed: '
# libpq's and pg_dump's own words for the common failures, each with the reason a script reads and what staff read.
DRIVER_SAYS = [
    (AT + "Connection refused Is the server running on that host?", "unreachable", "连不上数据库服务器 10.0.3.7:6432"),
    (AT + 'FATAL:  password authentication failed for user "wyadmin"', "authentication_failed", "拒绝用户 wyadmin"),
    (AT + 'FATAL:  database "wuyuan_intake" does not exist', "database_missing", "上没有数据库 wuyuan_intake"),
    ("ERROR:  permission denied for table cases", "permission_denied", "用户 wyadmin 在数据库 wuyuan_intake"),
    ("could not extend file: No space left on device", "disk_full", "磁盘空间不足"),
]
DRIVER_WORDS = ("Connection refused", "FATAL", "password authentication", "does not exist", "permission denied", "No ")


@pytest.fixture(autouse=True)
def platform(monkeypatch, tmp_path):
    """The default platform's names (prefix wuyuan_), its admin URL holding a password, its state here."""
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("WUYUAN_PG_ADMIN_URL", ADMIN_URL)
    for name in ("PG_ADMIN_URLS", "VHOST", "DB_PREFIX", "COUNTY", "PERSONAL_DATA_KEY"):
        monkeypatch.delenv(f"WUYUAN_{name}", raising=False)


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def said_in_chinese_only(text: str) -> None:
    assert PASSWORD not in text
    for words in DRIVER_WORDS:
        assert words not in text, text


@pytest.mark.parametrize(("driver", "reason", "says"), DRIVER_SAYS)
def test_each_common_driver_failure_is_said_in_chinese_naming_the_database_and_server(driver, reason, says):
    failure = database_failure(psycopg.OperationalError(driver), "wuyuan_intake", ADMIN_URL.replace("/postgres", "/x"))

    assert failure.reason == reason
    assert says in failure.message
    assert "wuyuan_intake" in failure.message and (SERVER in failure.message or reason == "permission_denied")
    said_in_chinese_only(failure.message)
    assert failure.detail == " ".join(driver.split())  # the driver's own words, for --json and --verbose


def test_a_password_in_a_connection_string_the_driver_quotes_is_taken_out():
    quoted = f'invalid dsn: missing "=" after "{ADMIN_URL}" in connection info string; password={PASSWORD}'

    shown = without_passwords(quoted, ADMIN_URL)

    assert PASSWORD not in shown and "wyadmin:***@10.0.3.7" in shown


@pytest.mark.parametrize(("driver", "reason", "says"), DRIVER_SAYS)
def test_privacy_purge_names_the_service_database_and_server_and_keeps_the_driver_text_behind_verbose(
    monkeypatch, driver, reason, says
):
    def fails(*args, **kwargs):
        raise psycopg.OperationalError(driver)

    monkeypatch.setattr("wuyuan.privacy.psycopg.connect", fails)

    plain = run("privacy", "purge")
    verbose = run("--verbose", "privacy", "purge")

    assert plain.exit_code == 1
    # The purge signs in as the service's own role, not as the admin URL's user.
    assert "信息收集组（intake）的个人信息未能清除" in plain.output
    assert says.replace("wyadmin", "wuyuan_intake") in plain.output
    said_in_chinese_only(plain.output)
    assert " ".join(driver.split()) in verbose.output and PASSWORD not in verbose.output


def fake_client_tools(monkeypatch, tmp_path: Path, stderr: str) -> None:
    """A database server that answers, and a pg_dump that fails saying `stderr`."""
    from wuyuan.backup import ServerInfo

    monkeypatch.setattr("wuyuan.backup.server_info", lambda url: ServerInfo("16.4", 16))
    monkeypatch.setattr("wuyuan.backup.applied_migrations", lambda url: [])
    monkeypatch.setattr("wuyuan.backup.client_binary", lambda name, major: tmp_path / name)

    def pg_dump(command, **kwargs):
        return subprocess.CompletedProcess(command, 1, "", stderr)

    monkeypatch.setattr("wuyuan.backup.subprocess.run", pg_dump)


def test_a_pg_dump_that_runs_out_of_disk_is_said_so_naming_the_database(monkeypatch, tmp_path):
    stderr = "pg_dump: error: could not write to output file: No space left on device"
    fake_client_tools(monkeypatch, tmp_path, stderr)

    plain = run("backup", "court_link", "--to", str(tmp_path / "backups"))
    answer = json.loads(run("backup", "court_link", "--to", str(tmp_path / "backups"), "--json").output)

    assert plain.exit_code == 1
    assert "法院（court_link）：磁盘空间不足：数据库 wuyuan_court_link（服务器 10.0.3.7:6432）" in plain.output
    said_in_chinese_only(plain.output)
    assert answer["error"] == "tool_failed" and answer["reason"] == "disk_full"
    assert answer["database"] == "wuyuan_court_link" and answer["server"] == SERVER
    assert "No space left on device" in answer["detail"] and PASSWORD not in json.dumps(answer)


@pytest.mark.parametrize(("driver", "reason", "says"), DRIVER_SAYS[:3])
def test_backup_says_a_database_it_cannot_reach_or_sign_in_to_in_chinese(monkeypatch, tmp_path, driver, reason, says):
    def fails(url):
        raise psycopg.OperationalError(driver.replace("wuyuan_intake", "wuyuan_court_link"))

    monkeypatch.setattr("wuyuan.backup.server_info", fails)

    plain = run("backup", "court_link", "--to", str(tmp_path / "backups"))
    answer = json.loads(run("backup", "court_link", "--to", str(tmp_path / "backups"), "--json").output)

    assert plain.exit_code == 1 and plain.output.startswith("错误：法院（court_link）：")
    assert says.replace("wuyuan_intake", "wuyuan_court_link") in plain.output
    said_in_chinese_only(plain.output)
    assert answer["error"] == "database_unreachable" and answer["reason"] == reason
    assert PASSWORD not in json.dumps(answer)


def test_a_store_error_wrapping_the_drivers_is_classified_by_it_and_its_words_shown_once():
    from shared.persistence.errors import StoreDown

    driver = psycopg.OperationalError(DRIVER_SAYS[1][0])
    try:
        try:
            raise driver
        except psycopg.Error as cause:
            raise StoreDown(str(cause)) from cause
    except StoreDown as wrapped:
        failure = database_failure(wrapped, "wuyuan_intake", ADMIN_URL)

    assert failure.reason == "authentication_failed"
    assert failure.detail.count("password authentication failed") == 1


def test_a_dump_that_cannot_be_written_is_said_in_chinese_and_no_half_backup_is_left(monkeypatch, tmp_path):
    fake_client_tools(monkeypatch, tmp_path, "")

    def wrote_nothing(command, **kwargs):  # pg_dump "succeeded" but its file is not there (a full or vanished disk)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr("wuyuan.backup.subprocess.run", wrote_nothing)

    result = run("backup", "court_link", "--to", str(tmp_path / "backups"))

    assert result.exit_code == 1
    assert "法院（court_link）：读写" in result.output and "失败（路径不存在），备份未完成" in result.output
    assert "No such file" not in result.output
    assert list((tmp_path / "backups").iterdir()) == []
