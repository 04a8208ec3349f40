"""案源's pure rules: a call's details as fed in, its risk flags, the handover decision (警调对接) and the figures."""

from services.police_link.domain.records import PoliceCall, flags_for

__all__ = ["PoliceCall", "flags_for"]
