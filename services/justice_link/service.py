"""The justice_link nameko service: the agency base with its own record fields."""

from services.justice_link.domain import MediationRequest, flags_for
from shared.agency.service import AgencyService


class JusticeLink(AgencyService):
    name = "justice_link"
    DETAILS = MediationRequest

    def record_flags(self, details: MediationRequest):
        return flags_for(details)


SERVICE = JusticeLink
