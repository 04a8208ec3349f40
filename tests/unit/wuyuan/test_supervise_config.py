"""The supervisord.conf that `wuyuan up` writes, read back with supervisord's own parser."""

import shlex
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from supervisor.options import ServerOptions

from tests.joined_agencies import shipped_config_with
from wuyuan import supervise
from wuyuan.settings import REPO_ROOT, PlatformSettings


@pytest.fixture
def state_dir():
    # Short and awkward on purpose: a space and a `%`, and short enough for a unix socket path.
    base = Path(tempfile.mkdtemp(prefix="wyconf-"))
    try:
        yield base / "st ate%d"
    finally:
        shutil.rmtree(base)


@pytest.fixture
def settings(state_dir, tmp_path) -> PlatformSettings:
    """A platform with the shipped agency registry: all its services Python ones."""
    return PlatformSettings(
        state_dir=state_dir,
        config_dir=shipped_config_with(tmp_path / "config"),
        # A URL-encoded password (`%25`), a comma and a quote.
        pg_admin_url="postgresql://postgres:it's-p%25ss,word@127.0.0.1:5432/postgres",
        http_port_base=9100,
    )


def parse(path: Path) -> ServerOptions:
    options = ServerOptions()
    options.configfile = str(path)
    options.process_config(do_usage=False)
    return options


def programs(options: ServerOptions) -> dict:
    [group] = options.process_group_configs
    assert group.name == supervise.GROUP
    return {program.name: program for program in group.process_configs}


def test_every_service_is_one_program_started_through_the_runtime(settings):
    parsed = programs(parse(supervise.write_config(settings)))

    assert list(parsed) == list(settings.services)
    for name, program in parsed.items():
        assert program.command == f"{sys.executable} -m shared.runtime {name}"
        assert program.directory == str(REPO_ROOT)


def test_each_service_receives_exactly_its_environment(settings):
    parsed = programs(parse(supervise.write_config(settings)))

    for name, program in parsed.items():
        assert program.environment == settings.service_environment(name)
        assert program.environment["WUYUAN_SERVICE"] == name
    # The awkward values arrive intact, not expanded or cut at the comma or quote.
    court = parsed["court_link"].environment
    court_db = settings.database_password("court_link")
    assert court["WUYUAN_DATABASE_URL"] == f"postgresql://wuyuan_court_link:{court_db}@127.0.0.1:5432/wuyuan_court_link"
    # Services connect as their own database roles; the admin's password never reaches them.
    assert all("p%25ss" not in str(program.environment) for program in parsed.values())
    # Each service connects with a password of its own, which only its own environment holds.
    court_password = settings.broker_password("court_link")
    assert f"wuyuan.court_link:{court_password}@" in court["WUYUAN_AMQP_URI"]
    assert all(court_password not in str(parsed[name].environment) for name in parsed if name != "court_link")


def test_percent_signs_are_escaped_in_the_file(settings):
    text = supervise.render_config(settings)

    assert "st ate%%d/supervisor.sock" in text
    assert "p%25ss" not in text.replace("%%", "%")  # the admin's password is not in the file at all


def test_logs_and_control_files_land_in_the_state_directory(settings, state_dir):
    options = parse(supervise.write_config(settings))
    parsed = programs(options)

    assert options.logfile == str(state_dir / "logs" / "supervisord.log")
    assert options.pidfile == str(state_dir / "supervisord.pid")
    [server] = options.configroot.supervisord.server_configs
    assert server["file"] == str(state_dir / "supervisor.sock")
    for name, program in parsed.items():
        assert program.stdout_logfile == str(state_dir / "logs" / f"{name}.log")
        assert program.redirect_stderr


def test_services_restart_on_crash_and_stop_gracefully_as_a_group(settings):
    for program in programs(parse(supervise.write_config(settings))).values():
        assert program.autorestart is not False
        assert program.startsecs == 1
        assert program.stopsignal == supervise.signal.SIGTERM
        assert program.stopwaitsecs == 15
        assert program.stopasgroup and program.killasgroup


def test_a_command_hook_replaces_the_runtime_command(settings):
    def fake(service):
        return ["/opt/fake agency/run", "--as", service]

    parsed = programs(parse(supervise.write_config(settings, ["court_link"], command_for=fake)))

    assert list(parsed) == ["court_link"]
    # supervisord splits the command the way a POSIX shell would.
    assert shlex.split(parsed["court_link"].command) == ["/opt/fake agency/run", "--as", "court_link"]


@pytest.mark.parametrize(
    "name",
    [
        "both ' and \" quotes",  # supervisord's environment syntax has no escape for this
        "cut ;here",  # configparser would take the rest of the line for a comment
        "two\nlines",
    ],
)
def test_values_supervisord_cannot_carry_are_refused_not_mangled(state_dir, name):
    config_dir = state_dir / name
    shutil.copytree(REPO_ROOT / "config", config_dir)
    settings = PlatformSettings(state_dir=state_dir, config_dir=config_dir)

    with pytest.raises(supervise.SupervisorError):
        supervise.render_config(settings)


def test_a_refused_value_is_named_by_its_variable_and_never_quoted_back(state_dir, monkeypatch):
    # The database URL carries the service's password: an error about it must not print it.
    secret = "postgresql://coordinator:s3cret ;pw@127.0.0.1:5432/wuyuan_coordinator"
    settings = PlatformSettings(state_dir=state_dir)
    real = PlatformSettings.service_environment

    def with_secret(self, service):
        return {**real(self, service), "WUYUAN_DATABASE_URL": secret}

    monkeypatch.setattr(PlatformSettings, "service_environment", with_secret)

    with pytest.raises(supervise.SupervisorError) as refused:
        supervise.render_config(settings)

    assert "WUYUAN_DATABASE_URL" in str(refused.value)
    assert "s3cret" not in str(refused.value)
    assert "请改正后再启动" in str(refused.value)


def test_a_state_directory_too_long_for_a_socket_is_refused_with_advice(tmp_path):
    settings = PlatformSettings(state_dir=tmp_path / ("deep" * 30))

    with pytest.raises(supervise.SupervisorError, match="WUYUAN_STATE_DIR"):
        supervise.render_config(settings)


def test_without_supervisord_every_service_is_stopped(settings):
    statuses = supervise.status(settings)

    assert [s.name for s in statuses] == list(settings.services)
    assert {(s.state, s.pid) for s in statuses} == {("stopped", None)}
    assert statuses[0].url == "http://127.0.0.1:9101"
    assert not supervise.is_running(settings)


def test_log_tail_returns_the_last_lines(settings):
    log = supervise.log_path(settings, "intake")
    log.parent.mkdir(parents=True)
    log.write_text("".join(f"line {n} 登记\n" for n in range(5000)), encoding="utf-8")

    assert supervise.log_tail(settings, "intake", 3) == ["line 4997 登记", "line 4998 登记", "line 4999 登记"]
    assert supervise.log_tail(settings, "coordinator") == []


def test_the_tail_of_a_service_that_did_not_come_up_leaves_out_the_health_checks_that_waited_for_it(settings):
    log = supervise.log_path(settings, "petition_link")
    log.parent.mkdir(parents=True)
    cause = (
        '{"event": "error connecting in \'petition_link-pool\'", "level": "warning",'
        ' "error": "role \\"wuyuan_petition_link\\" is not permitted to log in"}'
    )
    probe = '{"event": "http request", "method": "GET", "path": "/health", "status": 503, "duration_ms": 1.2}'
    ready = '{"event": "http request", "method": "GET", "path": "/health/ready", "status": 503, "duration_ms": 0.9}'
    asked = '{"event": "http request", "method": "GET", "path": "/api/v1/petitions", "status": 503, "duration_ms": 3}'
    log.write_text("\n".join(["starting petition_link", cause, *[probe, ready] * 240, asked]) + "\n", encoding="utf-8")

    assert supervise.failure_tail(settings, "petition_link") == ["starting petition_link", cause, asked]
    assert supervise.log_tail(settings, "petition_link", 2) == [ready, asked]  # `wuyuan logs` shows every line


def test_the_config_holding_passwords_and_secrets_is_readable_by_its_owner_only(settings):
    path = supervise.write_config(settings)

    assert path.stat().st_mode & 0o777 == 0o600


def test_logs_and_spans_are_readable_by_the_platform_user_alone(settings):
    options = parse(supervise.write_config(settings))

    assert options.umask == 0o077  # supervisord's log and every service's stdout log it writes
    assert settings.log_dir.stat().st_mode & 0o777 == 0o700
    assert settings.trace_dir.stat().st_mode & 0o777 == 0o700


def test_a_service_is_not_started_again_on_secrets_that_are_no_longer_the_platforms(settings):
    supervise.write_config(settings, ["intake", "supervision"])
    supervise.require_current_config(settings)  # as written: nothing to say

    # `wuyuan restore supervision --restore-secrets` put the backup's rating-link key in place.
    (settings.state_dir / "secrets" / "rating-link").write_text("a" * 64 + "\n", encoding="ascii")

    with pytest.raises(supervise.ConfigChanged, match="wuyuan up -d"):
        supervise.require_current_config(settings)
    supervise.write_config(settings, ["intake", "supervision"])  # what `wuyuan up -d` writes before it reloads
    supervise.require_current_config(settings)


HOUSING = """
[agencies.housing]
name_zh = "住建局"
name_en = "Housing bureau"
service = "housing_link"
unit_digits = 6
unit_name = "{place}住建局"
"""


def with_housing(settings: PlatformSettings, config_dir: Path) -> PlatformSettings:
    """The same platform after `wuyuan agency new housing … && wuyuan provision`: a unit more in its registry."""
    return PlatformSettings(
        state_dir=settings.state_dir,
        config_dir=shipped_config_with(config_dir, HOUSING),
        pg_admin_url=settings.pg_admin_url,
        http_port_base=settings.http_port_base,
    )


def test_an_agency_joined_since_up_is_said_as_the_agency_not_as_a_variable_the_operator_set(settings, tmp_path):
    supervise.write_config(settings)

    with pytest.raises(supervise.ConfigChanged) as refused:
        supervise.require_current_config(with_housing(settings, tmp_path / "joined"))

    said = str(refused.value)
    assert "自 wuyuan up 以来登记了新的单位（住建局 housing）" in said
    assert "请运行 wuyuan up -d" in said
    assert "WUYUAN_CONSOLE_API_URLS" not in said and "环境变量" not in said and "本终端" not in said


def test_an_agency_dropped_from_the_registry_since_up_is_named_by_its_service(settings, tmp_path):
    joined = with_housing(settings, tmp_path / "joined")
    supervise.write_config(joined)

    with pytest.raises(supervise.ConfigChanged) as refused:
        supervise.require_current_config(settings)

    assert "撤销了单位（housing_link）" in str(refused.value)
    assert "WUYUAN_CONSOLE_API_URLS" not in str(refused.value)
