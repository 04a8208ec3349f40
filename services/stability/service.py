"""The stability nameko service (稳源): the agency base, plus a risk register fed by case assignments."""

from services.stability.domain import StabilityLead, flags_for, warning_colour
from shared.agency.service import AgencyService
from shared.clock import now
from shared.contracts.messages import CaseAssigned
from shared.http import api, json_response
from shared.messaging.inbox import handles
from shared.persistence.jsonb import jsonb


class Stability(AgencyService):
    name = "stability"
    DETAILS = StabilityLead

    def record_flags(self, details: StabilityLead):
        return flags_for(details)

    @handles(CaseAssigned)
    def on_case_assigned(self, message: CaseAssigned):
        colour = warning_colour(message.flags)
        with self.db.transaction() as uow:
            uow.claim(message)
            if colour is not None:
                uow.write(
                    "INSERT INTO risk_register (case_id, colour, flags, category, division_code, lead_unit, noted_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (case_id) DO NOTHING",
                    (
                        message.case_id,
                        colour.value,
                        jsonb([f.value for f in message.flags]),
                        message.category.value,
                        message.division_code,
                        message.lead_unit,
                        now(),
                    ),
                )

    @api("GET", "/api/v1/risk-register")
    def risk_register(self, request):
        with self.db.transaction() as uow:
            rows = uow.all("SELECT * FROM risk_register ORDER BY noted_at DESC LIMIT 500")
        return json_response(200, {"cases": rows})


SERVICE = Stability
