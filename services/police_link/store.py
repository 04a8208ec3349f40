"""The police's store: the agency's referrals and records, and the stations' dispute calls with their mediation."""

from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from services.police_link.domain.calls import (
    Classification,
    Decision,
    KeptBecause,
    Procedure,
    RecordedCall,
)
from services.police_link.domain.figures import CallFigures, CallTally
from shared.agency.store import (
    CASE_REFERRAL_COLUMNS,
    RECORD_LINK_COLUMNS,
    AgencyStore,
    PostgresAgencyStore,
    of_joined_case,
)
from shared.contracts.vocabulary import LinkReason, ResultCode
from shared.delivery.statements import Row
from shared.persistence.errors import NotFound
from shared.persistence.jsonb import jsonb

CALL_COLUMNS = (
    "call_number, unit, received_at, received_on, classification, category, division_code, summary, parties,"
    " violence, injury, weapon_or_threat, repeat_calls, civil_to_criminal_risk, suitable_for_mediation, offence,"
    " flags, decision, procedure, reasons, message_id, recorded_by, recorded_at,"
    " case_id, result, result_round, resolved_at, mediator_unit, mediator_result, mediator_reported_at"
)
_OWN = "EXISTS (SELECT 1 FROM unnest(%s::text[]) AS own(unit) WHERE starts_with({table}.unit, own.unit))"
# The handed calls a case came from: the police hold a referral of the case naming the call as its source record.
_CALLS_OF_CASE = (
    "decision = 'mediation' AND call_number IN (SELECT source_record_id FROM referrals"
    " WHERE case_id = %s AND source = 'police_call' AND source_record_id IS NOT NULL)"
)

# A call intake linked to a case another call or report had opened (its link's reason is not the same record fed
# again): the figures count it handed over, but not as a 警调对接 case of its own (domain/figures.py).
_JOINED = "EXISTS (SELECT 1 FROM record_links l WHERE l.record_id = calls.call_number AND l.reason <> %s)"

_LINK_KEYS = tuple(column.strip() for column in RECORD_LINK_COLUMNS.split(","))
_REFERRAL_KEYS = tuple(column.strip() for column in CASE_REFERRAL_COLUMNS.split(","))
# A listed call's link, read beside the call in the same row: the link's columns as `link_<column>`.
_LISTED_LINK = ", ".join(f"l.{key} AS link_{key}" for key in _LINK_KEYS)
# The reader's units' referrals of the case a listed call joined, as a page lists them, gathered in the call's row so
# that the list is one query however many calls it shows.
_LISTED_JOINED_REFERRALS = (
    "(SELECT coalesce(jsonb_agg(jsonb_build_object("
    + ", ".join(f"'{key}', r.{key}" for key in _REFERRAL_KEYS)
    + ") ORDER BY r.received_at, r.referral_id), '[]'::jsonb) FROM referrals r"
    " WHERE r.case_id = l.case_id AND {own}) AS joined_referrals"
)


class PoliceStore(AgencyStore, Protocol):
    def add_call(self, call: RecordedCall) -> bool:
        """Keep a call as recorded; False, keeping nothing, when its number is known (recorded twice)."""
        ...

    def get_call(self, call_number: str, units: frozenset[str]) -> Row:
        """A call with the `referrals` that any of `units` (or a unit below one) received for the case it became
        (matched by the referrals' source record), or for the existing case intake linked it to as a repeat
        (`record_link`: a case the police already handled, for which no referral names the call), in the order
        received; NotFound if there is none. Another station called into the case holds a referral of it too,
        which is that station's to read."""
        ...

    def list_calls(self, decision: Decision | None, limit: int, units: frozenset[str]) -> list[Row]:
        """Calls of `units` and the units under them, the latest received first, each with its `link` (as
        `record_link` gives it, or None) and the `joined_referrals` that any of `units` (or a unit below one)
        received for the case it joined (`[]` for a call with no link), in the order received, as `get_call` lists
        them: what the call's line needs to say what the case it joined came to (`joined_case_view`)."""
        ...

    def note_case_result(self, case_id: str, round: int, result: ResultCode, at: datetime) -> list[str]:
        """On the handed calls case `case_id` came from, the round's result and when, unless a later round's
        is there already; the numbers of the calls it was noted on."""
        ...

    def note_mediator_result(self, case_id: str, unit: str, result: ResultCode, at: datetime) -> list[str]:
        """On the handed calls case `case_id` came from, the mediators' own result and when, unless a later
        one is there already; the numbers of the calls it was noted on."""
        ...

    def call_figures(self, first: date, last: date, units: frozenset[str]) -> CallFigures:
        """The figures of `units`' calls received on the days from `first` to `last`, both included; a handed call
        intake joined to a case another call or report had opened is counted apart from the cases (`joined`)."""
        ...


class PostgresPoliceStore(PostgresAgencyStore):
    def add_call(self, call: RecordedCall) -> bool:
        risk = call.scene.risk
        row = self.sql.one(
            "INSERT INTO calls (call_number, unit, received_at, received_on, classification, category, division_code,"
            " summary, parties, violence, injury, weapon_or_threat, repeat_calls, civil_to_criminal_risk,"
            " suitable_for_mediation, offence, flags, decision, procedure, reasons, message_id, recorded_by,"
            f" recorded_at) VALUES ({', '.join(['%s'] * 23)})"
            " ON CONFLICT (call_number) DO NOTHING RETURNING call_number",
            (
                call.call_number,
                call.unit,
                call.received_at,
                call.received_on,
                call.classification.value,
                call.category.value,
                call.division_code,
                call.summary,
                jsonb([p.model_dump(mode="json") for p in call.parties]),
                risk.violence,
                risk.injury,
                risk.weapon_or_threat,
                risk.repeat_calls,
                risk.civil_to_criminal_risk,
                call.scene.suitable_for_mediation,
                call.scene.offence.value,
                jsonb([f.value for f in call.flags]),
                call.decided.decision.value,
                call.decided.procedure.value if call.decided.procedure else None,
                jsonb([r.value for r in call.decided.reasons]),
                call.message_id,
                call.recorded_by,
                call.recorded_at,
            ),
        )
        return row is not None

    def get_call(self, call_number: str, units: frozenset[str]) -> Row:
        row = self.sql.one(f"SELECT {CALL_COLUMNS} FROM calls WHERE call_number = %s", (call_number,))
        if row is None:
            raise NotFound(f"no call {call_number}")
        row["referrals"] = self.sql.all(
            f"SELECT {CASE_REFERRAL_COLUMNS} FROM referrals WHERE ((source_record_id = %s AND source = 'police_call')"
            f" OR {of_joined_case()})"
            f" AND {_OWN.format(table='referrals')} ORDER BY received_at, referral_id",
            (call_number, call_number, sorted(units)),
        )
        return row

    def list_calls(self, decision: Decision | None, limit: int, units: frozenset[str]) -> list[Row]:
        code = decision.value if decision else None
        own = sorted(units)
        rows = self.sql.all(
            f"SELECT c.*, {_LISTED_LINK}, {_LISTED_JOINED_REFERRALS.format(own=_OWN.format(table='r'))}"
            f" FROM (SELECT {CALL_COLUMNS} FROM calls WHERE {_OWN.format(table='calls')}"
            " AND (%s::text IS NULL OR decision = %s) ORDER BY received_at DESC, call_number LIMIT %s) AS c"
            " LEFT JOIN record_links l ON l.record_id = c.call_number"
            " ORDER BY c.received_at DESC, c.call_number",
            (own, own, code, code, limit),
        )
        return [_listed(row) for row in rows]

    def note_case_result(self, case_id: str, round: int, result: ResultCode, at: datetime) -> list[str]:
        rows = self.sql.all(
            "UPDATE calls SET case_id = %s, result = %s, result_round = %s, resolved_at = %s"
            f" WHERE {_CALLS_OF_CASE} AND (result_round IS NULL OR result_round <= %s)"
            " RETURNING call_number",
            (case_id, result.value, round, at, case_id, round),
        )
        return sorted(str(r["call_number"]) for r in rows)

    def note_mediator_result(self, case_id: str, unit: str, result: ResultCode, at: datetime) -> list[str]:
        rows = self.sql.all(
            "UPDATE calls SET case_id = %s, mediator_unit = %s, mediator_result = %s, mediator_reported_at = %s"
            f" WHERE {_CALLS_OF_CASE} AND (mediator_reported_at IS NULL OR mediator_reported_at <= %s)"
            " RETURNING call_number",
            (case_id, unit, result.value, at, case_id, at),
        )
        return sorted(str(r["call_number"]) for r in rows)

    def call_figures(self, first: date, last: date, units: frozenset[str]) -> CallFigures:
        rows = self.sql.all(
            "SELECT classification, decision, procedure, reasons, result, violence, injury, weapon_or_threat,"
            f" repeat_calls > 0 AS repeated, civil_to_criminal_risk, {_JOINED} AS joined, count(*) AS n FROM calls"
            f" WHERE received_on BETWEEN %s AND %s AND {_OWN.format(table='calls')}"
            " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11",
            (LinkReason.SAME_SOURCE_RECORD.value, first, last, sorted(units)),
        )
        return CallFigures.of(tally_of(row) for row in rows)


def _listed(row: Row) -> Row:
    """A listed call's row with its link gathered as `record_link` gives it, and the referrals of the case it joined
    read back from JSON with the types a query of them gives (`get_call`)."""
    call = {k: v for k, v in row.items() if not k.startswith("link_") and k != "joined_referrals"}
    call["link"] = {key: row[f"link_{key}"] for key in _LINK_KEYS} if row["link_record_id"] is not None else None
    call["joined_referrals"] = [_referral_of_json(r) for r in row["joined_referrals"]]
    return call


def _referral_of_json(referral: dict[str, Any]) -> Row:
    return {
        **referral,
        "referral_id": UUID(referral["referral_id"]),
        "received_at": datetime.fromisoformat(referral["received_at"]),
    }


def tally_of(row: Row) -> CallTally:
    """A group of alike calls, from a row with the calls' columns and their count `n`."""
    return CallTally(
        classification=Classification(row["classification"]),
        decision=Decision(row["decision"]),
        procedure=Procedure(row["procedure"]) if row["procedure"] else None,
        reasons=tuple(KeptBecause(r) for r in row["reasons"]),
        result=ResultCode(row["result"]) if row["result"] else None,
        violence=row["violence"],
        injury=row["injury"],
        weapon_or_threat=row["weapon_or_threat"],
        repeated=row["repeated"],
        civil_to_criminal_risk=row["civil_to_criminal_risk"],
        n=row["n"],
        joined=row["joined"],
    )
