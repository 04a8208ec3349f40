"""A service started without its settings says which environment variables are missing or wrong, one a line, and
never their values: not a traceback of the settings' validation."""

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
