"""The secret intake keys parties with: a deployment's own, never the manifest's placeholder outside development."""

import pytest
from pydantic import ValidationError

from services.intake.settings import intake_settings

PERSONAL_DATA_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
# What deploy/kubernetes/secret.yaml ships, for an operator to replace.
MANIFEST_PLACEHOLDER = "CHANGE-ME-party-key-secret-of-at-least-32-characters"


@pytest.fixture
def intake_env(run_as, monkeypatch):
    run_as("intake")
    monkeypatch.delenv("WUYUAN_DEV_MODE", raising=False)
    monkeypatch.setenv("WUYUAN_PERSONAL_DATA_KEY", PERSONAL_DATA_KEY)
    intake_settings.cache_clear()
    yield monkeypatch
    intake_settings.cache_clear()


def test_a_random_secret_is_taken(intake_env):
    intake_env.setenv("WUYUAN_PARTY_KEY_SECRET", "9f2c1e7a5b3d4c6e8f0a1b2c3d4e5f60718293a4")

    assert intake_settings().party_key_secret.get_secret_value().startswith("9f2c1e7a")


@pytest.mark.parametrize("secret", [MANIFEST_PLACEHOLDER, "placeholder-placeholder-placeholder-1"])
def test_the_manifest_placeholder_stops_intake_and_the_error_names_the_setting(intake_env, secret):
    intake_env.setenv("WUYUAN_PARTY_KEY_SECRET", secret)

    with pytest.raises(ValidationError) as refused:
        intake_settings()

    assert "party_key_secret" in str(refused.value)
    assert "WUYUAN_PARTY_KEY_SECRET: the secret is a placeholder" in str(refused.value)


def test_on_a_development_machine_a_placeholder_is_accepted(intake_env):
    intake_env.setenv("WUYUAN_DEV_MODE", "true")
    intake_env.setenv("WUYUAN_PARTY_KEY_SECRET", MANIFEST_PLACEHOLDER)

    assert intake_settings().party_key_secret.get_secret_value() == MANIFEST_PLACEHOLDER


def test_a_refused_secret_never_appears_in_the_error(intake_env):
    """The error reaches start-up logs: it names the setting and what is wrong, not the value."""
    real_but_short = "f3a9c2e71b5d48"
    intake_env.setenv("WUYUAN_PARTY_KEY_SECRET", real_but_short)

    with pytest.raises(ValidationError) as refused:
        intake_settings()

    assert "party_key_secret" in str(refused.value)
    assert real_but_short not in str(refused.value)
