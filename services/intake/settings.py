"""Intake's settings: the platform's common ones, and the secret its party keys are made with."""

from functools import cache

from pydantic import Field, SecretStr

from services.intake.domain import MIN_SECRET_BYTES
from shared.config import ServiceSettings


class IntakeSettings(ServiceSettings):
    party_key_secret: SecretStr = Field(
        min_length=MIN_SECRET_BYTES,
        description="WUYUAN_PARTY_KEY_SECRET: keys the digests repeats are matched on; keep it, and keep it secret",
    )


@cache
def intake_settings() -> IntakeSettings:
    return IntakeSettings()  # fields come from the environment
