"""逾期提级 on the timer: ask the coordinator to take a case up one level, once per overdue referral."""

from services.supervision.escalation import escalation_due
from services.supervision.handlers import Work
from shared.centres import county_centres
from shared.contracts.messages import EscalateCase
from shared.platform import Platform
from shared.telemetry.case_scope import case_scope
from shared.workdays import working_days_between

ESCALATION_BATCH = 200


def send_escalations(uow: Work, platform: Platform) -> None:
    """Each unit overdue past its level's threshold (config/centres.toml) gets its case sent up once: an
    EscalateCase to the coordinator, which decides (one level up, or the leaders at the county)."""
    at = platform.now()
    centres = county_centres(platform.config_dir, platform.county)
    with uow:
        for watch, trace in uow.store.lock_watches_to_escalate(at, ESCALATION_BATCH):
            late = escalation_due(watch, None, at, centres, working_days_between)
            if late is None:
                continue  # under its threshold yet: looked at again on a later tick
            with case_scope(watch.case_id, trace, "supervision: escalate overdue case"):
                uow.send(
                    EscalateCase.build(
                        message_id=platform.new_id(),
                        occurred_at=at,
                        case_id=watch.case_id,
                        sender=platform.centre_unit,
                        recipient=platform.centre_unit,
                        referral_id=watch.referral_id,
                        unit=watch.unit,
                        due_at=watch.due_at,
                        overdue_working_days=late,
                    )
                )
                uow.store.mark_escalation_sent(watch.referral_id, at)
