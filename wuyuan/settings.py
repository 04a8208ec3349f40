"""Platform-wide settings for the `wuyuan` command, from WUYUAN_* environment variables."""

import base64
import ipaddress
import json
import re
import socket
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.private_dirs import private_directory
from shared.registry import AgencyRegistry, load_registry
from shared.secret_values import refuse_placeholder
from shared.wording import load_places
from wuyuan.secrets import kept_secret

REPO_ROOT = Path(__file__).resolve().parent.parent

# The platform's services come from the agency registry (`PlatformSettings.services`): the centre's
# groups first, then the agencies, with identity and the console after the first five agencies, so
# that adding an agency moves no service's port.
CENTRE_GROUPS = ("intake", "coordinator", "supervision")
FRONT_SERVICES = ("identity", "console")
AGENCIES_BEFORE_FRONT = 5
# The platform's own services by the names staff call them: the one place the `wuyuan` command names them (status,
# start, stop, up, errors); an agency's service is named by the registry (agencies.toml's name_zh).
PLATFORM_SERVICE_NAMES = {
    "intake": "信息收集组",
    "coordinator": "综合协调组",
    "supervision": "检查督导组",
    "identity": "身份认证",
    "console": "工作台",
}
# The broker user that replays dead letters (`wuyuan dlq replay`); not a service.
OPERATOR = "operator"
URL_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")
# A host name as RFC 1123 writes one: dot-separated labels of letters, digits and inner hyphens.
HOST_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


# Debian's Chinese TrueType fonts, the first one installed embedded in supervision's PDFs when the operator names
# none (scripts/ensure-document-font.sh installs the first): AR PL UMing, a Song (Ming) face as official letters are
# set in, then the WenQuanYi Hei faces. Noto CJK is left out: Debian ships it as OpenType with PostScript outlines,
# which reportlab cannot embed.
DOCUMENT_FONTS = (
    "/usr/share/fonts/truetype/arphic/uming.ttc#0",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc#0",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#0",
)


def installed_document_font() -> str | None:
    """The first of DOCUMENT_FONTS (each `path#index`) whose file is on this machine, or None."""
    return next((font for font in DOCUMENT_FONTS if Path(font.partition("#")[0]).is_file()), None)


class PlatformSettings(BaseSettings):
    """Where the broker and database are, and where this platform keeps its state."""

    # A refused setting's error names the setting and says why, never the value given: settings hold URLs with
    # passwords and secrets, and these errors reach start-up logs and terminals.
    model_config = SettingsConfigDict(env_prefix="WUYUAN_", extra="ignore", hide_input_in_errors=True)

    amqp_admin_uri: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/", description="broker URI with rights to create vhosts and users"
    )
    rabbit_management_url: str = Field(
        "http://guest:guest@127.0.0.1:15672", description="RabbitMQ management API (vhosts, users, permissions)"
    )
    vhost: str = Field("wuyuan", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    pg_admin_url: str = Field("postgresql://postgres@127.0.0.1:5432/postgres", pattern=r"^postgres(ql)?://")
    pg_admin_urls: dict[str, str] = Field(
        default_factory=dict,
        description="JSON: service -> admin URL of the server holding that service's database (one per agency)",
    )
    queue_type: Literal["classic", "quorum"] = Field(
        "classic", description="quorum on a RabbitMQ cluster: replicated queues that survive a node"
    )
    retry_delay_ms: int = Field(
        2000, ge=100, le=3_600_000, description="how long a failed message waits before it is redelivered"
    )
    db_prefix: str = Field("wuyuan_", pattern=r"^[a-z][a-z0-9_]*$")
    database_passwords: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="JSON: service -> its database role's password; unset, one is made once and kept"
        " in STATE_DIR/secrets/postgres/<service>",
    )
    broker_passwords: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="JSON: service (or 'operator') -> its broker user's password; unset, one is made once and kept"
        " in STATE_DIR/secrets/broker/<service>",
    )
    dead_letter_ttl_days: float = Field(
        30, gt=0, le=49, description="how long a dead letter (which may carry personal data) is kept before it expires"
    )
    dev_mode: bool = Field(False, description="a development machine: placeholder secrets are accepted")
    auth_issuer: str | None = Field(
        None, description="the token issuer services trust; unset, the embedded identity service (urn:wuyuan:<vhost>)"
    )
    auth_audience: str | None = Field(None, description="the audience tokens must name; unset, urn:wuyuan:<vhost>")
    auth_jwks_url: str | None = Field(
        None, pattern=r"^(https?|file)://", description="the issuer's public keys; unset, the identity service's"
    )
    auth_revocations_max_age_seconds: int = Field(
        30, ge=1, le=3600, description="how often each service reads the embedded issuer's withdrawn tokens again"
    )
    public_url: str | None = Field(
        None, pattern=r"^https?://[^\s]+$", description="where citizens' phones reach the platform (rating links)"
    )
    http_host: str = Field(
        "127.0.0.1", description="where `wuyuan up` serves each service: a host name or an IPv4 address"
    )
    http_port_base: int = Field(8700, ge=1024, le=65000)
    service_urls: dict[str, str] = Field(
        default_factory=dict,
        description="JSON: service -> base URL of its HTTP API, where the `wuyuan` command reaches it in a deployment",
    )
    service_url_template: str | None = Field(
        None,
        description="every service's base URL with {service} (court_link) or {dns_name} (court-link) in it,"
        " e.g. http://{dns_name}:8000; WUYUAN_SERVICE_URLS names exceptions",
    )
    cli_username: str | None = Field(
        None, pattern=r"^\S{1,200}$", description="the account the `wuyuan` command signs in as"
    )
    cli_password_file: Path | None = Field(
        None, description="a file holding that account's password (a mounted Secret); unset, it is asked for"
    )
    cli_token: SecretStr | None = Field(
        None, description="a bearer token the `wuyuan` command sends as it is (a county's OpenID Connect provider)"
    )
    cli_token_file: Path | None = Field(None, description="a file holding that bearer token")
    county: str = Field("430426", pattern=r"^[0-9]{6}$", description="the county this deployment serves")
    state_dir: Path = REPO_ROOT / "var"
    party_key_secret: SecretStr | None = Field(
        None,
        min_length=32,
        description="keys intake's party digests; unset, one is made once and kept in STATE_DIR/secrets/party-key",
    )
    personal_data_key: SecretStr | None = Field(
        None,
        description="base64 of 32 bytes: seals parties' ID and mobile numbers in intake's database; unset, one is"
        " made once and kept in STATE_DIR/secrets/personal-data-key",
    )
    personal_data_retention_days: int = Field(
        1095, ge=1, le=36500, description="how long after a case is closed its parties' ID and mobile numbers are kept"
    )
    document_font: str | None = Field(
        None,
        description="the TrueType font supervision embeds in its PDFs (WUYUAN_DOCUMENT_FONT): by default the first"
        " of DOCUMENT_FONTS installed here; empty for none (the PDFs name the reader's STSong-Light)",
    )
    config_dir: Path = REPO_ROOT / "config"

    @model_validator(mode="after")
    def _known_services(self) -> "PlatformSettings":
        services = self.services
        for service, url in self.pg_admin_urls.items():
            if service not in services:
                raise ValueError(f"pg_admin_urls: unknown service {service!r}; services are {', '.join(services)}")
            if not url.startswith(("postgresql://", "postgres://")):
                raise ValueError(f"pg_admin_urls.{service}: not a postgresql:// URL")
        return self

    @model_validator(mode="after")
    def _real_broker_passwords(self) -> "PlatformSettings":
        services = self.services
        for name, password in self.broker_passwords.items():
            if name not in (*services, OPERATOR):
                raise ValueError(
                    f"broker_passwords: unknown user {name!r}; users are {', '.join(services)}, {OPERATOR}"
                )
            value = password.get_secret_value()
            # It goes into amqp:// URIs as it is.
            if not URL_SAFE.match(value):
                raise ValueError(f"broker_passwords.{name}: use letters, digits, '-' and '_' only")
            refuse_placeholder(f"WUYUAN_BROKER_PASSWORDS.{name}", value, self.dev_mode)
        for name, password in self.database_passwords.items():
            if name not in services:
                raise ValueError(f"database_passwords: unknown service {name!r}; services are {', '.join(services)}")
            value = password.get_secret_value()
            if not URL_SAFE.fullmatch(value):  # it goes into postgresql:// URLs as it is
                raise ValueError(f"database_passwords.{name}: use letters, digits, '-' and '_' only")
            refuse_placeholder(f"WUYUAN_DATABASE_PASSWORDS.{name}", value, self.dev_mode)
        return self

    @model_validator(mode="after")
    def _service_addresses(self) -> "PlatformSettings":
        services = self.services
        urls = {}
        for service, url in self.service_urls.items():
            if service not in services:
                raise ValueError(f"WUYUAN_SERVICE_URLS：没有服务 {service!r}；服务有 {', '.join(services)}")
            urls[service] = _base_url(f"WUYUAN_SERVICE_URLS.{service}", url)
        self.service_urls = urls
        template = self.service_url_template
        if template is not None:
            if "{service}" not in template and "{dns_name}" not in template:
                raise ValueError(
                    "WUYUAN_SERVICE_URL_TEMPLATE：须含 {service} 或 {dns_name}，否则每个服务都是同一地址"
                    "（如 http://{dns_name}:8000）"
                )
            try:
                sample = template.format(service="court_link", dns_name="court-link")
            except (KeyError, IndexError, ValueError):
                raise ValueError(
                    "WUYUAN_SERVICE_URL_TEMPLATE：只可用 {service} 与 {dns_name} 两个占位符（如 http://{dns_name}:8000）"
                ) from None
            _base_url("WUYUAN_SERVICE_URL_TEMPLATE", sample)
            self.service_url_template = template.rstrip("/")
        return self

    @model_validator(mode="after")
    def _listed_county(self) -> "PlatformSettings":
        """A county its divisions.toml does not list: every unit of it would read as a bare code and every place
        in it be refused as not the county's, while the platform looked as if it worked."""
        path = self.config_dir / "divisions.toml"
        try:
            places = load_places(self.config_dir)
        except (OSError, ValueError):
            return self  # the file's own faults are said, naming the entry, where it is read
        counties = sorted(code for code in places.names if len(code) == 6)
        if counties and self.county not in counties:
            listed = "、".join(f"{places.name(code)}（{code}）" for code in counties)
            raise ValueError(
                f"WUYUAN_COUNTY：{self.county} 不是 {path} 所列的县（所列的是 {listed}）；"
                "请设为本平台所服务县的区划代码，或在该文件中列出本县的区划"
            )
        return self

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> "PlatformSettings":
        given = [
            name
            for name, value in (
                ("WUYUAN_CLI_USERNAME", self.cli_username),
                ("WUYUAN_CLI_TOKEN", self.cli_token),
                ("WUYUAN_CLI_TOKEN_FILE", self.cli_token_file),
            )
            if value is not None
        ]
        if len(given) > 1:
            raise ValueError(f"{' 与 '.join(given)} 只能设置一个：以账号密码登录，或给出令牌")
        if self.cli_password_file is not None and self.cli_username is None:
            raise ValueError("WUYUAN_CLI_PASSWORD_FILE 须与 WUYUAN_CLI_USERNAME（以哪个账号登录）一起设置")
        if self.cli_token is not None and not self.cli_token.get_secret_value().strip():
            raise ValueError("WUYUAN_CLI_TOKEN：是空的")
        return self

    @field_validator("http_host")
    @classmethod
    def _host(cls, value: str) -> str:
        """A host name or IPv4 address, or ValueError saying which is wanted (the setting is named by the caller)."""
        return _checked_host(value)

    @field_validator("state_dir", "config_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.resolve()

    @property
    def registry(self) -> AgencyRegistry:
        """The agencies joined to this platform (config_dir/agencies.toml); a malformed file names its field."""
        try:
            return load_registry(self.config_dir)
        except OSError as missing:
            raise ValueError(
                f"config_dir: no agency registry at {self.config_dir / 'agencies.toml'} ({missing})"
            ) from None

    @property
    def services(self) -> tuple[str, ...]:
        """Every service, in start-up order; a service's HTTP port is HTTP_PORT_BASE + its index + 1."""
        agencies = self.registry.agency_services()
        return (
            *CENTRE_GROUPS,
            *agencies[:AGENCIES_BEFORE_FRONT],
            *FRONT_SERVICES,
            *agencies[AGENCIES_BEFORE_FRONT:],
        )

    def service_name_zh(self, service: str) -> str | None:
        """'综合协调组', or an agency's name ('公安局'), for a service; None for a name that is neither."""
        if service in PLATFORM_SERVICE_NAMES:
            return PLATFORM_SERVICE_NAMES[service]
        try:
            return self.registry.by_service(service).name_zh
        except (KeyError, ValueError):
            return None

    def is_agency(self, service: str) -> bool:
        return service in self.registry.agency_services()

    def service_called(self, name: str) -> str | None:
        """The service an operator means by `name`: a service's own name, or its agency's code (`court` for
        court_link, as `wuyuan conformance` takes either); None when neither."""
        if name in self.services:
            return name
        agency = self.registry.agencies.get(name)
        return agency.service if agency is not None and agency.service in self.services else None

    def require_service(self, service: str) -> str:
        """The service's name, or ValueError naming the known ones."""
        if service not in self.services:
            raise ValueError(f"unknown service {service!r}; services are {', '.join(self.services)}")
        return service

    def http_port(self, service: str) -> int:
        return self.http_port_base + self.services.index(service) + 1

    def http_base_url(self, service: str) -> str:
        """Where `wuyuan up` serves a service on this machine."""
        return f"http://{self.http_host}:{self.http_port(service)}"

    @property
    def addresses_configured(self) -> bool:
        """True where the services are a deployment's, reached at configured addresses, not the local platform."""
        return bool(self.service_urls) or self.service_url_template is not None

    def service_url(self, service: str) -> str:
        """Where the `wuyuan` command reaches a service's API: configured, or the local platform's address."""
        if service in self.service_urls:
            return self.service_urls[service]
        if self.service_url_template is not None:
            return self.service_url_template.format(service=service, dns_name=service.replace("_", "-"))
        if self.service_urls:
            raise ValueError(f"WUYUAN_SERVICE_URLS 中没有 {service} 的地址（也未设置 WUYUAN_SERVICE_URL_TEMPLATE）")
        return self.http_base_url(service)

    def service_url_setting(self, service: str) -> str | None:
        """The setting that gave a service's address, to name when it cannot be reached; None on the local platform."""
        if service in self.service_urls:
            return f"WUYUAN_SERVICE_URLS.{service}"
        return "WUYUAN_SERVICE_URL_TEMPLATE" if self.service_url_template is not None else None

    def database_name(self, service: str) -> str:
        return f"{self.db_prefix}{service}"

    def pg_admin_url_of(self, service: str) -> str:
        """The admin URL of the server that holds this service's database."""
        return self.pg_admin_urls.get(service, self.pg_admin_url)

    def database_role(self, service: str) -> str:
        """The PostgreSQL login role a service connects as; it owns that service's database and nothing else."""
        return f"{self.db_prefix}{service}"

    def database_password(self, service: str) -> str:
        """The role's password: made once and kept in STATE_DIR/secrets/postgres/<service> (mode 0600)."""
        if service in self.database_passwords:
            return self.database_passwords[service].get_secret_value()
        if not re.fullmatch(r"[a-z][a-z0-9_]*", service):  # it names a file
            raise ValueError(f"no database role for {service!r}")
        return kept_secret(self.state_dir / "secrets" / "postgres" / service)

    def admin_database_url(self, service: str) -> str:
        """The service's database reached as the admin role: provisioning alone uses it."""
        parts = urlsplit(self.pg_admin_url_of(service))
        return urlunsplit(parts._replace(path=f"/{self.database_name(service)}"))

    def admin_is_the_role(self, service: str) -> bool:
        """True where the service's own role is what provisioning connects as (CloudNativePG makes
        each database's owner and hands out its URL): that role and its password are not ours to manage."""
        return urlsplit(self.pg_admin_url_of(service)).username == self.database_role(service)

    def database_url(self, service: str) -> str:
        """The service's database as its own role: what the service process is given."""
        if self.admin_is_the_role(service):
            return self.admin_database_url(service)
        parts = urlsplit(self.pg_admin_url_of(service))
        host = parts.hostname or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        netloc = f"{self.database_role(service)}:{self.database_password(service)}@{host}"
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit(parts._replace(netloc=netloc, path=f"/{self.database_name(service)}"))

    def broker_user(self, service: str) -> str:
        """Each service's own broker user, scoped to this vhost so parallel platforms never share one."""
        return f"{self.vhost}.{service}"

    def broker_password(self, user: str) -> str:
        """A broker user's own password: configured, or made once and kept where only that service's start reads it.

        Delete the kept file, provision and restart the service to rotate it.
        """
        if user in self.broker_passwords:
            return self.broker_passwords[user].get_secret_value()
        if user not in (*self.services, OPERATOR):
            raise ValueError(f"no broker user {user!r}")
        secrets_dir = private_directory(self.state_dir / "secrets")
        return kept_secret(secrets_dir / "broker" / user)

    def service_amqp_uri(self, service: str) -> str:
        """The AMQP URI of a broker user (a service or the operator) on this platform's vhost."""
        parts = urlsplit(self.amqp_admin_uri)
        host = parts.hostname or "127.0.0.1"
        port = parts.port or 5672
        netloc = f"{self.broker_user(service)}:{self.broker_password(service)}@{host}:{port}"
        return urlunsplit(parts._replace(netloc=netloc, path=f"/{self.vhost}"))

    @cached_property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @cached_property
    def trace_dir(self) -> Path:
        return self.state_dir / "traces"

    def party_key_secret_value(self) -> str:
        if self.party_key_secret is not None:
            return self.party_key_secret.get_secret_value()
        return kept_secret(self.state_dir / "secrets" / "party-key")

    def personal_data_key_value(self) -> str:
        """The key that seals personal data in intake, as base64 of 32 bytes (never logged)."""
        if self.personal_data_key is not None:
            return self.personal_data_key.get_secret_value()
        kept = kept_secret(self.state_dir / "secrets" / "personal-data-key")
        # A kept secret is 64 hex digits, which is 32 bytes.
        return base64.b64encode(bytes.fromhex(kept)).decode("ascii")

    @cached_property
    def signing_key_dir(self) -> Path:
        """The embedded issuer's private keys (`wuyuan auth rotate-key` adds one)."""
        return self.state_dir / "secrets" / "token-signing"

    def auth_environment(self) -> dict[str, str]:
        """Which tokens the services trust: the embedded issuer unless a deployment names its own provider, and for
        the embedded one, where it lists the tokens it withdrew. A provider of a deployment's own withdraws its own:
        the list's variable is then given empty, which says "no list" (an agency in another language refuses to start
        with it unset, lest withdrawn tokens pass unnoticed)."""
        trusted = {
            "WUYUAN_AUTH_ISSUER": self.auth_issuer or f"urn:wuyuan:{self.vhost}",
            "WUYUAN_AUTH_AUDIENCE": self.auth_audience or f"urn:wuyuan:{self.vhost}",
            "WUYUAN_AUTH_JWKS_URL": self.auth_jwks_url or f"{self.http_base_url('identity')}/.well-known/jwks.json",
        }
        if not self.auth_jwks_url:
            trusted["WUYUAN_AUTH_REVOCATIONS_URL"] = f"{self.http_base_url('identity')}/api/v1/token-revocations"
            trusted["WUYUAN_AUTH_REVOCATIONS_MAX_AGE_SECONDS"] = str(self.auth_revocations_max_age_seconds)
        else:
            trusted["WUYUAN_AUTH_REVOCATIONS_URL"] = ""
        return trusted

    def service_environment(self, service: str) -> dict[str, str]:
        """The environment a service process is started with (see shared/config.py and each service's settings)."""
        environment = {
            "WUYUAN_SERVICE": service,
            "WUYUAN_AMQP_URI": self.service_amqp_uri(service),
            "WUYUAN_AMQP_USER": self.broker_user(service),
            "WUYUAN_DATABASE_URL": self.database_url(service),
            "WUYUAN_HTTP_ADDRESS": f"{self.http_host}:{self.http_port(service)}",
            "WUYUAN_COUNTY": self.county,
            "WUYUAN_CONFIG_DIR": str(self.config_dir),
            "WUYUAN_TRACE_FILE": str(self.trace_dir / f"{service}.jsonl"),
        }
        environment.update(self.auth_environment())
        if service == "identity":
            environment["WUYUAN_IDENTITY_SIGNING_KEY_DIR"] = str(self.signing_key_dir)
        if service == "identity":
            # The console signs staff in on their behalf and passes on the browser's address.
            environment["WUYUAN_IDENTITY_TRUSTED_PROXIES"] = json.dumps(_addresses_of(self.http_host))
        if service == "supervision":
            environment["WUYUAN_RATING_LINK_SECRET"] = kept_secret(self.state_dir / "secrets" / "rating-link")
            # A rating link opens the console's citizen page.
            environment["WUYUAN_PUBLIC_URL"] = self.public_url or self.http_base_url("console")
            # A Chinese font embedded in the letters, so they print alike where no Chinese font is installed.
            font = self.document_font if self.document_font is not None else installed_document_font()
            if font is not None:
                environment["WUYUAN_DOCUMENT_FONT"] = font
        if service == "console":
            others = [other for other in self.services if other != "console"]
            environment["WUYUAN_CONSOLE_API_URLS"] = json.dumps({other: self.http_base_url(other) for other in others})
            environment["WUYUAN_CONSOLE_SECURE_COOKIES"] = str((self.public_url or "").startswith("https://")).lower()
        if service == "petition_link":
            # Keys the petitioners' digests the bureau counts persons and repeat petitions by.
            environment["WUYUAN_PETITION_KEY_SECRET"] = kept_secret(self.state_dir / "secrets" / "petition-key")
        if service == "stability":
            # Keys the digests the committee matches people under attention by (一人一档).
            environment["WUYUAN_STABILITY_KEY_SECRET"] = kept_secret(self.state_dir / "secrets" / "stability-key")
        if service == "intake":
            environment["WUYUAN_PARTY_KEY_SECRET"] = self.party_key_secret_value()
            environment["WUYUAN_PERSONAL_DATA_KEY"] = self.personal_data_key_value()
        environment["WUYUAN_PERSONAL_DATA_RETENTION_DAYS"] = str(self.personal_data_retention_days)
        if self.dev_mode:
            # The services accept placeholder secrets only when told so; the platform's own variable stays its own.
            environment["WUYUAN_DEV_MODE"] = "true"
        return environment


def _checked_host(value: str) -> str:
    """A host the services can listen on and be reached at as http://HOST:PORT, or ValueError in Chinese.

    An IPv6 address is refused: nameko reads its bind address as HOST:PORT, with no colon in HOST, and
    the services' WUYUAN_HTTP_ADDRESS is checked the same way, so no service would start on one."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        address = None
    if address is not None and address.version == 6:
        raise ValueError("服务不能在 IPv6 地址上监听；请用 IPv4 地址或主机名，如 127.0.0.1、0.0.0.0 或 localhost")
    if address is not None:
        return value
    labels = value.removesuffix(".").split(".")
    # A name whose last label is a number is a mistyped IPv4 address ('10.0.0.256'), which no resolver looks up.
    if len(value) > 253 or not all(HOST_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise ValueError("不是主机名或 IPv4 地址；应如 127.0.0.1、0.0.0.0 或 localhost（只用字母、数字、“-”和“.”）")
    return value


def _addresses_of(host: str) -> list[str]:
    """The host's address, or the IPv4 addresses its name resolves to: identity trusts addresses, never names,
    and the console, reaching identity on this machine at that host, connects from the address it reached. Services
    listening on every address (0.0.0.0) are reached on loopback, so the console connects from 127.0.0.1."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return ["127.0.0.1"] if address.is_unspecified else [str(address)]
    try:
        found = socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:  # a name that resolves to nothing: no service could listen on it either
        return []
    return sorted({str(entry[4][0]) for entry in found})


def _base_url(setting: str, url: str) -> str:
    """An http(s) base URL with a host and nothing after its path, without the trailing '/'; or ValueError."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{setting}：{_shown_url(url)} 不是 http(s):// 地址（如 http://coordinator:8000）")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{setting}：{_shown_url(url)} 只写到路径为止，不带用户名、密码、查询串")
    return url.rstrip("/")


def _shown_url(url: str) -> str:
    """An address as an error may show it: whatever stands before an '@' (a user name and password) left out."""
    scheme, separator, rest = url.partition("://")
    if "@" in rest.split("/", 1)[0]:
        rest = "…@" + rest.split("@", 1)[1]
    return repr(f"{scheme}{separator}{rest}")
