"""Intake's own dependencies: the party key secret and the personal data key, both checked at start."""

from functools import cache

from nameko.containers import WorkerContext

from services.intake.frequency import AlertRules
from services.intake.personal_data import PersonalDataCipher, decode_key
from services.intake.settings import intake_settings
from services.intake.store import PostgresIntakeStore
from shared.delivery.statements import Statements
from shared.dependency import Injects


class PartyKeySecret(Injects[bytes]):
    """`self.party_key_secret`, as bytes; a missing or short secret stops intake starting."""

    def setup(self) -> None:
        # Read here, not per request: without the secret no repeat could ever be matched, so
        # intake must refuse to start rather than answer every report with an error.
        self.secret = intake_settings().party_key_secret.get_secret_value().encode()
        # Likewise the personal data key: a case could be neither stored nor read without it.
        personal_data_cipher()

    def get_dependency(self, worker_ctx: WorkerContext) -> bytes:
        return self.secret


class AlertRulesProvider(Injects[AlertRules]):
    """`self.alert_rules`: the window and thresholds of high-frequency clue alerts, validated at start."""

    def setup(self) -> None:
        self.rules = intake_settings().alert_rules()

    def get_dependency(self, worker_ctx: WorkerContext) -> AlertRules:
        return self.rules


@cache
def personal_data_cipher() -> PersonalDataCipher:
    """The cipher of the configured key (and any retired ones); a bad key raises PersonalDataError, naming no value."""
    settings = intake_settings()
    retired = settings.personal_data_retired_keys.get_secret_value() if settings.personal_data_retired_keys else ""
    return PersonalDataCipher(
        decode_key(settings.personal_data_key.get_secret_value()),
        [decode_key(key) for key in retired.split(",") if key.strip()],
    )


def sealing_store(statements: Statements) -> PostgresIntakeStore:
    """Intake's store, sealing ID and mobile numbers with the deployment's key."""
    return PostgresIntakeStore(statements, personal_data_cipher())
