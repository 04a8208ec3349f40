"""The police_link nameko service: the agency base with its own record fields."""

from services.police_link.domain import PoliceCall, flags_for
from shared.agency.service import AgencyService


class PoliceLink(AgencyService):
    name = "police_link"
    DETAILS = PoliceCall

    def record_flags(self, details: PoliceCall):
        return flags_for(details)


SERVICE = PoliceLink
