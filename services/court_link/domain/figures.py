"""The figures the counties publish for 诉调对接: filings, diversion, mediation success, 司法确认, returns.

They follow the filings registered (filed_on) in a period, wherever those have got to since, as
Shandan's "2024年1-7月 … 立案数2438件，分流综治中心1907件，调解成功1407件" does. Two success rates:
`success_rate` is mediated ÷ diverted filings whose mediation has ended (mediated or returned), which
does not count filings still in mediation as failures; `mediated_share_of_diverted` is mediated ÷
all diverted, the basis of Shandan's published 73.8 % (1407 ÷ 1907). They agree once every
diverted filing of the period has ended.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.court_link.domain.filings import ConfirmationStatus, FilingStatus
from services.court_link.domain.screening import CaseType, FilingDecision, NotDiverted


def rate(part: int, whole: int) -> float | None:
    """A share to four decimal places (0.7822 for 78.2 %), or None when there is nothing to take a share of."""
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class FilingFigures:
    by_type: Mapping[CaseType, int] = field(default_factory=dict)
    diverted: int = 0
    by_status: Mapping[FilingStatus, int] = field(default_factory=dict)
    reasons: Mapping[NotDiverted, int] = field(default_factory=dict)  # a filed filing counts once per reason
    confirmations: Mapping[ConfirmationStatus, int] = field(default_factory=dict)  # applications, not filings

    @classmethod
    def of_counts(
        cls,
        filings: Iterable[tuple[str, str, str, int]],
        reasons: Iterable[tuple[str, int]],
        confirmations: Iterable[tuple[str, int]],
    ) -> "FilingFigures":
        """From counts as grouped: (case type, decision, status, n), (reason, n) and (application status, n)."""
        by_type: Counter[CaseType] = Counter()
        by_status: Counter[FilingStatus] = Counter()
        diverted = 0
        for case_type, decision, status, n in filings:
            by_type[CaseType(case_type)] += n
            by_status[FilingStatus(status)] += n
            diverted += n if FilingDecision(decision) is FilingDecision.DIVERTED else 0
        why: Counter[NotDiverted] = Counter()
        for code, n in reasons:
            why[NotDiverted(code)] += n
        applications: Counter[ConfirmationStatus] = Counter()
        for status, n in confirmations:
            applications[ConfirmationStatus(status)] += n
        return cls(dict(by_type), diverted, dict(by_status), dict(why), dict(applications))

    @property
    def registered(self) -> int:
        return sum(self.by_type.values())

    @property
    def mediated(self) -> int:
        return self.by_status.get(FilingStatus.MEDIATED, 0)

    @property
    def returned(self) -> int:
        return self.by_status.get(FilingStatus.RETURNED, 0)

    @property
    def ended(self) -> int:
        return self.mediated + self.returned

    def as_json(self) -> dict[str, Any]:
        requested = sum(self.confirmations.values())
        return {
            "filings": {
                "registered": self.registered,
                "by_type": {t.value: self.by_type.get(t, 0) for t in CaseType},
                "diverted": self.diverted,
                "filed": self.registered - self.diverted,
                "diversion_rate": rate(self.diverted, self.registered),
                "not_diverted_because": {r.value: self.reasons.get(r, 0) for r in NotDiverted},
            },
            "mediation": {
                "in_mediation": self.by_status.get(FilingStatus.IN_MEDIATION, 0),
                "mediated": self.mediated,
                "returned_to_litigation": self.returned,
                "ended": self.ended,
                "success_rate": rate(self.mediated, self.ended),
                "mediated_share_of_diverted": rate(self.mediated, self.diverted),
            },
            "confirmations": {
                "requested": requested,
                **{s.value: self.confirmations.get(s, 0) for s in ConfirmationStatus},
            },
        }
