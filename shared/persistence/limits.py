"""How long a request may wait on the database before it gives up, and how long idempotency keys are kept.

From WUYUAN_* environment variables beside the service's other settings. The waits are short
so that an unreachable database costs a caller a few seconds and a 503 with Retry-After, not
a request hanging until the caller gives up (and retries into a duplicate).
"""

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseLimits(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WUYUAN_", extra="ignore")

    db_acquire_timeout_seconds: float = Field(
        5.0, gt=0, le=300, description="longest wait for a pooled connection before answering 503"
    )
    db_connect_timeout_seconds: int = Field(
        3, ge=2, le=300, description="libpq connect_timeout of each new connection (libpq's minimum is 2)"
    )
    db_statement_timeout_seconds: float = Field(
        15.0, ge=0, le=3600, description="PostgreSQL statement_timeout of service connections; 0 means none"
    )
    db_tcp_timeout_seconds: int = Field(
        10, ge=1, le=600, description="a silent server (a cut network) is given up after about this long"
    )
    idempotency_wait_seconds: float = Field(
        5.0, gt=0, le=60, description="a retry waits this long for the same key's first request, then gets 409"
    )
    idempotency_retention_hours: float = Field(
        24.0, ge=1, le=24 * 90, description="how long a request's answer is kept for retries with its key"
    )

    def connection_options(self) -> dict[str, str | int]:
        """libpq parameters bounding every wait on one connection."""
        tcp = self.db_tcp_timeout_seconds
        options: dict[str, str | int] = {
            "connect_timeout": self.db_connect_timeout_seconds,
            # A server that stops answering (not one that refuses) is noticed by TCP alone.
            "keepalives": 1,
            "keepalives_idle": max(1, tcp // 2),
            "keepalives_interval": max(1, tcp // 4),
            "keepalives_count": 2,
            "tcp_user_timeout": tcp * 1000,
        }
        if self.db_statement_timeout_seconds:
            options["options"] = f"-c statement_timeout={int(self.db_statement_timeout_seconds * 1000)}"
        return options


@cache
def database_limits() -> DatabaseLimits:
    return DatabaseLimits()  # fields come from the environment
