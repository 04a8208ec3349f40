"""Platform-wide settings for the `wuyuan` command, from WUYUAN_* environment variables."""

from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from wuyuan.secrets import kept_secret

REPO_ROOT = Path(__file__).resolve().parent.parent

# Every service of the platform, in start-up order; the port is HTTP_PORT_BASE + index + 1.
SERVICES = (
    "intake",
    "coordinator",
    "supervision",
    "court_link",
    "police_link",
    "justice_link",
    "petition_link",
    "stability",
)


class PlatformSettings(BaseSettings):
    """Where the broker and database are, and where this platform keeps its state."""

    model_config = SettingsConfigDict(env_prefix="WUYUAN_", extra="ignore")

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
    service_password: str = Field("wuyuan-dev", min_length=8, description="password of each service's broker user")
    http_host: str = "127.0.0.1"
    http_port_base: int = Field(8700, ge=1024, le=65000)
    county: str = Field("430426", pattern=r"^\d{6}$", description="the county this deployment serves")
    state_dir: Path = REPO_ROOT / "var"
    party_key_secret: SecretStr | None = Field(
        None,
        min_length=32,
        description="keys intake's party digests; unset, one is made once and kept in STATE_DIR/secrets/party-key",
    )
    config_dir: Path = REPO_ROOT / "config"

    @field_validator("pg_admin_urls")
    @classmethod
    def _known_services(cls, urls: dict[str, str]) -> dict[str, str]:
        for service, url in urls.items():
            if service not in SERVICES:
                raise ValueError(f"pg_admin_urls: unknown service {service!r}; services are {', '.join(SERVICES)}")
            if not url.startswith(("postgresql://", "postgres://")):
                raise ValueError(f"pg_admin_urls.{service}: not a postgresql:// URL")
        return urls

    @field_validator("state_dir", "config_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.resolve()

    def http_port(self, service: str) -> int:
        return self.http_port_base + SERVICES.index(service) + 1

    def http_base_url(self, service: str) -> str:
        return f"http://{self.http_host}:{self.http_port(service)}"

    def database_name(self, service: str) -> str:
        return f"{self.db_prefix}{service}"

    def pg_admin_url_of(self, service: str) -> str:
        """The admin URL of the server that holds this service's database."""
        return self.pg_admin_urls.get(service, self.pg_admin_url)

    def database_url(self, service: str) -> str:
        parts = urlsplit(self.pg_admin_url_of(service))
        return urlunsplit(parts._replace(path=f"/{self.database_name(service)}"))

    def broker_user(self, service: str) -> str:
        """Each service's own broker user, scoped to this vhost so parallel platforms never share one."""
        return f"{self.vhost}.{service}"

    def service_amqp_uri(self, service: str) -> str:
        parts = urlsplit(self.amqp_admin_uri)
        host = parts.hostname or "127.0.0.1"
        port = parts.port or 5672
        netloc = f"{self.broker_user(service)}:{self.service_password}@{host}:{port}"
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
        if service == "intake":
            environment["WUYUAN_PARTY_KEY_SECRET"] = self.party_key_secret_value()
        return environment
