"""诉源's pure rules: a filing's details as fed in, the court's screening, the statutory terms and a filing's life."""

from services.court_link.domain.records import CourtFiling, flags_for

__all__ = ["CourtFiling", "flags_for"]
