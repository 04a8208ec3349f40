"""The stability service's own dependency: the secret its persons' keys are made with, read once at start."""

import logging

from nameko.containers import WorkerContext

from services.stability.settings import stability_settings
from shared.dependency import Injects

log = logging.getLogger(__name__)


class PersonKey(Injects[bytes | None]):
    """`self.person_key`: bytes, or None where the deployment gave no WUYUAN_STABILITY_KEY_SECRET.

    A missing key does not stop the service (referrals, leads and the register need none); only
    opening a person's file is refused, naming the setting, until it is set.
    """

    def setup(self) -> None:
        self.secret = stability_settings().stability_key()
        if self.secret is None:
            log.error("WUYUAN_STABILITY_KEY_SECRET is not set: persons cannot be put on file until it is")

    def get_dependency(self, worker_ctx: WorkerContext) -> bytes | None:
        return self.secret
