"""The secret petitioners are keyed with: the deployment's own, a development one in development mode, else none."""

import pytest
from pydantic import ValidationError

from services.petition_link.dependencies import PetitionKey
from services.petition_link.settings import DEVELOPMENT_KEY, petition_settings
from tests.service.petition_link.conftest import PETITION_KEY


@pytest.fixture
def petition_env(run_as, monkeypatch):
    """The petition service's environment, without a key or development mode unless a test sets them."""
    run_as("petition_link")
    for name in ("WUYUAN_PETITION_KEY_SECRET", "WUYUAN_DEV_MODE"):
        monkeypatch.delenv(name, raising=False)
    petition_settings.cache_clear()
    yield monkeypatch
    petition_settings.cache_clear()


def key_at_start() -> bytes | None:
    provider = PetitionKey()
    provider.setup()
    return provider.get_dependency(worker_ctx=None)


def test_the_service_keys_petitioners_with_the_configured_secret(petition_env):
    petition_env.setenv("WUYUAN_PETITION_KEY_SECRET", PETITION_KEY.decode())

    assert key_at_start() == PETITION_KEY


def test_without_a_secret_outside_development_there_is_no_key_and_the_error_names_the_setting(petition_env, caplog):
    assert key_at_start() is None
    assert "WUYUAN_PETITION_KEY_SECRET is not set" in caplog.text


def test_on_a_development_machine_a_development_key_stands_in(petition_env):
    petition_env.setenv("WUYUAN_DEV_MODE", "true")

    assert key_at_start() == DEVELOPMENT_KEY


@pytest.mark.parametrize(
    "secret", ["too short", "change-me-change-me-change-me-change-me"], ids=["short", "placeholder"]
)
def test_a_secret_that_is_set_but_short_or_a_placeholder_stops_the_service(petition_env, secret):
    petition_env.setenv("WUYUAN_PETITION_KEY_SECRET", secret)

    with pytest.raises(ValidationError, match="petition_key_secret"):
        key_at_start()
