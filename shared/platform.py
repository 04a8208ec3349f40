"""What every service knows of the platform it runs in: its own name, the agencies, the county, the clock."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from uuid import UUID

from shared import clock
from shared.config import ServiceSettings
from shared.contracts.envelope import Envelope
from shared.contracts.identifiers import split_unit
from shared.refusal import Refused
from shared.registry import DEFAULT_CONFIG_DIR, AgencyRegistry, load_registry


class SenderRefusal(StrEnum):
    WRONG_SENDER = "wrong_sender"  # published by another service's broker user than the message needs
    UNKNOWN_AGENCY = "unknown_agency"  # names a unit of an agency the registry does not know
    WRONG_UNIT = "wrong_unit"  # a document addressed to a unit of another agency than the service's own
    WRONG_RECIPIENT = "wrong_recipient"  # a document to the centre addressed to another unit than the centre's


@dataclass(frozen=True)
class Platform:
    """Given to every service by one dependency, so that no handler reads settings or files itself."""

    service: str
    registry: AgencyRegistry
    county: str
    # Broker users are '<prefix>.<service>'; the prefix (the vhost) names this platform.
    broker_user_prefix: str = ""
    config_dir: Path = DEFAULT_CONFIG_DIR  # agencies.toml, routing.toml
    now: Callable[[], datetime] = clock.now
    new_id: Callable[[], UUID] = clock.new_id
    centre_unit: str = field(init=False)

    def __post_init__(self) -> None:
        # Everything the centre's groups send goes out under the county's centre unit.
        object.__setattr__(self, "centre_unit", self.registry.centre_unit(self.county))

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> "Platform":
        return cls(
            service=settings.service,
            registry=load_registry(settings.config_dir),
            county=settings.county,
            broker_user_prefix=settings.broker_user_prefix,
            config_dir=settings.config_dir,
        )

    def broker_user_of(self, service: str) -> str:
        """The broker user a service of this platform connects as."""
        return f"{self.broker_user_prefix}.{service}" if self.broker_user_prefix else service

    def service_of_broker_user(self, user: str | None) -> str | None:
        """The service a peer's broker user belongs to, if it is one of this platform's users."""
        prefix = self.broker_user_prefix
        if not user or (prefix and not user.startswith(prefix + ".")):
            return None
        return user[len(prefix) + 1 :] if prefix else user

    def require_sender(self, message: Envelope, sent_by: str | None, service: str, *, sender_unit: bool = True) -> None:
        """RabbitMQ vouches for the AMQP user_id, so a message counts only from the broker user of `service`, and
        only in the name of one of that service's units: an agency's service speaks for its agency's units, the
        centre's services (coordinator, supervision, intake) for the county's centre unit alone. `sender_unit=False`
        leaves the `sender` to a caller that judges it under a refusal code of its own."""
        expected = self.broker_user_of(service)
        if sent_by != expected:
            came = f"came from {sent_by}" if sent_by else "it carried no AMQP user_id"
            reason = f"{message.type} for {message.sender} must come from {expected}, {came}"
            raise Refused(SenderRefusal.WRONG_SENDER, reason)
        if not sender_unit:
            return
        agency = self._agency_spoken_for(service)
        if agency is None and message.sender != self.centre_unit:
            reason = f"{message.type} from {sent_by} names sender {message.sender}, not the centre ({self.centre_unit})"
            raise Refused(SenderRefusal.WRONG_SENDER, reason)
        if agency is not None and split_unit(message.sender)[0] != agency:
            reason = f"{message.type} from {sent_by} names sender {message.sender}, which is not a unit of {agency}"
            raise Refused(SenderRefusal.WRONG_SENDER, reason)

    def _agency_spoken_for(self, service: str) -> str | None:
        """The agency whose units `service` sends in the name of; None for the centre's own services."""
        if service not in self.registry.agency_services():
            return None
        return self.registry.by_service(service).code

    def require_own_unit(self, message: Envelope) -> None:
        """A document counts only when addressed to a unit of this service's agency: one that reached the wrong
        agency's service is refused, never kept or shown to that agency's officers."""
        agency = self.registry.by_service(self.service)
        if split_unit(message.recipient)[0] != agency.code:
            reason = f"{message.type} to {message.recipient}: {message.recipient} is not a unit of {agency.code}"
            raise Refused(SenderRefusal.WRONG_UNIT, reason)

    def require_centre_recipient(self, message: Envelope) -> None:
        """A document to a centre service counts only when addressed to the county's centre unit, the one unit
        every report to the centre names: one addressed elsewhere was meant for someone else, or its sender
        does not know whom it reports to, and keeping it would record it as said to the centre."""
        if message.recipient != self.centre_unit:
            reason = (
                f"{message.type} to {message.recipient}: a document to the centre is addressed to {self.centre_unit}"
            )
            raise Refused(SenderRefusal.WRONG_RECIPIENT, reason)
