"""The conformance kit: plays the centre against one agency's real queues and reports, check by check."""

from wuyuan.conformance.checks import CHECK_CODES
from wuyuan.conformance.report import CheckResult, ConformanceReport
from wuyuan.conformance.runner import NotReached, UnknownAgency, UnknownCheck, find_agency, run_conformance

__all__ = [
    "CHECK_CODES",
    "CheckResult",
    "ConformanceReport",
    "NotReached",
    "UnknownAgency",
    "UnknownCheck",
    "find_agency",
    "run_conformance",
]
