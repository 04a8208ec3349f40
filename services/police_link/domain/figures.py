"""The figures the counties publish for 警调对接: dispute calls, calls handed to mediation, what mediation made of
them, and the risk the calls carried.

They follow the calls received (by the county's calendar day) in a period, wherever those have got
to since, as Shandan's "2024年1-7月 … 警调对接578件，调处化解530件，调解成功率91.6%" does. A handed call
counts by its case's result (the coordinator's `CaseResolved`: the lead's result, or the mediators'
agreement where the station reported `handled`):
- `resolved` (调处化解): a resolving result: mediated, judicially_confirmed, withdrawn or handled;
- `mediated` (调解成功): mediated or judicially_confirmed, an agreement signed;
- `resolution_rate` = resolved ÷ handed to mediation: the basis of Shandan's published 91.6 %
  (530 ÷ 578 = 0.91696…, which they truncated; rounded here to four places, 0.917);
- `success_rate` = mediated ÷ handed to mediation.
Both rates count every call handed over in the period, those still awaiting a result included, so a
period's rates rise as its cases end; `awaiting_result` says how many have not.

One dispute is one 警调对接 case, counted once, by the call that opened it. A handed call that intake linked to a
case another call or report had opened (RecordLinked, for any reason but the same record fed again) brought
no case to mediation of its own: the officers still handed it over, so `calls` counts it, but `mediation` does
not. It counts it apart (`joined_existing_case`), and its result stays with the case, counted by the call whose
referral names it (or, for a case that came from the window, the court or another source, in the centre's report
under that source). So `mediation.handed_to_mediation` = `calls.handed_to_mediation` − `joined_existing_case`,
the basis of both rates: a joined call would otherwise wait for a result forever and pull the rates down.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.police_link.domain.calls import Classification, Decision, KeptBecause, Procedure
from shared.contracts.vocabulary import AGREEMENT_RESULTS, RESOLVING_RESULTS, ResultCode


def rate(part: int, whole: int) -> float | None:
    """A share to four decimal places (0.917 for 91.7 %), or None when there is nothing to take a share of."""
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class CallTally:
    """How many calls of a period are alike in everything the figures count."""

    classification: Classification
    decision: Decision
    procedure: Procedure | None
    reasons: tuple[KeptBecause, ...]
    result: ResultCode | None  # the case's result, for a handed call whose case has one
    violence: bool
    injury: bool
    weapon_or_threat: bool
    repeated: bool
    civil_to_criminal_risk: bool
    n: int
    joined: bool = False  # handed over, and linked by intake to a case another call or report had opened


@dataclass(frozen=True)
class CallFigures:
    tallies: tuple[CallTally, ...] = ()

    @classmethod
    def of(cls, tallies: Iterable[CallTally]) -> "CallFigures":
        return cls(tuple(t for t in tallies if t.n))

    def _count(self, *, decision: Decision | None = None, **facts: bool) -> int:
        return sum(
            t.n
            for t in self.tallies
            if (decision is None or t.decision is decision) and all(getattr(t, k) is v for k, v in facts.items())
        )

    def as_json(self) -> dict[str, Any]:
        recorded = self._count()
        handed = self._count(decision=Decision.MEDIATION)
        joined = self._count(decision=Decision.MEDIATION, joined=True)
        cases = handed - joined  # 警调对接 cases: each dispute once, by the call that opened it
        by_class: Counter[Classification] = Counter()
        kept_because: Counter[KeptBecause] = Counter()
        procedures: Counter[Procedure] = Counter()
        results: Counter[ResultCode] = Counter()
        for t in self.tallies:
            by_class[t.classification] += t.n
            for reason in t.reasons:
                kept_because[reason] += t.n
            if t.procedure is not None:
                procedures[t.procedure] += t.n
            if t.decision is Decision.MEDIATION and not t.joined and t.result is not None:
                results[t.result] += t.n
        settled = sum(results.values())
        resolved = sum(n for code, n in results.items() if code in RESOLVING_RESULTS)
        mediated = sum(n for code, n in results.items() if code in AGREEMENT_RESULTS)
        return {
            "calls": {
                "recorded": recorded,
                "by_classification": {c.value: by_class[c] for c in Classification},
                "handed_to_mediation": handed,
                "kept_by_police": recorded - handed,
                "handover_rate": rate(handed, recorded),
                # A call kept for both reasons counts under each.
                "kept_because": {r.value: kept_because[r] for r in KeptBecause},
                "kept_in_procedure": {p.value: procedures[p] for p in Procedure},
            },
            "mediation": {
                "handed_to_mediation": cases,
                "joined_existing_case": joined,
                "awaiting_result": cases - settled,
                "with_result": settled,
                "resolved": resolved,
                "mediated": mediated,
                "by_result": {code.value: results[code] for code in ResultCode},
                "resolution_rate": rate(resolved, cases),
                "success_rate": rate(mediated, cases),
            },
            "risk": {
                "violence_or_injury": sum(t.n for t in self.tallies if t.violence or t.injury),
                "violence": self._count(violence=True),
                "injury": self._count(injury=True),
                "weapon_or_threat": self._count(weapon_or_threat=True),
                "repeat_calls": self._count(repeated=True),
                "civil_to_criminal_risk": self._count(civil_to_criminal_risk=True),
                "civil_to_criminal_risk_handed_to_mediation": self._count(
                    decision=Decision.MEDIATION, civil_to_criminal_risk=True
                ),
            },
        }
