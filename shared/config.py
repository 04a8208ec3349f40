"""Each service's settings, from WUYUAN_* environment variables (12-factor)."""

from functools import cache
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.registry import DEFAULT_CONFIG_DIR
from shared.secret_values import refuse_placeholder


class ServiceSettings(BaseSettings):
    """What one service process needs to run; `wuyuan up` sets these per service."""

    # A refused setting's error names the setting and says why, never the value given: settings hold URLs with
    # passwords and secrets, and these errors reach start-up logs and terminals.
    model_config = SettingsConfigDict(env_prefix="WUYUAN_", extra="ignore", hide_input_in_errors=True)

    service: str = Field(pattern=r"^[a-z][a-z_]*$")
    amqp_uri: str = Field(pattern=r"^amqps?://")
    amqp_user: str = Field(min_length=1, description="this service's broker user; stamped as AMQP user_id")
    database_url: str = Field(pattern=r"^postgres(ql)?://")
    http_address: str = Field("127.0.0.1:8000", pattern=r"^[\w.-]+:\d{2,5}$")
    county: str = Field("430426", pattern=r"^[0-9]{6}$")
    config_dir: Path = DEFAULT_CONFIG_DIR
    trace_file: Path | None = None
    log_level: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    db_pool_size: int = Field(5, ge=1, le=100)
    max_workers: int = Field(16, ge=1, le=1000)
    prefetch_count: int = Field(32, ge=1, le=1000)
    relay_batch: int = Field(200, ge=1, le=5000)
    relay_interval_seconds: float = Field(2.0, gt=0, le=60)
    max_attempts: int = Field(5, ge=1, le=100)
    outbox_retention_days: float = Field(7.0, ge=0, le=3650, description="how long sent outbox rows are kept")
    publish_spans: Literal["failed", "all"] = Field(
        "failed", description="which publishes are spans: failed or swept up ones only, or every one"
    )
    # The HTTP server's limits (shared.web_server.HttpLimits has the same defaults).
    http_read_timeout_seconds: float = Field(
        15.0, gt=0, le=600, description="a request must arrive whole within this; idle connections close after it"
    )
    http_max_connections: int = Field(512, ge=1, le=100_000, description="open HTTP connections; more get a 503")
    http_max_connections_per_client: int = Field(
        64, ge=1, le=100_000, description="open connections from one address (raise it behind a proxy)"
    )
    http_max_header_bytes: int = Field(16 * 1024, ge=1024, le=64 * 1024, description="request line and headers")
    personal_data_retention_days: int = Field(
        1095, ge=1, le=36500, description="how long parties' ID and mobile numbers are kept after a case is finished"
    )
    dev_mode: bool = Field(False, description="a development machine: placeholder and default secrets are accepted")

    @model_validator(mode="after")
    def _a_real_broker_password(self) -> "ServiceSettings":
        # Each service has a broker password of its own; a default one would let anyone borrow its identity.
        password = urlsplit(self.amqp_uri).password
        refuse_placeholder("WUYUAN_AMQP_URI", unquote(password) if password else None, self.dev_mode)
        return self

    @model_validator(mode="after")
    def _a_real_database_password(self) -> "ServiceSettings":
        # A password in the URL must be a real one, as the broker's: provisioning refuses a placeholder, and so does the
        # service that would otherwise connect with it. None at all is another way in (a socket's peer, a certificate).
        password = urlsplit(self.database_url).password
        if password is not None:
            refuse_placeholder("WUYUAN_DATABASE_URL", unquote(password), self.dev_mode)
        return self

    @property
    def vhost(self) -> str:
        """The broker vhost: it names the platform this service belongs to."""
        return unquote(urlsplit(self.amqp_uri).path.lstrip("/")) or "/"

    @property
    def broker_user_prefix(self) -> str:
        """Broker users are '<prefix>.<service>' (the prefix is the vhost); the prefix of our own user."""
        return self.amqp_user.rpartition(".")[0]


@cache
def current_settings() -> ServiceSettings:
    """The running service's settings, read once from the environment."""
    return ServiceSettings()  # fields come from the environment
