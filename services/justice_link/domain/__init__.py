"""调源's pure rules: a mediation request's details, organisations, assignment, guidance, figures."""

from services.justice_link.domain.records import MediationRequest, flags_for

__all__ = ["MediationRequest", "flags_for"]
