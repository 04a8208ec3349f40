"""The coordinator's gauges for Prometheus, read at scrape time: cases by status."""

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily

from shared.persistence.transaction import Connection


class CasesByStatus:
    """Cases per status, counted over the index cases_by_status."""

    name = "cases"

    def __call__(self, connection: Connection, service: str) -> Iterable[GaugeMetricFamily]:
        rows = connection.execute("SELECT status, count(*) AS cases FROM cases GROUP BY status").fetchall()
        family = GaugeMetricFamily(
            "wuyuan_cases", "Cases the coordinator holds, by status.", labels=["service", "status"]
        )
        for row in rows:
            family.add_metric([service, str(row["status"])], float(row["cases"]))
        return [family]
