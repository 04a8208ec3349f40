"""The court_link nameko service: the agency base with its own record fields."""

from services.court_link.domain import CourtFiling, flags_for
from shared.agency.service import AgencyService


class CourtLink(AgencyService):
    name = "court_link"
    DETAILS = CourtFiling

    def record_flags(self, details: CourtFiling):
        return flags_for(details)


SERVICE = CourtLink
