"""The authenticated caller of an HTTP request: who they are, their roles and the units they act for."""

from dataclasses import dataclass, field
from enum import StrEnum

from shared.refusal import NumberTaken


class Role(StrEnum):
    INTAKE_STAFF = "intake_staff"  # 窗口: registers walk-in and hotline disputes
    COORDINATOR = "coordinator"  # 综合协调组: triage by hand, watches every case
    SUPERVISOR = "supervisor"  # 检查督导组: deadlines, letters, follow-up visits and ratings
    LEADER = "leader"  # 领导: reads everything, changes nothing
    OFFICER = "officer"  # an agency's officer, bound to one or more of its units
    OPERATOR = "operator"  # 运维: runs the platform, sees no case


class AuthFailure(Exception):
    """Why a caller is not let through; `status` is the HTTP answer (401 or 403)."""

    status = 401
    error = "unauthenticated"


class Unauthenticated(AuthFailure):
    """No credentials, or credentials that do not verify (signature, expiry, audience, issuer)."""


class TooManyAttempts(AuthFailure):
    """Too many failed sign-ins from one address: answered 429 with Retry-After, before any password is checked."""

    status = 429
    error = "too_many_attempts"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Forbidden(AuthFailure):
    """A verified caller whose role or units do not allow this."""

    status = 403
    error = "forbidden"


class NotOwn(AuthFailure):
    """A record another unit holds, looked up by its id or number: answered exactly as one that does not exist."""

    status = 404
    error = "not_found"


@dataclass(frozen=True)
class Principal:
    """A verified caller. `subject` is the account id recorded as the acting user everywhere."""

    subject: str
    name: str
    roles: frozenset[Role]
    units: frozenset[str] = field(default_factory=frozenset)

    def has_any(self, roles: frozenset[Role]) -> bool:
        return not self.roles.isdisjoint(roles)

    def acts_for(self, unit: str) -> bool:
        """An officer acts for their own units and for the agency's units under them.

        A unit is '<agency>:<division code>' and division codes nest by prefix, so an officer
        bound to `police:430426` (the county bureau) acts for every police station of the county.
        """
        if Role.OFFICER not in self.roles:
            return False
        agency, _, division = unit.partition(":")
        return any(
            own == unit or (own_agency == agency and division.startswith(own_division))
            for own in self.units
            for own_agency, _, own_division in [own.partition(":")]
        )

    def require_unit(self, unit: str, what: str) -> None:
        if not self.acts_for(unit):
            raise Forbidden(f"{self.subject} does not act for {unit}, the unit of {what}")

    def require_own(self, unit: str, what: str) -> None:
        """A record looked up by its id or number is another unit's: answered as one that does not exist (404), so
        that numbers an officer can guess (a call's, a filing's, a petition's) never tell whether another unit
        holds one. A body naming a place the officer does not act for stays a 403 (`require_unit`)."""
        if not self.acts_for(unit):
            raise NotOwn(f"no {what}")

    def require_own_number(self, unit: str, field: str) -> None:
        """A number sent to be registered that a record already holds, under `unit`: the caller's own units' record
        is theirs to be answered with; another unit's, whichever (a station of the same agency or a unit the caller
        has nothing to do with), is only taken, a 409 naming the `field` and neither the unit nor the record."""
        if not self.acts_for(unit):
            raise NumberTaken(field)

    def acts_for_agency(self, agency: str) -> bool:
        return Role.OFFICER in self.roles and any(unit.partition(":")[0] == agency for unit in self.units)

    def as_json(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "name": self.name,
            "roles": sorted(self.roles),
            "units": sorted(self.units),
        }
