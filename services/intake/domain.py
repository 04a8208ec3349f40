"""Intake's rules: how a case is numbered, who a party is, and when a report repeats an existing case."""

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from shared.contracts.disputes import DisputeReport, Party
from shared.contracts.identifiers import county_of, validate_division
from shared.contracts.masking import mask_free_text
from shared.contracts.vocabulary import Category, LinkReason

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
# Printed with at least five digits; a busier day widens the number (99999, then 100000), and
# CaseId accepts up to nine, far beyond any county's day.
MAX_DAILY_SEQUENCE = 999_999_999
REPEAT_WINDOW = timedelta(days=30)

# Versioned, so that a change of normalisation can live beside keys stored under the old one.
# The digest keeps ID numbers out of key columns, indexes and logs. A plain hash would not be
# enough: ID numbers are few enough (region, birth date, sequence) to hash them all and read a
# stolen key column back. Keyed with the deployment's secret, the keys mean nothing without it.
PARTY_KEY_PREFIX = "wuyuan.party.v2:"
MIN_SECRET_BYTES = 32

_COUNTY = re.compile(r"[0-9]{6}")


class PairKey(NamedTuple):
    """One applicant against one respondent in one category: what a repeat by the same people shares."""

    applicant: str
    respondent: str
    category: Category


@dataclass(frozen=True)
class RepeatKeys:
    """What a report is looked up and stored by. Party keys are digests, never ID numbers in clear."""

    record: str | None
    pairs: tuple[PairKey, ...]


@dataclass(frozen=True)
class PriorCase:
    """An earlier case as intake stored it: its number, when it was registered, and the keys of every
    report it holds (a case linked from a court filing and then a police call has both records)."""

    case_id: str
    registered_at: datetime
    records: frozenset[str]
    pairs: frozenset[PairKey]

    @classmethod
    def registered_with(cls, case_id: str, registered_at: datetime, *reports: RepeatKeys) -> "PriorCase":
        return cls(
            case_id,
            registered_at,
            frozenset(keys.record for keys in reports if keys.record),
            frozenset(pair for keys in reports for pair in keys.pairs),
        )


@dataclass(frozen=True)
class NewCase:
    """Open a new case, to be stored under these keys."""

    keys: RepeatKeys


@dataclass(frozen=True)
class LinkedRepeat:
    """Link the report to an existing case instead of opening one."""

    case_id: str
    reason: LinkReason
    keys: RepeatKeys


Registration = NewCase | LinkedRepeat


def local_day(moment: datetime) -> date:
    """The calendar day in the county, which is what the case number shows."""
    _require_aware(moment, "moment")
    return moment.astimezone(LOCAL_ZONE).date()


def format_case_id(county: str, day: date, sequence: int) -> str:
    """'430426', 2026-11-21, 42 -> '430426-20261121-00042'; 123456 -> '430426-20261121-123456'."""
    if not _COUNTY.fullmatch(county):
        raise ValueError(f"county must be a 6-digit division code, got {county!r}")
    validate_division(county)
    if not 1 <= sequence <= MAX_DAILY_SEQUENCE:
        raise ValueError(f"daily sequence must be 1..{MAX_DAILY_SEQUENCE}, got {sequence}")
    return f"{county}-{day:%Y%m%d}-{sequence:05d}"


def case_id_for(division_code: str, registered_at: datetime, sequence: int) -> str:
    """The number of a case registered at a moment, in the county of the place the dispute arose."""
    return format_case_id(county_of(division_code), local_day(registered_at), sequence)


def normalise_name(name: str) -> str:
    # NFKC folds full-width letters and digits, which different agency systems type differently.
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _party_identity(party: Party) -> str:
    """Who a party is, in clear: the ID number when given, else name and phone, else name alone."""
    if party.id_number:
        return f"id:{party.id_number}"
    if party.phone:
        return f"name+phone:{normalise_name(party.name)}|{party.phone}"
    return f"name:{normalise_name(party.name)}"


def party_key(party: Party, secret: bytes) -> str:
    """The HMAC-SHA256 of a party's identity under the deployment's secret: what the database stores and matches on."""
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the party key secret must be at least {MIN_SECRET_BYTES} bytes, got {len(secret)}")
    return hmac.new(secret, (PARTY_KEY_PREFIX + _party_identity(party)).encode(), hashlib.sha256).hexdigest()


def record_key(report: DisputeReport) -> str | None:
    """The feeding agency's record, e.g. 'court_filing:(2026)湘0426民诉前调1234号'."""
    if report.source_record_id is None:
        return None
    return f"{report.source}:{report.source_record_id}"


def repeat_keys(report: DisputeReport, secret: bytes) -> RepeatKeys:
    pairs = (
        PairKey(party_key(applicant, secret), party_key(respondent, secret), report.category)
        for applicant in report.applicants()
        for respondent in report.respondents()
    )
    # dict.fromkeys drops duplicates (the same person listed twice) and keeps the order.
    return RepeatKeys(record=record_key(report), pairs=tuple(dict.fromkeys(pairs)))


def decide_registration(keys: RepeatKeys, candidates: list[PriorCase], now: datetime) -> Registration:
    """Link the report to the most recent matching case, preferring the same source record; else open one.

    `candidates` are the cases stored under any of the report's keys; the store finds them,
    this decides. A source record links at any age; the same parties and category link only
    within REPEAT_WINDOW of the earlier registration.
    """
    _require_aware(now, "now")
    for candidate in candidates:
        _require_aware(candidate.registered_at, f"registered_at of {candidate.case_id}")

    if keys.record is not None:
        same_record = [c for c in candidates if keys.record in c.records]
        if same_record:
            return LinkedRepeat(_most_recent(same_record).case_id, LinkReason.SAME_SOURCE_RECORD, keys)

    pairs = set(keys.pairs)
    same_parties = [c for c in candidates if now - c.registered_at <= REPEAT_WINDOW and pairs.intersection(c.pairs)]
    if same_parties:
        return LinkedRepeat(_most_recent(same_parties).case_id, LinkReason.SAME_PARTIES, keys)

    return NewCase(keys)


def _most_recent(cases: list[PriorCase]) -> PriorCase:
    # Case id breaks a tie of equal timestamps, so the same candidates always give the same answer.
    return max(cases, key=lambda c: (c.registered_at, c.case_id))


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment.isoformat()}")


def masked_free_text(report: DisputeReport) -> DisputeReport:
    """The report with ID and mobile numbers typed into its free text (summary, party names) masked.

    What intake stores and sends; the numbers in the parties' own fields are untouched. Record ids
    are identifiers that repeats are matched on, not free text, and stay as the agency sent them.
    """
    parties = [party.model_copy(update={"name": mask_free_text(party.name)}) for party in report.parties]
    return report.model_copy(update={"summary": mask_free_text(report.summary), "parties": parties})
