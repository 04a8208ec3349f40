"""A service started without its settings says which environment variables are missing or wrong, one a line, and
never their values: not a traceback of the settings' validation."""

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from shared.auth.settings import AuthSettings
from shared.config import ServiceSettings
from shared.runtime.__main__ import refused_settings

SECRET = "Broker-Secret-7f3a9c"


def test_each_missing_or_wrong_setting_is_named_by_its_variable_without_its_value(monkeypatch, capsys):
    for name in ("WUYUAN_AMQP_USER", "WUYUAN_DATABASE_URL", "WUYUAN_DEV_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WUYUAN_SERVICE", "court_link")
    monkeypatch.setenv("WUYUAN_AMQP_URI", f"amqp://court:{SECRET}@127.0.0.1:5672/wuyuan")
    monkeypatch.setenv("WUYUAN_HTTP_ADDRESS", "not an address")
    with pytest.raises(ValidationError) as invalid:
        ServiceSettings()

    assert refused_settings("court_link", invalid.value) == 2

    said = capsys.readouterr().err.splitlines()
    assert said[0] == "court_link: not started: its settings are invalid"
    assert "  WUYUAN_AMQP_USER: Field required" in said and "  WUYUAN_DATABASE_URL: Field required" in said
    assert any(line.startswith("  WUYUAN_HTTP_ADDRESS: ") for line in said)
    assert SECRET not in "\n".join(said)


def test_a_dependencys_own_settings_are_named_by_their_own_prefix(monkeypatch, capsys):
    for name in ("WUYUAN_AUTH_ISSUER", "WUYUAN_AUTH_AUDIENCE", "WUYUAN_AUTH_JWKS_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError) as invalid:
        AuthSettings()

    refused_settings("court_link", invalid.value)

    assert "  WUYUAN_AUTH_JWKS_URL: Field required" in capsys.readouterr().err.splitlines()


def test_a_span_file_setting_out_of_range_is_named_not_a_traceback(tmp_path):
    # An operator trying rotation with a small limit: the service must say which variable, as for its other settings.
    environment = {
        **{k: v for k, v in os.environ.items() if not k.upper().startswith(("WUYUAN_", "OTEL_"))},
        "WUYUAN_SERVICE": "court_link",
        "WUYUAN_AMQP_URI": f"amqp://wuyuan.court_link:{SECRET}@127.0.0.1:5672/wuyuan",
        "WUYUAN_AMQP_USER": "wuyuan.court_link",
        "WUYUAN_DATABASE_URL": "postgresql://wuyuan_court_link@127.0.0.1:5432/wuyuan_court_link",
        "WUYUAN_TRACE_FILE": str(tmp_path / "court_link.jsonl"),
        "WUYUAN_TRACE_FILE_MAX_BYTES": "1000",
    }
    done = subprocess.run(
        [sys.executable, "-m", "shared.runtime", "court_link"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert any(line.startswith("  WUYUAN_TRACE_FILE_MAX_BYTES: ") for line in done.stderr.splitlines()), done.stderr
