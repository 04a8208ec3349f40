"""The conformance kit's report: one result per check, rendered for staff in Chinese or as JSON."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Outcome = Literal["passed", "failed", "skipped"]

OUTCOME_ZH: dict[str, str] = {"passed": "通过", "failed": "未通过", "skipped": "跳过"}
MARKS: dict[str, str] = {"passed": "✓", "failed": "✗", "skipped": "-"}


@dataclass(frozen=True)
class CheckResult:
    code: str  # stable, English: what scripts and tests match on
    title_zh: str
    outcome: Outcome
    detail: str = ""  # on failure: what was expected and what was seen; on a skip: why

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "title_zh": self.title_zh, "outcome": self.outcome, "detail": self.detail}


@dataclass(frozen=True)
class ConformanceReport:
    agency: str
    service: str
    results: Sequence[CheckResult]

    @property
    def passed(self) -> bool:
        """True when no check failed and at least one passed (a run that skipped everything proves nothing)."""
        outcomes = [result.outcome for result in self.results]
        return "failed" not in outcomes and "passed" in outcomes

    @property
    def failed_codes(self) -> list[str]:
        return [result.code for result in self.results if result.outcome == "failed"]

    def outcome_of(self, code: str) -> Outcome | None:
        return next((result.outcome for result in self.results if result.code == code), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "service": self.service,
            "passed": self.passed,
            "results": [result.as_dict() for result in self.results],
        }

    def render(self) -> str:
        counts = {outcome: sum(1 for r in self.results if r.outcome == outcome) for outcome in OUTCOME_ZH}
        width = max((len(result.code) for result in self.results), default=0)
        lines = [f"一致性检查：{self.agency}（{self.service}）"]
        for result in self.results:
            lines.append(
                f"  {MARKS[result.outcome]} {result.code:<{width}}  {OUTCOME_ZH[result.outcome]}  {result.title_zh}"
            )
            if result.outcome != "passed" and result.detail:
                lines.extend(f"        {line}" for line in result.detail.splitlines())
        verdict = "结论：符合" if self.passed else "结论：不符合"
        lines.append(
            f"{verdict}（通过 {counts['passed']} 项，未通过 {counts['failed']} 项，跳过 {counts['skipped']} 项）"
        )
        return "\n".join(lines)
