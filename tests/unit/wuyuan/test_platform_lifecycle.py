"""Starting over with the local platform: `make clean` keeps its state, `wuyuan up` explains data left without its
keys, and `wuyuan down --purge` removes the platform only when asked, and only a local one."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from tests.unit.wuyuan.test_cli_failures import failed_cleanly
from wuyuan.cli import main
from wuyuan.provision_db import SealingKeyMissing
from wuyuan.provision_purge import PurgeRefused, purge_plan
from wuyuan.settings import REPO_ROOT, PlatformSettings


@pytest.fixture(autouse=True)
def state(monkeypatch, tmp_path) -> Path:
    """A state directory of the test's own, with what `wuyuan up` keeps there, and a backup."""
    state = tmp_path / "state"
    for kept in ("secrets/broker", "secrets/postgres", "logs", "traces", "backups/wuyuan-wuyuan-20261205T183952Z"):
        (state / kept).mkdir(parents=True)
    (state / "secrets" / "personal-data-key").write_text("ab" * 32 + "\n", encoding="ascii")
    (state / "supervisord.conf").write_text("; written by wuyuan up\n", encoding="utf-8")
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(state))
    for name in ("WUYUAN_PG_ADMIN_URL", "WUYUAN_PG_ADMIN_URLS", "WUYUAN_RABBIT_MANAGEMENT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("wuyuan.supervise.stop", lambda settings, timeout=None: False)
    return state


@pytest.fixture
def purged(monkeypatch) -> list[PlatformSettings]:
    """Records each purge instead of dropping anything."""
    done: list[PlatformSettings] = []
    monkeypatch.setattr("wuyuan.provision_purge.purge_platform", lambda settings: done.append(settings) or ["ok"])
    return done


def run(*args: str, answer: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=answer)


# --- make clean ---------------------------------------------------------------------------------------------


def test_make_clean_removes_the_venv_and_caches_but_never_the_state_directory():
    planned = subprocess.run(["make", "-n", "clean"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    removed = [line for line in planned.stdout.splitlines() if line.startswith("rm ")]

    assert removed and all(".venv" in line or "cache" in line for line in removed)
    assert not any(" var" in line for line in planned.stdout.splitlines())
    assert "wuyuan down" in planned.stdout  # stopped while there is still a venv to stop it with


def test_make_purge_is_the_command_that_removes_the_platform():
    # Under `make test` this is a make within make, which would add its directory lines and flags.
    alone = {name: value for name, value in os.environ.items() if name not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    planned = subprocess.run(
        ["make", "--no-print-directory", "-n", "purge"], cwd=REPO_ROOT, env=alone, capture_output=True, text=True
    )

    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.splitlines()[-1].strip() == ".venv/bin/wuyuan down --purge"  # after the venv, if due


# --- wuyuan up over data without its keys ----------------------------------------------------------------


def provisioning_fails_with(monkeypatch, error: Exception) -> None:
    def provision_all(settings):
        raise error

    monkeypatch.setattr("wuyuan.provision.provision_all", provision_all)


def test_cases_without_their_personal_data_key_stop_provisioning_with_what_to_do(monkeypatch, state):
    provisioning_fails_with(monkeypatch, SealingKeyMissing("intake holds cases but no personal data key is known"))

    out = failed_cleanly(run("provision"))

    assert out.startswith("错误：信息收集组（intake）的数据库中已有案件，但找不到")
    assert str(state / "secrets" / "personal-data-key") in out
    assert "secrets/" in out and "WUYUAN_PERSONAL_DATA_KEY" in out and "wuyuan down --purge" in out
    assert "Traceback" not in out and "SealingKeyMissing" not in out


def test_up_says_the_same_before_starting_anything(monkeypatch):
    provisioning_fails_with(monkeypatch, SealingKeyMissing("intake holds cases but no personal data key is known"))
    monkeypatch.setattr("wuyuan.supervise.start", lambda *args, **kwargs: pytest.fail("a service was started"))

    result = run("up", "--skip-infra")

    assert "个人信息密钥" in failed_cleanly(result)


def test_a_database_server_that_refuses_provisioning_is_named_in_chinese(monkeypatch):
    provisioning_fails_with(monkeypatch, psycopg.errors.InsufficientPrivilege("permission denied to create role"))

    out = failed_cleanly(run("provision"))

    assert "拒绝了准备数据库的操作" in out and "permission denied" not in out
    assert "permission denied to create role" in failed_cleanly(run("--verbose", "provision"))


def test_a_database_server_that_refuses_the_admin_sign_in_is_said_so_naming_it_and_never_its_password(monkeypatch):
    monkeypatch.setenv("WUYUAN_PG_ADMIN_URL", "postgresql://pg:Pg-Secret-77a1@10.0.3.7:6432/postgres")
    said = 'connection to server at "10.0.3.7", port 6432 failed: FATAL:  password authentication failed for user "pg"'
    provisioning_fails_with(monkeypatch, psycopg.OperationalError(said))

    out = failed_cleanly(run("provision"))
    verbose = failed_cleanly(run("--verbose", "provision"))

    assert "无法准备数据库（WUYUAN_PG_ADMIN_URL）：数据库服务器 10.0.3.7:6432 拒绝用户 pg 登录 postgres" in out
    assert "password authentication" not in out and "password authentication failed" in verbose
    assert "Pg-Secret-77a1" not in out + verbose


# --- wuyuan down --purge ---------------------------------------------------------------------------------


def test_purge_lists_what_it_removes_and_without_a_terminal_or_yes_removes_nothing(purged):
    result = run("down", "--purge")

    out = failed_cleanly(result)
    assert "将永久删除本机平台" in out and "wuyuan_intake" in out and "RabbitMQ 虚拟主机 wuyuan" in out
    assert "删除前须确认：在终端中运行，或加 --yes" in out
    assert purged == []


def test_purge_asks_and_a_no_removes_nothing(monkeypatch, purged, state):
    monkeypatch.setattr("wuyuan.cli.at_terminal", lambda: True)

    out = failed_cleanly(run("down", "--purge", answer="n\n"))

    assert "确定删除吗？" in out and "已取消" in out
    assert purged == [] and (state / "secrets" / "personal-data-key").exists()


def test_purge_asks_and_a_yes_removes_the_platform(monkeypatch, purged):
    monkeypatch.setattr("wuyuan.cli.at_terminal", lambda: True)

    result = run("down", "--purge", answer="y\n")

    assert result.exit_code == 0, result.output
    assert len(purged) == 1 and "本机平台已删除" in result.output


def test_yes_is_only_for_purge():
    out = failed_cleanly(run("down", "--yes"), exit_code=2)

    assert "--yes 只与 --purge 一起使用" in out


def test_the_plan_names_the_state_it_removes_and_keeps_the_backups(state):
    plan = purge_plan(PlatformSettings())

    assert {path.name for path in plan.state} == {"secrets", "logs", "traces", "supervisord.conf"}
    assert plan.kept == (state / "backups",)
    assert "wuyuan_coordinator" in plan.databases and "wuyuan.operator" in plan.broker_users
    assert any("保留" in line and "backups" in line for line in plan.lines())
    assert not any("本身" in line for line in plan.lines())  # backups are kept in it: the directory stays


def test_the_plan_says_the_state_directory_goes_when_nothing_is_kept_in_it(state):
    shutil.rmtree(state / "backups")
    plan = purge_plan(PlatformSettings())

    assert plan.kept == ()
    assert plan.lines()[-1] == f"状态目录 {state} 本身（删除以上各项后若已为空）"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"pg_admin_url": "postgresql://postgres@db.county.example:5432/postgres"}, "WUYUAN_PG_ADMIN_URL（db.county"),
        ({"pg_admin_urls": {"court_link": "postgresql://postgres@10.2.0.7/postgres"}}, "PG_ADMIN_URLS.court_link"),
        ({"rabbit_management_url": "http://guest:guest@mq.county.example:15672"}, "WUYUAN_RABBIT_MANAGEMENT_URL"),
        ({"pg_admin_urls": {"court_link": "postgresql://wuyuan_court_link@127.0.0.1/wuyuan_court_link"}}, "运维方"),
    ],
)
def test_purge_refuses_anything_but_a_local_platform(settings, named):
    with pytest.raises(PurgeRefused) as refused:
        purge_plan(PlatformSettings(**settings))

    assert named in str(refused.value)


def test_a_refused_purge_is_said_with_a_code_and_nothing_is_removed(monkeypatch, purged):
    monkeypatch.setenv("WUYUAN_PG_ADMIN_URL", "postgresql://postgres@db.county.example:5432/postgres")

    result = run("down", "--purge", "--yes")

    failed_cleanly(result)
    assert "不在本机" in result.output and purged == []


def test_a_local_server_by_unix_socket_or_loopback_is_local(monkeypatch):
    for variable in ("PGHOST", "PGHOSTADDR", "PGSERVICE"):
        monkeypatch.delenv(variable, raising=False)
    for url in (
        "postgresql:///postgres?host=/var/run/postgresql",
        "postgresql://postgres@localhost/postgres",
        "postgresql://postgres@127.0.0.2:5433/postgres",
        "postgresql://postgres@[::1]/postgres",
        "postgresql:///postgres",
    ):
        assert purge_plan(PlatformSettings(pg_admin_url=url)).vhost == "wuyuan", url


@pytest.mark.parametrize(
    ("url", "environment", "named"),
    [
        # libpq takes the host from the query when the URL's authority has none
        ("postgresql://postgres@/postgres?host=db.county.example", {}, "db.county.example"),
        ("postgresql://postgres@localhost/postgres?hostaddr=10.2.0.7", {}, "10.2.0.7"),
        ("postgresql://postgres@/postgres?service=county", {}, "service=county"),
        ("postgresql://postgres@127.prod.example.org/postgres", {}, "127.prod.example.org"),
        ("postgresql://postgres@localhost,db.county.example/postgres", {}, "db.county.example"),
        # and from the environment for what the URL leaves out
        ("postgresql:///postgres", {"PGHOST": "db.county.example"}, "db.county.example"),
        ("postgresql:///postgres", {"PGSERVICE": "county"}, "service=county"),
    ],
)
def test_purge_refuses_a_server_libpq_would_reach_elsewhere(monkeypatch, url, environment, named):
    for variable in ("PGHOST", "PGHOSTADDR", "PGSERVICE"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)

    with pytest.raises(PurgeRefused) as refused:
        purge_plan(PlatformSettings(pg_admin_url=url))

    assert named in str(refused.value) and "不在本机" in str(refused.value)


def test_the_confirmation_names_each_server_without_its_credentials():
    plan = purge_plan(
        PlatformSettings(
            pg_admin_url="postgresql://postgres:s3cr3t-pw@127.0.0.1:5432/postgres",
            rabbit_management_url="http://guest:guest@127.0.0.1:15672",
        )
    )

    shown = "\n".join(plan.lines())
    assert "WUYUAN_PG_ADMIN_URL 127.0.0.1:5432" in shown and "WUYUAN_RABBIT_MANAGEMENT_URL 127.0.0.1:15672" in shown
    assert "s3cr3t-pw" not in shown and "guest:guest" not in shown


def test_the_command_section_of_the_readme_documents_purge():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The `wuyuan` command") : readme.index("## The services")]

    assert "wuyuan down --purge" in section and "make clean" in section
    assert json.dumps("local_platform_not_running").strip('"') in section


def test_every_command_the_readme_gives_to_run_works_on_a_fresh_clone():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = readme.split("```sh")[1:]
    lines = [line.strip() for block in blocks for line in block.split("```")[0].splitlines()]
    commands = [part.strip() for line in lines for part in line.split("#")[0].split(";")]

    assert not [command for command in commands if command.startswith("wuyuan ")]
    # The agency made with `agency new` is not the Node example's (code `women`): following both must not collide.
    assert "agency new women" not in readme


def test_status_reads_in_chinese_with_its_codes_kept_under_json(monkeypatch):
    from wuyuan import supervise

    statuses = [
        supervise.ServiceStatus("intake", 4242, "running", "http://127.0.0.1:8701"),
        supervise.ServiceStatus("women", None, "fatal", "http://127.0.0.1:8712", kind="external"),
    ]
    monkeypatch.setattr(supervise, "status", lambda settings, services=None, check_ready=False: statuses)

    shown = run("status").output
    as_json = json.loads(run("status", "--json").output)

    assert "服务" in shown and "运行中" in shown and "启动失败" in shown and "外部机构" in shown
    assert [s["state"] for s in as_json] == ["running", "fatal"]
    assert "未就绪" not in shown


def test_status_names_every_service_of_the_platform_in_chinese_the_console_and_identity_included(monkeypatch, tmp_path):
    from wuyuan import supervise
    from wuyuan.settings import PlatformSettings

    services = PlatformSettings(state_dir=tmp_path).services
    statuses = [
        supervise.ServiceStatus(name, 4242, "running", f"http://127.0.0.1:{8701 + n}")
        for n, name in enumerate(services)
    ]
    monkeypatch.setattr(supervise, "status", lambda settings, services=None, check_ready=False: statuses)

    rows = run("status").output.splitlines()[1:]

    named = {row.split()[0]: row.split()[1] for row in rows if row.strip()}
    assert named["console"] == "工作台" and named["identity"] == "身份认证" and named["court_link"] == "法院"
    assert set(named) == set(services)
    assert not [service for service, name in named.items() if name == service]


def test_status_says_why_a_running_service_is_not_ready(monkeypatch):
    from wuyuan import supervise

    refused = (
        "GET http://127.0.0.1:8701/health: HTTP 503, database: DatabaseUnreachable: cannot connect: "
        'FATAL:  password authentication failed for user "wy_intake"'
    )
    statuses = [supervise.ServiceStatus("intake", 4242, "running", "http://127.0.0.1:8701", not_ready=refused)]
    monkeypatch.setattr(supervise, "status", lambda settings, services=None, check_ready=False: statuses)

    shown = run("status").output
    verbose = run("--verbose", "status").output
    [as_json] = json.loads(run("status", "--json").output)

    assert "运行中，未就绪" in shown and "信息收集组" in shown
    assert "信息收集组（intake）未就绪：连不上其数据库或消息队列：其登录被拒绝（密码不对或用户不存在）" in shown
    # The service's own words: --verbose and --json only.
    assert "password authentication failed" not in shown and "password authentication failed" in verbose
    assert as_json["not_ready"] == refused


def test_start_and_stop_name_the_service_as_operators_call_it(monkeypatch):
    from wuyuan import supervise

    def never_ready(settings, service, timeout):
        raise supervise.NotReady(service, "60 秒内没有回答正常", ["court_link listening"])

    monkeypatch.setattr(supervise, "start_service", never_ready)
    monkeypatch.setattr(supervise, "stop_service", lambda settings, service: None)

    started = failed_cleanly(run("start", "court"))
    stopped = run("stop", "court")

    assert "错误：法院（court_link）未就绪：60 秒内没有回答正常" in started
    assert stopped.exit_code == 0 and "法院（court_link）已停止" in stopped.output
