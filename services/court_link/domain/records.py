"""What a court filing fed in as a dispute carries in `details`, and the flags it implies (none)."""

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from services.court_link.domain.numbers import official
from shared.contracts.vocabulary import Flag


class CourtFiling(BaseModel):
    """A civil filing (立案) the court diverts to the centre for 诉前调解."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Kept in its official form, as a filing registered here is, so that the two find each other whatever brackets
    # either was typed with. Not held to the 案号's shape: a record the court's own system numbers otherwise is still
    # fed (it then matches no filing registered here).
    filing_number: Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(official)] = Field(
        min_length=1, max_length=64, description="e.g. （2026）湘0426民诉前123号"
    )
    claim_amount_yuan: Decimal | None = Field(default=None, ge=0, le=Decimal("1e12"))
    consents_to_mediation: bool = True


def flags_for(filing: CourtFiling) -> list[Flag]:
    return []
