"""Intake's own dependency: the deployment secret its party keys are made with, checked at start."""

from nameko.containers import WorkerContext

from services.intake.settings import intake_settings
from shared.dependency import Injects


class PartyKeySecret(Injects[bytes]):
    """`self.party_key_secret`, as bytes; a missing or short secret stops intake starting."""

    def setup(self) -> None:
        # Read here, not per request: without the secret no repeat could ever be matched, so
        # intake must refuse to start rather than answer every report with an error.
        self.secret = intake_settings().party_key_secret.get_secret_value().encode()

    def get_dependency(self, worker_ctx: WorkerContext) -> bytes:
        return self.secret
