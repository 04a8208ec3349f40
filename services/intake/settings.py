"""Intake's settings: the platform's common ones, and the secret its party keys are made with."""

from functools import cache

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from services.intake.domain import MIN_SECRET_BYTES
from services.intake.frequency import AlertRules
from shared.config import ServiceSettings
from shared.secret_values import refuse_placeholder


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

    # 高频线索预警 (services/intake/frequency.py): how many reports within how many days raise an alert.
    alert_window_days: int = Field(30, ge=1, le=366, description="WUYUAN_ALERT_WINDOW_DAYS: the counting window")
    alert_applicant_threshold: int = Field(
        3, ge=2, le=1000, description="WUYUAN_ALERT_APPLICANT_THRESHOLD: reports by one applicant within the window"
    )
    alert_respondent_threshold: int = Field(
        3,
        ge=2,
        le=1000,
        description="WUYUAN_ALERT_RESPONDENT_THRESHOLD: distinct applicants naming one respondent within the window",
    )

    # On the field, not the model, so that the error names the setting; ServiceSettings keeps the value given
    # out of the error (hide_input_in_errors). A deployment that kept the manifest's placeholder would key
    # every party with a secret anyone can read in the repository.
    @field_validator("party_key_secret")
    @classmethod
    def _a_real_secret(cls, secret: SecretStr, info: ValidationInfo) -> SecretStr:
        dev_mode = bool(info.data.get("dev_mode"))
        refuse_placeholder("WUYUAN_PARTY_KEY_SECRET", secret.get_secret_value(), dev_mode, MIN_SECRET_BYTES)
        return secret

    def alert_rules(self) -> AlertRules:
        return AlertRules(self.alert_window_days, self.alert_applicant_threshold, self.alert_respondent_threshold)


@cache
def intake_settings() -> IntakeSettings:
    return IntakeSettings()  # fields come from the environment
