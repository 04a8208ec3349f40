"""Spot checks' draws and findings (migration 0010), and the closed cases they are drawn from."""

from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from services.supervision.spot_checks import ClosedCase, Draw, SpotCheck
from shared.contracts.vocabulary import Rating
from shared.delivery.statements import Row, Statements
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb

_LISTED = (
    "s.case_id, s.round, s.lead_unit, s.closed_at, s.drawn_at, s.rating, s.comment, s.checked_by, s.found_at,"
    " s.reopened, s.draw_id, d.trigger"
)


class SpotCheckStore(Protocol):
    def closed_cases(self, start: datetime, end: datetime) -> list[ClosedCase]:
        """Cases closed in [start, end) (each CaseClosed kept), with the round they closed in (the latest rated
        follow-up opened before) and its lead; a round already drawn for a spot check is left out."""
        ...

    def add_draw(self, draw_id: UUID, draw: Draw, drawn_by: str, at: datetime) -> bool:
        """Keep a draw and a spot check for each case drawn; False, and nothing kept, if the period already has
        its scheduled draw (another instance drew it)."""
        ...

    def has_scheduled_draw(self, period_start: date, period_end: date) -> bool:
        """Whether the period (China local dates, both included) already has its scheduled draw."""
        ...

    def lock_spot_check(self, case_id: str) -> SpotCheck:
        """The case's latest spot check, locked; NotFound if it was never drawn."""
        ...

    def reopened_since(self, case_id: str, round: int) -> bool:
        """Whether the case was reopened after `round` (a CaseReopened kept for a later round): a finding about that
        round no longer sends it back, as it is handled again already."""
        ...

    def save_finding(self, check: SpotCheck, comment: str | None, checked_by: str, reopened: bool) -> None:
        """The finding, and whether it reopens the case (a dissatisfied one does, but for a round taken into a
        statutory procedure)."""
        ...

    def list_spot_checks(
        self, start: datetime | None, end: datetime | None, pending_only: bool, limit: int
    ) -> list[Row]:
        """Spot checks of cases closed in [start, end) if given, as `case_id`, `round`, `lead_unit`, `closed_at`,
        `drawn_at`, `rating`, `comment`, `checked_by`, `found_at`, `reopened`, `draw_id`, `trigger`; the oldest
        drawn first; only those without a finding if `pending_only`."""
        ...

    def spot_check_figures(self, start: datetime, end: datetime) -> Row:
        """For cases closed in [start, end): `closed` (CaseClosed facts), `drawn`, `done`, `reopened`, and `ratings`
        ({rating: count} of the findings)."""
        ...


class PostgresSpotCheckStore:
    """Mixed into PostgresSupervisionStore: the same transaction's statements."""

    sql: Statements

    def closed_cases(self, start: datetime, end: datetime) -> list[ClosedCase]:
        rows = self.sql.all(
            "SELECT c.case_id, c.occurred_at AS closed_at, f.round, f.lead_unit FROM case_facts c"
            " JOIN LATERAL (SELECT round, lead_unit FROM follow_ups WHERE case_id = c.case_id"
            "  AND rating IS NOT NULL AND opened_at <= c.occurred_at ORDER BY round DESC LIMIT 1) f ON true"
            " WHERE c.fact = 'CaseClosed' AND c.occurred_at >= %s AND c.occurred_at < %s"
            " AND NOT EXISTS (SELECT 1 FROM spot_checks s WHERE s.case_id = c.case_id AND s.round = f.round)"
            " ORDER BY c.case_id, f.round",
            (start, end),
        )
        return [ClosedCase(r["case_id"], r["round"], r["lead_unit"], r["closed_at"]) for r in rows]

    def add_draw(self, draw_id: UUID, draw: Draw, drawn_by: str, at: datetime) -> bool:
        # The partial unique index lets one scheduled draw per period in; a second instance's insert waits
        # for the first to commit, then does nothing.
        row = self.sql.one(
            "INSERT INTO spot_check_draws (draw_id, trigger, period_start, period_end, share_percent, minimum,"
            " closed_count, drawn_count, seed, case_ids, drawn_by, drawn_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (period_start, period_end) WHERE trigger = 'scheduled' DO NOTHING RETURNING draw_id",
            (
                draw_id,
                draw.trigger.value,
                draw.period_start,
                draw.period_end,
                draw.share_percent,
                draw.minimum,
                draw.population,
                len(draw.drawn),
                draw.seed,
                jsonb([{"case_id": c.case_id, "round": c.round} for c in draw.drawn]),
                drawn_by,
                at,
            ),
        )
        if row is None:
            return False
        for case in draw.drawn:
            self.sql.write(
                "INSERT INTO spot_checks (case_id, round, draw_id, lead_unit, closed_at, drawn_at)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (case_id, round) DO NOTHING",
                (case.case_id, case.round, draw_id, case.lead_unit, case.closed_at, at),
            )
        return True

    def has_scheduled_draw(self, period_start: date, period_end: date) -> bool:
        row = self.sql.one(
            "SELECT 1 AS found FROM spot_check_draws WHERE trigger = 'scheduled'"
            " AND period_start = %s AND period_end = %s",
            (period_start, period_end),
        )
        return row is not None

    def lock_spot_check(self, case_id: str) -> SpotCheck:
        row = self.sql.one(
            "SELECT * FROM spot_checks WHERE case_id = %s ORDER BY round DESC LIMIT 1 FOR UPDATE", (case_id,)
        )
        if row is None:
            raise NotFound(f"case {case_id} was not drawn for a spot check")
        return SpotCheck(
            row["case_id"],
            row["round"],
            row["lead_unit"],
            row["closed_at"],
            Rating(row["rating"]) if row["rating"] else None,
            row["found_at"],
        )

    def reopened_since(self, case_id: str, round: int) -> bool:
        row = self.sql.one(
            "SELECT 1 AS found FROM case_facts WHERE case_id = %s AND fact = 'CaseReopened'"
            " AND (detail ->> 'round')::int > %s LIMIT 1",
            (case_id, round),
        )
        return row is not None

    def save_finding(self, check: SpotCheck, comment: str | None, checked_by: str, reopened: bool) -> None:
        self.sql.write(
            "UPDATE spot_checks SET rating = %s, comment = %s, checked_by = %s, found_at = %s, reopened = %s"
            " WHERE case_id = %s AND round = %s",
            (
                check.rating.value if check.rating else None,
                comment,
                checked_by,
                check.found_at,
                reopened,
                check.case_id,
                check.round,
            ),
        )

    def list_spot_checks(
        self, start: datetime | None, end: datetime | None, pending_only: bool, limit: int
    ) -> list[Row]:
        conditions, params = ["true"], []
        if start is not None and end is not None:
            conditions.append("s.closed_at >= %s AND s.closed_at < %s")
            params += [start, end]
        if pending_only:
            conditions.append("s.rating IS NULL")
        return self.sql.all(
            f"SELECT {_LISTED} FROM spot_checks s JOIN spot_check_draws d USING (draw_id)"
            f" WHERE {' AND '.join(conditions)} ORDER BY s.drawn_at, s.case_id, s.round LIMIT %s",
            (*params, limit),
        )

    def spot_check_figures(self, start: datetime, end: datetime) -> Row:
        closed = self.sql.one(
            "SELECT count(*) AS n FROM case_facts WHERE fact = 'CaseClosed' AND occurred_at >= %s AND occurred_at < %s",
            (start, end),
        )
        drawn = self.sql.one(
            "SELECT count(*) AS drawn, count(rating) AS done, count(*) FILTER (WHERE reopened) AS reopened"
            " FROM spot_checks WHERE closed_at >= %s AND closed_at < %s",
            (start, end),
        )
        ratings = self.sql.all(
            "SELECT rating, count(*) AS n FROM spot_checks WHERE closed_at >= %s AND closed_at < %s"
            " AND rating IS NOT NULL GROUP BY rating",
            (start, end),
        )
        assert closed is not None and drawn is not None, "an aggregate always returns its row"
        return {
            "closed": int(closed["n"]),
            "drawn": int(drawn["drawn"]),
            "done": int(drawn["done"]),
            "reopened": int(drawn["reopened"]),
            "ratings": {str(r["rating"]): int(r["n"]) for r in ratings},
        }
