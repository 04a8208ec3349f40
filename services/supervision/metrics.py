"""Supervision's gauges for Prometheus, read at scrape time: open referrals near and past their deadline, by unit,
and the report recount's backlog."""

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily

from shared.config import current_settings
from shared.persistence.transaction import Connection
from shared.registry import load_registry
from shared.wording import load_places, unit_name
from shared.workdays import add_working_days_or_weekdays

# Open, running watches (a paused clock is judged when it resumes), over the index watches_open_by_unit.
_BY_UNIT = """
SELECT unit,
       count(*) FILTER (WHERE due_at <= %(now)s) AS overdue,
       count(*) FILTER (WHERE due_at > %(now)s AND due_at <= %(horizon)s) AS near
FROM watches WHERE closed_at IS NULL AND paused_at IS NULL
GROUP BY unit
"""


def near_horizon(now: datetime) -> datetime:
    """A deadline up to here is near: within one working day (the close of the next working day). Weekdays stand
    in for a year whose calendar is not loaded yet, so that the gauges do not vanish from 31 December on."""
    return add_working_days_or_weekdays(now, 1)[0]


@cache
def unit_names(config_dir: Path) -> Callable[[str], str]:
    """'砖塘镇派出所' for 'police:430426101', by the registry and the divisions of the service's configuration."""
    registry, places = load_registry(config_dir), load_places(config_dir)
    return lambda unit: unit_name(unit, registry, places)


def _service_unit_names() -> Callable[[str], str]:
    return unit_names(current_settings().config_dir)


class ReferralsByDeadline:
    """`wuyuan_referrals_overdue` and `wuyuan_referrals_due_soon` per unit (units are offices, not people), labelled
    with the unit's code and its Chinese name: the centre's staff read the overdue alert and panel by name."""

    name = "referrals"

    def __init__(
        self,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        naming: Callable[[], Callable[[str], str]] = _service_unit_names,
    ) -> None:
        self.clock = clock
        self.naming = naming  # called at scrape time: the service's settings are not read at import

    def __call__(self, connection: Connection, service: str) -> Iterable[GaugeMetricFamily]:
        now = self.clock()
        rows = connection.execute(_BY_UNIT, {"now": now, "horizon": near_horizon(now)}).fetchall()
        labels = ["service", "unit", "unit_name"]
        overdue = GaugeMetricFamily(
            "wuyuan_referrals_overdue", "Open referrals past their deadline, by unit.", labels=labels
        )
        near = GaugeMetricFamily(
            "wuyuan_referrals_due_soon", "Open referrals due within one working day, by unit.", labels=labels
        )
        name_of = self.naming()
        for row in rows:
            unit = str(row["unit"])
            overdue.add_metric([service, unit, name_of(unit)], float(row["overdue"]))
            near.add_metric([service, unit, name_of(unit)], float(row["near"]))
        return [overdue, near]


class ReportRecountBacklog:
    """`wuyuan_report_stale_cases`: cases changed since the report's counters last counted them. The timer recounts
    them every second, so a count that stays high means the recount falls behind (or fails)."""

    name = "report_recount"

    def __call__(self, connection: Connection, service: str) -> Iterable[GaugeMetricFamily]:
        row = connection.execute("SELECT count(*) AS stale FROM report_stale").fetchone()
        stale = GaugeMetricFamily(
            "wuyuan_report_stale_cases",
            "Cases whose report counters wait for the recount.",
            labels=["service"],
        )
        stale.add_metric([service], float(row["stale"]) if row else 0.0)
        return [stale]
