"""The police_link nameko service: the agency base, with the details its own records carry."""

from services.police_link.domain import PoliceCall, flags_for
from shared.agency.records import RecordKind
from shared.agency.service import AgencyService


class PoliceLink(AgencyService):
    name = "police_link"
    RECORDS = RecordKind(PoliceCall, flags_for)


SERVICE = PoliceLink
