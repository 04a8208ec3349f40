"""What a court filing fed in as a dispute carries in `details`, and the flags it implies (none)."""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.vocabulary import Flag


class CourtFiling(BaseModel):
    """A civil filing (立案) the court diverts to the centre for 诉前调解."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    filing_number: str = Field(min_length=1, max_length=64, description="e.g. (2026)湘0426民诉前123号")
    claim_amount_yuan: Decimal | None = Field(default=None, ge=0, le=Decimal("1e12"))
    consents_to_mediation: bool = True


def flags_for(filing: CourtFiling) -> list[Flag]:
    return []
