"""Stability's own service layer, beside the agency base's: the risk register fed by case assignments."""

from typing import Any

from services.stability.domain import warning_colour
from services.stability.store import StabilityStore
from shared.contracts.messages import CaseAssigned
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform

MAX_LIST = 500

Work = UnitOfWork[StabilityStore]


def handle_case_assigned(message: CaseAssigned, uow: Work, platform: Platform) -> None:
    """三色预警: a case whose flags call for a warning colour enters the register."""
    colour = warning_colour(message.flags)
    with uow:
        uow.claim(message)
        if colour is not None:
            uow.store.note_risk(message, colour, platform.now())


def risk_register(uow: Work) -> dict[str, Any]:
    with uow:
        cases = uow.store.risk_register(MAX_LIST)
    return {"cases": cases}
