"""The justice_link nameko service: the agency base, with the details its own records carry."""

from services.justice_link.domain import MediationRequest, flags_for
from shared.agency.records import RecordKind
from shared.agency.service import AgencyService


class JusticeLink(AgencyService):
    name = "justice_link"
    RECORDS = RecordKind(MediationRequest, flags_for)


SERVICE = JusticeLink
