"""The petition service's settings: the platform's common ones, and the secret its petitioners are keyed with."""

from functools import cache

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from services.petition_link.domain.persons import MIN_SECRET_BYTES
from shared.config import ServiceSettings
from shared.secret_values import refuse_placeholder

# Only ever used with WUYUAN_DEV_MODE=true; anywhere else an unset secret means no key at all.
DEVELOPMENT_KEY = b"wuyuan development petition key; never a deployment's"


class PetitionSettings(ServiceSettings):
    petition_key_secret: SecretStr | None = Field(
        None,
        min_length=MIN_SECRET_BYTES,
        description="WUYUAN_PETITION_KEY_SECRET: keys the digests petitioners are counted by; keep it, and keep it"
        " secret (a new one starts every person's count afresh)",
    )

    # On the field, not the model, so that the error names the setting; ServiceSettings keeps the value given
    # out of the error (hide_input_in_errors).
    @field_validator("petition_key_secret")
    @classmethod
    def _a_real_secret(cls, secret: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if secret is not None:
            dev_mode = bool(info.data.get("dev_mode"))
            refuse_placeholder("WUYUAN_PETITION_KEY_SECRET", secret.get_secret_value(), dev_mode, MIN_SECRET_BYTES)
        return secret

    def petition_key(self) -> bytes | None:
        """The key, or the development one on a development machine, or None: no usable default elsewhere."""
        if self.petition_key_secret is not None:
            return self.petition_key_secret.get_secret_value().encode()
        return DEVELOPMENT_KEY if self.dev_mode else None


@cache
def petition_settings() -> PetitionSettings:
    return PetitionSettings()  # fields come from the environment
