"""The court_link nameko service: the agency base, with the details its own records carry."""

from services.court_link.domain import CourtFiling, flags_for
from shared.agency.records import RecordKind
from shared.agency.service import AgencyService


class CourtLink(AgencyService):
    name = "court_link"
    RECORDS = RecordKind(CourtFiling, flags_for)


SERVICE = CourtLink
