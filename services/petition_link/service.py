"""The petition_link nameko service: the agency base, with the details its own records carry."""

from services.petition_link.domain import Petition, flags_for
from shared.agency.records import RecordKind
from shared.agency.service import AgencyService


class PetitionLink(AgencyService):
    name = "petition_link"
    RECORDS = RecordKind(Petition, flags_for)


SERVICE = PetitionLink
