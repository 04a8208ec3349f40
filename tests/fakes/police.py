"""The police's store in memory: the agency's referrals and records, and the stations' dispute calls."""

import copy
from collections import Counter
from datetime import date, datetime
from typing import Any

from services.police_link.domain.calls import Decision, RecordedCall
from services.police_link.domain.figures import CallFigures
from services.police_link.store import CALL_COLUMNS, tally_of
from shared.agency.joined import joins_another_case
from shared.contracts.vocabulary import ResultCode
from shared.delivery.statements import Row
from shared.persistence.errors import NotFound
from tests.fakes.agency import FakeAgencyStore, case_referral_row
from tests.fakes.coordinator import as_json

CALL_KEYS = tuple(column.strip() for column in CALL_COLUMNS.split(","))
# What the figures group calls by, as the SQL does.
TALLY_KEYS = (
    "classification",
    "decision",
    "procedure",
    "reasons",
    "result",
    "violence",
    "injury",
    "weapon_or_threat",
    "repeated",
    "civil_to_criminal_risk",
    "joined",
)


class FakePoliceStore(FakeAgencyStore):
    def __init__(self) -> None:
        super().__init__()
        self.calls: dict[str, Row] = {}

    def add_call(self, call: RecordedCall) -> bool:
        if call.call_number in self.calls:
            return False
        risk = call.scene.risk
        self.calls[call.call_number] = {
            "call_number": call.call_number,
            "unit": call.unit,
            "received_at": call.received_at,
            "received_on": call.received_on,
            "classification": call.classification.value,
            "category": call.category.value,
            "division_code": call.division_code,
            "summary": call.summary,
            "parties": as_json([p.model_dump(mode="json") for p in call.parties]),
            "violence": risk.violence,
            "injury": risk.injury,
            "weapon_or_threat": risk.weapon_or_threat,
            "repeat_calls": risk.repeat_calls,
            "civil_to_criminal_risk": risk.civil_to_criminal_risk,
            "suitable_for_mediation": call.scene.suitable_for_mediation,
            "offence": call.scene.offence.value,
            "flags": [f.value for f in call.flags],
            "decision": call.decided.decision.value,
            "procedure": call.decided.procedure.value if call.decided.procedure else None,
            "reasons": [r.value for r in call.decided.reasons],
            "message_id": call.message_id,
            "recorded_by": call.recorded_by,
            "recorded_at": call.recorded_at,
            "case_id": None,
            "result": None,
            "result_round": None,
            "resolved_at": None,
            "mediator_unit": None,
            "mediator_result": None,
            "mediator_reported_at": None,
        }
        return True

    def get_call(self, call_number: str, units: frozenset[str]) -> Row:
        row = self.calls.get(call_number)
        if row is None:
            raise NotFound(f"no call {call_number}")
        referrals = sorted(
            (
                r
                for r in self.referrals.values()
                if (
                    (r["source_record_id"] == call_number and r["source"] == "police_call")
                    or self.of_joined_case(r, [call_number])
                )
                and any(r["unit"].startswith(unit) for unit in units)
            ),
            key=lambda r: (r["received_at"], str(r["referral_id"])),
        )
        return copy.deepcopy({**row, "referrals": [case_referral_row(r) for r in referrals]})

    def list_calls(self, decision: Decision | None, limit: int, units: frozenset[str]) -> list[Row]:
        rows = [
            r
            for r in self.calls.values()
            if any(r["unit"].startswith(own) for own in units) and (decision is None or r["decision"] == decision.value)
        ]
        by_number = sorted(rows, key=lambda r: r["call_number"])
        ordered = sorted(by_number, key=lambda r: r["received_at"], reverse=True)  # stable: ties by number
        return [
            {
                **copy.deepcopy(row),
                "link": self.record_link(row["call_number"]),
                "joined_referrals": self._joined(row, units),
            }
            for row in ordered[:limit]
        ]

    def note_case_result(self, case_id: str, round: int, result: ResultCode, at: datetime) -> list[str]:
        noted = []
        for row in self._calls_of_case(case_id):
            if row["result_round"] is None or row["result_round"] <= round:
                row.update(case_id=case_id, result=result.value, result_round=round, resolved_at=at)
                noted.append(row["call_number"])
        return sorted(noted)

    def note_mediator_result(self, case_id: str, unit: str, result: ResultCode, at: datetime) -> list[str]:
        noted = []
        for row in self._calls_of_case(case_id):
            if row["mediator_reported_at"] is None or row["mediator_reported_at"] <= at:
                row.update(case_id=case_id, mediator_unit=unit, mediator_result=result.value, mediator_reported_at=at)
                noted.append(row["call_number"])
        return sorted(noted)

    def call_figures(self, first: date, last: date, units: frozenset[str]) -> CallFigures:
        groups: Counter[tuple[Any, ...]] = Counter()
        for row in self.calls.values():
            if first <= row["received_on"] <= last and any(row["unit"].startswith(own) for own in units):
                link = self.record_links.get(row["call_number"])
                joined = link is not None and joins_another_case(str(link["reason"]))
                alike = {**row, "repeated": row["repeat_calls"] > 0, "reasons": tuple(row["reasons"]), "joined": joined}
                groups[tuple(alike[k] for k in TALLY_KEYS)] += 1
        return CallFigures.of(
            tally_of({**dict(zip(TALLY_KEYS, key, strict=True)), "n": n}) for key, n in groups.items()
        )

    def _joined(self, call: Row, units: frozenset[str]) -> list[Row]:
        """`units`' referrals of the case intake linked `call` to, in the order received (none without a link)."""
        joined = sorted(
            (
                r
                for r in self.referrals.values()
                if self.of_joined_case(r, [call["call_number"]]) and any(r["unit"].startswith(u) for u in units)
            ),
            key=lambda r: (r["received_at"], str(r["referral_id"])),
        )
        return copy.deepcopy([case_referral_row(r) for r in joined])

    def _calls_of_case(self, case_id: str) -> list[Row]:
        numbers = {
            r["source_record_id"]
            for r in self.referrals.values()
            if r["case_id"] == case_id and r["source"] == "police_call" and r["source_record_id"] is not None
        }
        return [row for number, row in self.calls.items() if number in numbers and row["decision"] == "mediation"]
