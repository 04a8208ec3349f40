"""逾期提级 on the timer: ask the coordinator to take a case up one level, once per overdue referral."""

import logging
from datetime import datetime

from services.supervision.escalation import deadlines_due_before, escalation_due
from services.supervision.handlers import Work
from shared.centres import county_centres
from shared.contracts.messages import EscalateCase
from shared.logs import Throttle
from shared.platform import Platform
from shared.telemetry.case_scope import case_scope
from shared.workdays import working_days_or_weekdays, works

log = logging.getLogger(__name__)
_provisional_counts = Throttle(3600.0)

ESCALATION_BATCH = 200


def overdue_days(due_at: datetime, now: datetime) -> int:
    """Working days past the deadline; weekdays less the statutory holidays stand in for a year whose calendar is
    not loaded yet (暂定), so that a unit is still sent up in January before the year's holidays are published."""
    days, provisional = working_days_or_weekdays(due_at, now)
    if provisional:
        # Every overdue watch on every tick would say it again: once an hour per year is enough to be seen.
        _provisional_counts.warning(
            log, "overdue days counted on weekdays (calendar unknown, provisional)", key=now.year, year=now.year
        )
    return days


def send_escalations(uow: Work, platform: Platform) -> None:
    """Each unit overdue past its level's threshold (config/centres.toml) gets its case sent up once: an
    EscalateCase to the coordinator, which decides (one level up, or the leaders at the county)."""
    at = platform.now()
    centres = county_centres(platform.config_dir, platform.county)
    # Only the watches each level's threshold has been reached for: the others, most overdue first, would fill the
    # batch ahead of them pass after pass.
    due_before = deadlines_due_before(at, centres, works)
    with uow:
        for watch, trace in uow.store.lock_watches_to_escalate(at, ESCALATION_BATCH, due_before):
            try:
                late = escalation_due(watch, None, at, centres, overdue_days)
            except Exception:
                # One watch that cannot be judged (a unit missing from centres.toml, a bad row) is logged and left
                # for the next tick: it must not roll back the pass and hold up every other unit's escalation.
                log.exception("cannot judge escalation", extra={"referral_id": str(watch.referral_id)})
                continue
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
