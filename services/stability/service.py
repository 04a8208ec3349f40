"""The stability nameko service: the agency base with its own record fields."""

from services.stability.domain import StabilityLead, flags_for
from shared.agency.service import AgencyService


class Stability(AgencyService):
    name = "stability"
    DETAILS = StabilityLead

    def record_flags(self, details: StabilityLead):
        return flags_for(details)


SERVICE = Stability
