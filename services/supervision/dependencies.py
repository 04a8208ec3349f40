"""Supervision's own dependency: what it needs to issue and check citizens' links (rating, progress)."""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from nameko.containers import WorkerContext
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.dependency import Injects
from shared.secret_values import refuse_placeholder


class RatingLinkSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WUYUAN_", extra="ignore")

    rating_link_secret: SecretStr = Field(description="keys the rating links' codes; a new one voids every open link")
    rating_link_days: int = Field(15, ge=1, le=90, description="how long a follow-up's rating link stays valid")
    public_url: str = Field(pattern=r"^https?://[^\s]+$", description="where citizens' phones reach the platform")
    dev_mode: bool = False

    @model_validator(mode="after")
    def _real_secret(self) -> "RatingLinkSettings":
        refuse_placeholder("WUYUAN_RATING_LINK_SECRET", self.rating_link_secret.get_secret_value(), self.dev_mode, 32)
        return self


@dataclass(frozen=True)
class RatingLinks:
    secret: bytes
    valid_for: timedelta
    public_url: str

    def url(self, token: str) -> str:
        return f"{self.public_url.rstrip('/')}/rate/{token}"  # the console's citizen page

    def progress_url(self, token: str) -> str:
        # The receipt's progress link: the same secret keys it, under its own purpose (domain.ProgressLink).
        return f"{self.public_url.rstrip('/')}/track/{token}"


@cache
def _rating_links() -> RatingLinks:
    settings = RatingLinkSettings()  # fields come from the environment
    return RatingLinks(
        settings.rating_link_secret.get_secret_value().encode(),
        timedelta(days=settings.rating_link_days),
        settings.public_url,
    )


class RatingLinksProvider(Injects[RatingLinks]):
    """`self.rating_links`, read from the settings at start so a missing secret stops the service at once."""

    def setup(self) -> None:
        _rating_links()

    def get_dependency(self, worker_ctx: WorkerContext) -> RatingLinks:
        return _rating_links()
