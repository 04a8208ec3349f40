"""Intake's own dependency: the deployment secret its party keys are made with, checked at start."""

from nameko.extensions import DependencyProvider

from services.intake.settings import intake_settings


class PartyKeySecret(DependencyProvider):
    """Gives a worker the party key secret as bytes; a missing or short secret stops intake starting."""

    def setup(self) -> None:
        # Read here, not per request: without the secret no repeat could ever be matched, so
        # intake must refuse to start rather than answer every report with an error.
        self.secret = intake_settings().party_key_secret.get_secret_value().encode()

    def get_dependency(self, worker_ctx) -> bytes:
        return self.secret
