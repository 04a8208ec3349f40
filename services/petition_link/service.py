"""The petition_link nameko service: the agency base with its own record fields."""

from services.petition_link.domain import Petition, flags_for
from shared.agency.service import AgencyService


class PetitionLink(AgencyService):
    name = "petition_link"
    DETAILS = Petition

    def record_flags(self, details: Petition):
        return flags_for(details)


SERVICE = PetitionLink
