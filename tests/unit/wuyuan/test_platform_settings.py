"""Platform settings from the environment: a database server per agency, the queue type, the retry delay."""

import json

import pytest
from pydantic import ValidationError

from shared.contracts.messages import ReferralIssued
from shared.messaging.topology import service_queues
from tests.joined_agencies import NODE_EXAMPLE, shipped_config_with
from wuyuan.cli_errors import setting_errors
from wuyuan.settings import PlatformSettings

# Every service of a platform with the shipped agency registry.
SERVICES = PlatformSettings().services

COURT_SERVER = "postgresql://wuyuan:s3cret@court-db.example:5432/postgres"


def test_a_service_with_its_own_server_gets_its_database_there_and_the_others_keep_the_shared_one(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("WUYUAN_PG_ADMIN_URLS", json.dumps({"court_link": COURT_SERVER}))
    settings = PlatformSettings(db_prefix="wuyuan_", state_dir=tmp_path)
    court = settings.database_url("court_link")
    court_password = (tmp_path / "secrets" / "postgres" / "court_link").read_text().strip()
    police = settings.database_url("police_link")
    police_password = (tmp_path / "secrets" / "postgres" / "police_link").read_text().strip()
    assert court == f"postgresql://wuyuan_court_link:{court_password}@court-db.example:5432/wuyuan_court_link"
    assert police == f"postgresql://wuyuan_police_link:{police_password}@127.0.0.1:5432/wuyuan_police_link"
    assert (
        settings.admin_database_url("court_link")
        == "postgresql://wuyuan:s3cret@court-db.example:5432/wuyuan_court_link"
    )


def test_each_service_connects_as_its_own_role_with_a_password_kept_for_it_alone(tmp_path):
    settings = PlatformSettings(db_prefix="wyt_", state_dir=tmp_path)
    first = settings.database_url("intake")
    kept = tmp_path / "secrets" / "postgres" / "intake"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert settings.database_url("intake") == first  # kept, not remade
    assert settings.database_password("intake") != settings.database_password("coordinator")
    assert first.startswith("postgresql://wyt_intake:")


def test_a_server_for_a_service_that_does_not_exist_is_refused_by_name():
    with pytest.raises(ValidationError, match="pg_admin_urls: unknown service 'nosuchagency_link'"):
        PlatformSettings(pg_admin_urls={"nosuchagency_link": COURT_SERVER})


def test_a_server_url_that_is_not_postgresql_is_refused_by_service():
    with pytest.raises(ValidationError, match=r"pg_admin_urls\.court_link: not a postgresql:// URL"):
        PlatformSettings(pg_admin_urls={"court_link": "mysql://court-db:3306"})


def test_the_queue_type_is_classic_or_quorum_and_nothing_else(monkeypatch):
    monkeypatch.setenv("WUYUAN_QUEUE_TYPE", "stream")
    with pytest.raises(ValidationError, match="queue_type"):
        PlatformSettings()


def test_quorum_queues_are_declared_as_such_and_classic_ones_keep_their_old_arguments():
    quorum = service_queues("court_link", [ReferralIssued], 5000, "quorum")
    classic = service_queues("court_link", [ReferralIssued], 5000)
    assert [q.arguments.get("x-queue-type") for q in quorum] == ["quorum"] * 3
    assert all("x-queue-type" not in q.arguments for q in classic)
    retry = next(q for q in quorum if q.name.endswith(".retry"))
    assert retry.arguments["x-message-ttl"] == 5000


# --- intake's party key secret --------------------------------------------------------------

OPERATORS_SECRET = "f" * 64


def test_only_intake_is_given_the_party_key_secret(tmp_path):
    settings = PlatformSettings(state_dir=tmp_path, party_key_secret=OPERATORS_SECRET)

    assert settings.service_environment("intake")["WUYUAN_PARTY_KEY_SECRET"] == OPERATORS_SECRET
    assert all("WUYUAN_PARTY_KEY_SECRET" not in settings.service_environment(s) for s in SERVICES if s != "intake")


def test_without_a_configured_secret_one_is_made_once_kept_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("WUYUAN_PARTY_KEY_SECRET", raising=False)
    first = PlatformSettings(state_dir=tmp_path).service_environment("intake")["WUYUAN_PARTY_KEY_SECRET"]
    again = PlatformSettings(state_dir=tmp_path).service_environment("intake")["WUYUAN_PARTY_KEY_SECRET"]

    kept = tmp_path / "secrets" / "party-key"
    assert len(first) == 64 and first == again == kept.read_text().strip()
    assert kept.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "secrets").stat().st_mode & 0o077 == 0


def test_another_platform_makes_a_secret_of_its_own(tmp_path, monkeypatch):
    monkeypatch.delenv("WUYUAN_PARTY_KEY_SECRET", raising=False)
    one = PlatformSettings(state_dir=tmp_path / "one").party_key_secret_value()
    other = PlatformSettings(state_dir=tmp_path / "other").party_key_secret_value()

    assert one != other


def test_a_configured_secret_shorter_than_32_characters_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("WUYUAN_PARTY_KEY_SECRET", "hunter2")
    with pytest.raises(ValidationError, match="party_key_secret"):
        PlatformSettings()


def test_where_provisioning_connects_as_the_services_own_role_its_url_and_password_are_kept(tmp_path):
    """CloudNativePG makes each database's owner and hands out its URL: that role is used as it is."""
    owner_url = "postgresql://wuyuan_court_link:cnpg-made-secret-123@court-link-db-rw:5432/wuyuan_court_link"
    settings = PlatformSettings(state_dir=tmp_path, pg_admin_urls={"court_link": owner_url})

    assert settings.admin_is_the_role("court_link")
    assert settings.database_url("court_link") == owner_url
    assert not settings.admin_is_the_role("intake")
    assert not (tmp_path / "secrets" / "postgres" / "court_link").exists()  # no password of ours for it


def test_an_added_agency_moves_no_service_port(tmp_path):
    shipped = PlatformSettings(config_dir=shipped_config_with(tmp_path / "shipped"))
    joined = PlatformSettings(config_dir=shipped_config_with(tmp_path / "joined", NODE_EXAMPLE))

    assert joined.services == (*shipped.services, "women_link")
    assert {s: joined.http_port(s) for s in shipped.services} == {s: shipped.http_port(s) for s in shipped.services}
    assert joined.http_port("women_link") == joined.http_port_base + 11
    assert joined.service_environment("women_link")["WUYUAN_AMQP_USER"] == f"{joined.vhost}.women_link"


def test_the_shipped_ports_are_those_the_readmes_give():
    settings = PlatformSettings()
    shipped = {
        "intake": 1,
        "coordinator": 2,
        "supervision": 3,
        "court_link": 4,
        "police_link": 5,
        "justice_link": 6,
        "petition_link": 7,
        "stability": 8,
        "identity": 9,
        "console": 10,
    }
    added = [s for s in settings.services if s not in shipped]

    assert {s: settings.http_port(s) - settings.http_port_base for s in shipped} == shipped
    # Agencies an integrator has registered since come after them, in the registry's order.
    assert [settings.http_port(s) - settings.http_port_base for s in added] == list(range(11, 11 + len(added)))


def test_a_missing_registry_is_named(tmp_path):
    with pytest.raises(ValueError, match="config_dir: no agency registry at"):
        PlatformSettings(config_dir=tmp_path)


# --- WUYUAN_HTTP_HOST ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "says"),
    [
        ("not a host", "WUYUAN_HTTP_HOST：不是主机名或 IPv4 地址；应如 127.0.0.1、0.0.0.0 或 localhost"),
        ("", "WUYUAN_HTTP_HOST：不是主机名或 IPv4 地址"),
        ("127.0.0.1:8700", "WUYUAN_HTTP_HOST：不是主机名或 IPv4 地址"),  # the port is WUYUAN_HTTP_PORT_BASE's
        ("10.0.0.256", "WUYUAN_HTTP_HOST：不是主机名或 IPv4 地址"),
        ("-zzzx.example.cn", "WUYUAN_HTTP_HOST：不是主机名或 IPv4 地址"),
        ("http://127.0.0.1", "WUYUAN_HTTP_HOST：不是主机名或 IPv4 地址"),
        ("::1", "WUYUAN_HTTP_HOST：服务不能在 IPv6 地址上监听；请用 IPv4 地址或主机名"),
    ],
)
def test_a_host_the_services_cannot_listen_on_is_refused_in_chinese_by_name(host, says):
    with pytest.raises(ValidationError) as refused:
        PlatformSettings(http_host=host)

    [line] = setting_errors(refused.value)
    assert line.startswith(says)


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8702"),
        ("0.0.0.0", "http://0.0.0.0:8702"),
        ("localhost", "http://localhost:8702"),
        ("zzzx-app.qidong.example.cn", "http://zzzx-app.qidong.example.cn:8702"),
    ],
)
def test_a_host_name_or_ipv4_address_is_where_the_local_platform_is_reached(host, url, tmp_path):
    settings = PlatformSettings(http_host=host, http_port_base=8700, state_dir=tmp_path)

    assert settings.http_base_url("coordinator") == url
    assert settings.service_environment("coordinator")["WUYUAN_HTTP_ADDRESS"] == url.removeprefix("http://")


def test_identity_trusts_the_console_at_the_address_a_host_name_resolves_to(tmp_path):
    """Identity takes addresses and networks, never names: given one, it would not start."""
    by_name = PlatformSettings(http_host="localhost", state_dir=tmp_path).service_environment("identity")
    by_address = PlatformSettings(http_host="10.0.0.5", state_dir=tmp_path).service_environment("identity")

    assert json.loads(by_name["WUYUAN_IDENTITY_TRUSTED_PROXIES"]) == ["127.0.0.1"]
    assert json.loads(by_address["WUYUAN_IDENTITY_TRUSTED_PROXIES"]) == ["10.0.0.5"]


def test_identity_trusts_the_console_on_loopback_when_the_services_listen_on_every_address(tmp_path):
    """The console reaches http://0.0.0.0:… on loopback: trusting 0.0.0.0 would leave every browser behind one
    address, and 20 mistyped passwords would stop everyone's sign-in."""
    everywhere = PlatformSettings(http_host="0.0.0.0", state_dir=tmp_path).service_environment("identity")

    assert json.loads(everywhere["WUYUAN_IDENTITY_TRUSTED_PROXIES"]) == ["127.0.0.1"]


def test_only_the_embedded_issuer_is_given_a_list_of_withdrawn_tokens_to_read(tmp_path):
    """A deployment's own OpenID Connect provider withdraws its own tokens: the services read identity's list (by
    handle and by digest) only where identity signs the tokens."""
    embedded = PlatformSettings(state_dir=tmp_path).auth_environment()
    provider = PlatformSettings(
        state_dir=tmp_path,
        auth_issuer="https://sso.qidong.gov.cn/realms/zzzx",
        auth_audience="wuyuan",
        auth_jwks_url="https://sso.qidong.gov.cn/realms/zzzx/protocol/openid-connect/certs",
    ).auth_environment()

    assert embedded["WUYUAN_AUTH_REVOCATIONS_URL"].endswith("/api/v1/token-revocations")
    assert provider["WUYUAN_AUTH_REVOCATIONS_URL"] == ""  # said to be none, not forgotten
    assert "WUYUAN_AUTH_REVOCATIONS_MAX_AGE_SECONDS" not in provider
