"""What a service started by `wuyuan up` finds in its environment: the operator's settings for the services, never the
platform's admin URLs, passwords and keys exported where `wuyuan up` ran; and a setting changed since reaches the
services on the next `wuyuan up -d`."""

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from wuyuan import supervise
from wuyuan.ports import free_port_base
from wuyuan.settings import PlatformSettings

# Every service's port above the base: a platform running on this machine must not make the start refuse.
PORTS_SPANNED = 16

ADMIN_PASSWORD = "admin-Secret-4f9d2c7b1e"
PERSONAL_DATA_KEY = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="


@pytest.fixture
def settings():
    # Short enough for a unix socket path, and a name of this test's own.
    state = Path(tempfile.mkdtemp(prefix="wyenv-"))
    try:
        yield PlatformSettings(state_dir=state, http_port_base=free_port_base(PORTS_SPANNED))
    finally:
        shutil.rmtree(state)


def writes_its_environment(settings: PlatformSettings):
    """A stand-in for a service: writes the environment it was started with, then waits to be stopped."""

    def command(service: str) -> list[str]:
        dump = settings.state_dir / f"{service}.env"
        return ["sh", "-c", f"env > '{dump}.tmp' && mv '{dump}.tmp' '{dump}' && exec sleep 60"]

    return command


def environment_of(settings: PlatformSettings, service: str, *, not_before: float = 0.0) -> dict[str, str]:
    """The environment the stand-in last wrote (after `not_before`, a file's modification time)."""
    dump = settings.state_dir / f"{service}.env"
    deadline = time.monotonic() + 20
    while not (dump.exists() and dump.stat().st_mtime_ns > not_before):
        assert time.monotonic() < deadline, f"{service} never wrote its environment"
        time.sleep(0.05)
    lines = dump.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def test_a_service_gets_the_operators_settings_and_none_of_the_platforms_secrets(settings, monkeypatch):
    monkeypatch.setenv("WUYUAN_PG_ADMIN_URL", f"postgresql://postgres:{ADMIN_PASSWORD}@127.0.0.1:5432/postgres")
    monkeypatch.setenv("WUYUAN_AMQP_ADMIN_URI", f"amqp://admin:{ADMIN_PASSWORD}@127.0.0.1:5672/")
    monkeypatch.setenv("wuyuan_broker_passwords", f'{{"operator": "{ADMIN_PASSWORD}"}}')  # any case is read
    monkeypatch.setenv("WUYUAN_PERSONAL_DATA_KEY", PERSONAL_DATA_KEY)
    monkeypatch.setenv("WUYUAN_TRACE_FILE_MAX_BYTES", "65536")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.example:4318")

    supervise.start(settings, detach=True, services=["court_link"], command_for=writes_its_environment(settings))
    try:
        court = environment_of(settings, "court_link")
    finally:
        supervise.stop(settings)

    assert ADMIN_PASSWORD not in str(court)
    assert PERSONAL_DATA_KEY not in str(court)  # intake's key: intake alone is given it
    assert court["WUYUAN_TRACE_FILE_MAX_BYTES"] == "65536"
    assert court["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://collector.example:4318"
    assert court["WUYUAN_AMQP_USER"] == f"{settings.vhost}.court_link"  # its own settings, as before
    assert "PATH" in court  # the rest of the operator's environment is inherited as it was


def test_a_setting_changed_since_up_reaches_the_services_on_the_next_up(settings, monkeypatch):
    monkeypatch.setenv("WUYUAN_TRACE_FILE_MAX_BYTES", "65536")
    monkeypatch.setenv("WUYUAN_PUBLISH_SPANS", "all")
    command = writes_its_environment(settings)
    supervise.start(settings, detach=True, services=["court_link"], command_for=command)
    try:
        first = environment_of(settings, "court_link")
        written = (settings.state_dir / "court_link.env").stat().st_mtime_ns

        monkeypatch.setenv("WUYUAN_TRACE_FILE_MAX_BYTES", "131072")
        monkeypatch.delenv("WUYUAN_PUBLISH_SPANS")
        supervise.start(settings, detach=True, services=["court_link"], command_for=command)  # `wuyuan up -d` again
        again = environment_of(settings, "court_link", not_before=written)
    finally:
        supervise.stop(settings)

    assert (first["WUYUAN_TRACE_FILE_MAX_BYTES"], first["WUYUAN_PUBLISH_SPANS"]) == ("65536", "all")
    assert again["WUYUAN_TRACE_FILE_MAX_BYTES"] == "131072"
    assert "WUYUAN_PUBLISH_SPANS" not in again  # unset since: gone, not left over in supervisord's environment


def test_the_platforms_own_variables_are_not_passed_on_as_they_are():
    operators = supervise.passed_on(
        {
            "WUYUAN_VHOST": "wyh",
            "WUYUAN_CLI_TOKEN": "a-token",
            "Wuyuan_Pg_Admin_Urls": "{}",
            "WUYUAN_DB_SPAN_MIN_MS": "0",
            "OTEL_SERVICE_NAME": "x",
            "HOME": "/root",
        }
    )

    assert operators == {"OTEL_SERVICE_NAME": "x", "WUYUAN_DB_SPAN_MIN_MS": "0"}


def test_a_development_platform_tells_its_services_so(tmp_path):
    developing = PlatformSettings(dev_mode=True, state_dir=tmp_path).service_environment("court_link")
    assert developing["WUYUAN_DEV_MODE"] == "true"
    working = PlatformSettings(dev_mode=False, state_dir=tmp_path).service_environment("court_link")
    assert "WUYUAN_DEV_MODE" not in working


def test_a_start_refused_on_changed_settings_names_them_never_their_values(settings, monkeypatch):
    monkeypatch.setenv("WUYUAN_TRACE_FILE_MAX_BYTES", "65536")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer sekrit-token")
    supervise.write_config(settings, ["court_link"])  # as `wuyuan up` wrote it
    supervise.require_current_config(settings)  # the same shell: nothing to say

    # Another terminal, without the tuning `wuyuan up` ran with and with another collector's credentials.
    monkeypatch.delenv("WUYUAN_TRACE_FILE_MAX_BYTES")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer other-token")
    with pytest.raises(supervise.ConfigChanged) as refused:
        supervise.require_current_config(settings)

    assert "OTEL_EXPORTER_OTLP_HEADERS、WUYUAN_TRACE_FILE_MAX_BYTES" in str(refused.value)
    assert "token" not in str(refused.value) and "65536" not in str(refused.value)


def test_supervision_embeds_the_first_chinese_font_installed_unless_the_operator_names_one(tmp_path, monkeypatch):
    from wuyuan import settings as platform

    song, hei = tmp_path / "song.ttc", tmp_path / "hei.ttc"
    hei.write_bytes(b"")
    monkeypatch.setattr(platform, "DOCUMENT_FONTS", (f"{song}#0", f"{hei}#0"))
    monkeypatch.delenv("WUYUAN_DOCUMENT_FONT", raising=False)
    state = tmp_path / "state"

    assert PlatformSettings(state_dir=state).service_environment("supervision")["WUYUAN_DOCUMENT_FONT"] == f"{hei}#0"
    song.write_bytes(b"")
    assert PlatformSettings(state_dir=state).service_environment("supervision")["WUYUAN_DOCUMENT_FONT"] == f"{song}#0"
    # The operator's choice stands, even an empty one (the reader's STSong-Light); other services get none.
    monkeypatch.setenv("WUYUAN_DOCUMENT_FONT", "")
    assert PlatformSettings(state_dir=state).service_environment("supervision")["WUYUAN_DOCUMENT_FONT"] == ""
    assert "WUYUAN_DOCUMENT_FONT" not in PlatformSettings(state_dir=state).service_environment("intake")
    monkeypatch.setattr(platform, "DOCUMENT_FONTS", (f"{tmp_path}/none.ttc#0",))
    monkeypatch.delenv("WUYUAN_DOCUMENT_FONT")
    assert "WUYUAN_DOCUMENT_FONT" not in PlatformSettings(state_dir=state).service_environment("supervision")
