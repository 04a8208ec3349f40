"""回访抽查 at the coordinator: a closed case's spot-check finding, dissatisfied reopening it like a rating."""

from datetime import datetime
from uuid import uuid4

from services.coordinator.domain.decisions import DeadlineFor, Decision, DecisionDraft, IdFactory
from services.coordinator.domain.model import Case, CaseStatus, TimelineKind
from shared.contracts.vocabulary import ONWARD_RESULTS, Rating, ReopenCause


def record_spot_check(
    case: Case,
    round: int,
    rating: Rating,
    comment: str | None,
    checked_by: str,
    now: datetime,
    deadline_for: DeadlineFor,
    new_id: IdFactory = uuid4,
) -> Decision:
    """A dissatisfied finding about the round the case is closed in reopens it as a new round with the same lead,
    as a dissatisfied rating does (and, as for a rating, not a round that took the dispute into a statutory
    procedure, which answers for it now). Any other finding, or one about a case already handled again since it
    was drawn (reopened by a repeat report, say), is only noted: the case is where it should be."""
    draft = DecisionDraft(case, now)
    reopens = case.status is CaseStatus.CLOSED and case.round == round and case.result not in ONWARD_RESULTS
    if rating is Rating.DISSATISFIED and reopens:
        draft.note(
            TimelineKind.CASE_REOPENED,
            cause=ReopenCause.SPOT_CHECK,
            rating=rating,
            comment=comment,
            rated_by=checked_by,
            round=case.round + 1,
        )
        draft.reopen(ReopenCause.SPOT_CHECK, rating, deadline_for, new_id)
        return draft.decision()
    draft.note(TimelineKind.SPOT_CHECKED, rating=rating, comment=comment, rated_by=checked_by, round=round)
    return draft.decision()
