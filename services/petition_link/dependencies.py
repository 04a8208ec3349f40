"""The petition service's own dependency: the secret its petitioners' keys are made with, read once at start."""

import logging

from nameko.containers import WorkerContext

from services.petition_link.settings import petition_settings
from shared.dependency import Injects

log = logging.getLogger(__name__)


class PetitionKey(Injects[bytes | None]):
    """`self.petition_key`: bytes, or None where the deployment gave no WUYUAN_PETITION_KEY_SECRET.

    A missing key does not stop the service: referrals and the agency's records need none, and the
    bureau must keep receiving its referrals. Only registering a petition needs it, and is refused
    (naming the setting) until it is set. A key that is set but short or a placeholder does stop it.
    """

    def setup(self) -> None:
        self.secret = petition_settings().petition_key()
        if self.secret is None:
            log.error("WUYUAN_PETITION_KEY_SECRET is not set: petitions cannot be registered until it is")

    def get_dependency(self, worker_ctx: WorkerContext) -> bytes | None:
        return self.secret
