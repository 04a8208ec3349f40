"""Every broker user has a password of its own: made once and kept locally, or configured per user."""

import json
import re
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError

from wuyuan.provision_amqp import _permissions
from wuyuan.settings import OPERATOR, PlatformSettings

# Every service of a platform with the shipped agency registry.
SERVICES = PlatformSettings().services

COURT = "3b8f0c6d1e2a4957b6c0d8e1f2a3b4c5"


@pytest.fixture(autouse=True)
def no_configured_passwords(monkeypatch):
    for name in ("WUYUAN_BROKER_PASSWORDS", "WUYUAN_DEV_MODE"):
        monkeypatch.delenv(name, raising=False)


def test_each_user_gets_a_random_password_of_its_own_kept_private_and_reused(tmp_path):
    settings = PlatformSettings(state_dir=tmp_path)
    passwords = {user: settings.broker_password(user) for user in (*SERVICES, OPERATOR)}

    assert len(set(passwords.values())) == len(passwords)
    assert all(len(p) == 64 and int(p, 16) >= 0 for p in passwords.values())  # hex: safe in a URI
    kept = tmp_path / "secrets" / "broker"
    assert kept.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "secrets").stat().st_mode & 0o077 == 0
    assert {(kept / user).stat().st_mode & 0o777 for user in passwords} == {0o600}
    again = PlatformSettings(state_dir=tmp_path)
    assert all(again.broker_password(user) == p for user, p in passwords.items())


def test_deleting_a_kept_password_makes_a_new_one_for_that_user_only(tmp_path):
    settings = PlatformSettings(state_dir=tmp_path)
    court, police = settings.broker_password("court_link"), settings.broker_password("police_link")

    (tmp_path / "secrets" / "broker" / "court_link").unlink()

    assert settings.broker_password("court_link") != court
    assert settings.broker_password("police_link") == police


def test_a_services_uri_carries_its_own_user_and_password(tmp_path):
    settings = PlatformSettings(state_dir=tmp_path)
    uri = urlsplit(settings.service_amqp_uri("court_link"))

    assert (uri.username, uri.password) == ("wuyuan.court_link", settings.broker_password("court_link"))
    assert settings.service_environment("court_link")["WUYUAN_AMQP_URI"] == uri.geturl()
    assert settings.broker_password("police_link") not in str(settings.service_environment("court_link"))


def test_configured_passwords_take_the_place_of_kept_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("WUYUAN_BROKER_PASSWORDS", json.dumps({"court_link": COURT}))
    settings = PlatformSettings(state_dir=tmp_path)

    assert settings.broker_password("court_link") == COURT
    assert not (tmp_path / "secrets" / "broker" / "court_link").exists()
    assert COURT not in repr(settings)


@pytest.mark.parametrize(
    ("passwords", "named"),
    [
        ({"nosuchagency_link": COURT}, "unknown user 'nosuchagency_link'"),
        ({"court_link": "not/safe@in:a#uri-at-all"}, "broker_passwords.court_link"),
        ({"court_link": "CHANGE-ME"}, "WUYUAN_BROKER_PASSWORDS.court_link"),
        ({"operator": "wuyuan-dev"}, "WUYUAN_BROKER_PASSWORDS.operator"),
        ({"intake": "tooshort"}, "WUYUAN_BROKER_PASSWORDS.intake"),
    ],
)
def test_a_bad_configured_password_is_refused_by_name(passwords, named, monkeypatch):
    monkeypatch.setenv("WUYUAN_BROKER_PASSWORDS", json.dumps(passwords))
    with pytest.raises(ValidationError, match=named):
        PlatformSettings()


def test_development_mode_accepts_a_placeholder_password(monkeypatch):
    monkeypatch.setenv("WUYUAN_BROKER_PASSWORDS", json.dumps({"court_link": "CHANGE-ME"}))
    monkeypatch.setenv("WUYUAN_DEV_MODE", "1")

    assert PlatformSettings().broker_password("court_link") == "CHANGE-ME"


# The console and identity answer HTTP alone: they send no message and take none.
SILENT = ("identity", "console")
MESSAGING = [service for service in SERVICES if service not in SILENT]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_may_write_no_other_services_dead_letter_exchange(service):
    permissions, _ = _permissions(PlatformSettings(), service)
    write = re.compile(permissions["write"])

    assert bool(write.search(f"wuyuan.dead.{service}")) == (service in MESSAGING)
    assert not any(write.search(f"wuyuan.dead.{other}") for other in SERVICES if other != service)
    assert not write.search("wuyuan.dead")  # the old shared exchange, through which anyone could plant


@pytest.mark.parametrize("service", MESSAGING)
def test_a_service_that_sends_and_takes_messages_writes_documents_and_reads_its_own_inbox_only(service):
    permissions, topic = _permissions(PlatformSettings(), service)

    assert re.search(permissions["write"], "wuyuan.documents")
    assert re.search(permissions["read"], f"wuyuan.{service}.inbox")
    assert not any(re.search(permissions["read"], f"wuyuan.{other}.inbox") for other in SERVICES if other != service)
    assert re.search(topic["write"], "coordinator.ReferralAccepted")


@pytest.mark.parametrize("service", SILENT)
def test_the_console_and_identity_may_write_read_and_address_nothing(service):
    permissions, topic = _permissions(PlatformSettings(), service)

    assert permissions == {"configure": "^$", "write": "^$", "read": "^$"}
    assert (topic["write"], topic["read"]) == ("^$", "^$")
    for routing_key in ("coordinator.ReferralAccepted", "intake.RegisterDispute", "supervision.LinkRecordNoted"):
        assert not re.search(topic["write"], routing_key)
