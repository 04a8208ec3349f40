"""A service refuses to start on a broker password that is missing, short or a placeholder, or a database password
that is short or a placeholder, outside development."""

import pytest
from pydantic import ValidationError

from shared.config import ServiceSettings
from shared.secret_values import PlaceholderSecret, refuse_placeholder

REAL = "9c41d0e2b7a35f68e1c09b4d2a7f3e56"


def settings(amqp_uri: str, database_url: str = "postgresql://localhost/wuyuan_court_link", **extra) -> ServiceSettings:
    return ServiceSettings(
        service="court_link", amqp_uri=amqp_uri, amqp_user="wuyuan.court_link", database_url=database_url, **extra
    )


@pytest.mark.parametrize(
    "value",
    ["", None, "wuyuan-dev", "guest", "CHANGE-ME", "change-me", "changeme", "password", "my-placeholder-secret-here"],
)
def test_placeholders_and_empty_secrets_are_refused_by_name(value):
    with pytest.raises(PlaceholderSecret, match="WUYUAN_SOMETHING"):
        refuse_placeholder("WUYUAN_SOMETHING", value, dev_mode=False)


def test_a_short_secret_is_refused_and_the_minimum_can_be_raised():
    with pytest.raises(PlaceholderSecret, match="shorter than 16"):
        refuse_placeholder("WUYUAN_SOMETHING", "s3cr3t-but-tiny", dev_mode=False)
    with pytest.raises(PlaceholderSecret, match="shorter than 64"):
        refuse_placeholder("WUYUAN_SOMETHING", REAL, dev_mode=False, min_length=64)


def test_a_random_secret_passes_and_development_mode_accepts_anything():
    refuse_placeholder("WUYUAN_SOMETHING", REAL, dev_mode=False)
    refuse_placeholder("WUYUAN_SOMETHING", "guest", dev_mode=True)


@pytest.mark.parametrize(
    "uri",
    [
        "amqp://wuyuan.court_link:CHANGE-ME@rabbitmq:5672/wuyuan",
        "amqp://wuyuan.court_link:wuyuan-dev@rabbitmq:5672/wuyuan",
        "amqp://wuyuan.court_link@rabbitmq:5672/wuyuan",
        "amqp://guest:guest@127.0.0.1:5672/wuyuan",
    ],
)
def test_a_service_will_not_start_on_a_placeholder_broker_password(uri, monkeypatch):
    monkeypatch.delenv("WUYUAN_DEV_MODE", raising=False)
    with pytest.raises(ValidationError, match="WUYUAN_AMQP_URI"):
        settings(uri)


def test_a_service_starts_on_its_own_random_password_or_in_development_mode(monkeypatch):
    monkeypatch.delenv("WUYUAN_DEV_MODE", raising=False)
    assert settings(f"amqp://wuyuan.court_link:{REAL}@rabbitmq:5672/wuyuan").vhost == "wuyuan"

    monkeypatch.setenv("WUYUAN_DEV_MODE", "true")
    assert settings("amqp://guest:guest@127.0.0.1:5672/wuyuan").dev_mode


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://wuyuan_court_link:CHANGE-ME@postgres:5432/wuyuan_court_link",
        "postgresql://wuyuan_court_link:password@postgres:5432/wuyuan_court_link",
        "postgresql://wuyuan_court_link:short@postgres:5432/wuyuan_court_link",
        "postgresql://wuyuan_court_link:@postgres:5432/wuyuan_court_link",
    ],
)
def test_a_service_will_not_start_on_a_placeholder_database_password(url, monkeypatch):
    monkeypatch.delenv("WUYUAN_DEV_MODE", raising=False)
    with pytest.raises(ValidationError, match="WUYUAN_DATABASE_URL: the secret") as refused:
        settings(f"amqp://wuyuan.court_link:{REAL}@rabbitmq:5672/wuyuan", database_url=url)
    assert "CHANGE-ME" not in str(refused.value) and "short@" not in str(refused.value)


def test_a_database_reached_without_a_password_or_with_a_real_one_is_accepted(monkeypatch):
    monkeypatch.delenv("WUYUAN_DEV_MODE", raising=False)
    broker = f"amqp://wuyuan.court_link:{REAL}@rabbitmq:5672/wuyuan"
    for url in (
        "postgresql://localhost/wuyuan_court_link",  # a socket's peer, a client certificate
        f"postgresql://wuyuan_court_link:{REAL}@postgres:5432/wuyuan_court_link",
    ):
        assert settings(broker, database_url=url).database_url == url
    monkeypatch.setenv("WUYUAN_DEV_MODE", "true")
    assert settings(broker, database_url="postgresql://wuyuan:wuyuan-dev@localhost/wuyuan_court_link").dev_mode
