"""A unit's message the coordinator refused for good, as the case's timeline keeps it."""

from datetime import datetime

from services.coordinator.domain.decisions import Decision, DecisionDraft
from services.coordinator.domain.model import Case, TimelineKind


def note_rejection(case: Case, at: datetime, **detail: object) -> Decision:
    """`report_rejected` on the case's timeline, and nothing else: the refused message changed nothing."""
    draft = DecisionDraft(case, at)
    draft.note(TimelineKind.REPORT_REJECTED, **detail)
    return draft.decision()
