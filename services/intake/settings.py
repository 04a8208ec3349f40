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
    personal_data_key: SecretStr = Field(
        description="WUYUAN_PERSONAL_DATA_KEY: base64 of 32 bytes; seals parties' ID and mobile numbers at rest",
    )
    personal_data_retired_keys: SecretStr | None = Field(
        None,
        description="WUYUAN_PERSONAL_DATA_RETIRED_KEYS: earlier keys, comma-separated, that still open old rows",
    )


@cache
def intake_settings() -> IntakeSettings:
    return IntakeSettings()  # fields come from the environment
