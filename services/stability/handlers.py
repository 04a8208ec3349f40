"""Stability's own service layer, beside the agency base's: the risk register fed by case assignments."""

from typing import Any

from services.stability.domain import warning_colour
from services.stability.store import StabilityStore
from shared.agency.handlers import require_officer_of_agency
from shared.auth.principal import Principal, Role
from shared.contracts.messages import CaseAssigned
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform

MAX_LIST = 500

Work = UnitOfWork[StabilityStore]


def handle_case_assigned(message: CaseAssigned, sent_by: str | None, uow: Work, platform: Platform) -> None:
    """三色预警: a case whose flags call for a warning colour enters the register (facts from the coordinator only)."""
    platform.require_sender(message, sent_by, "coordinator")
    colour = warning_colour(message.flags)
    with uow:
        uow.claim(message)
        if colour is not None:
            uow.store.note_risk(message, colour, platform.now())


def risk_register(caller: Principal, uow: Work, platform: Platform) -> dict[str, Any]:
    """The register, for the centre and leaders, and for the political-legal committee's own officers."""
    if not caller.has_any(frozenset({Role.COORDINATOR, Role.LEADER})):
        require_officer_of_agency(caller, platform)
    with uow:
        cases = uow.store.risk_register(MAX_LIST)
    return {"cases": cases}
