"""High-frequency clue alerts (高频线索预警): who a report counts against, and when a count crosses its threshold."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.intake.domain import party_key
from shared.contracts.disputes import DisputeReport, Party
from shared.contracts.masking import mask_free_text, mask_person_name
from shared.contracts.vocabulary import AlertKind, PartyKind

# The reference kept in an alert: keyed again from the party key, so it matches no key column in
# intake's own tables and cannot be matched to anyone outside intake.
PERSON_REF_PREFIX = b"wuyuan.alert-person.v1:"
MAX_CASES_IN_ALERT = 200


@dataclass(frozen=True)
class AlertRules:
    """How many reports within how many days raise an alert (settings WUYUAN_ALERT_*)."""

    window_days: int = 30
    applicant_threshold: int = 3  # reports by the same applicant
    respondent_threshold: int = 3  # distinct applicants naming the same respondent

    def __post_init__(self) -> None:
        if not 1 <= self.window_days <= 366:
            raise ValueError(f"window_days must be 1..366, got {self.window_days}")
        for name in ("applicant_threshold", "respondent_threshold"):
            if not 2 <= getattr(self, name) <= 1000:
                raise ValueError(f"{name} must be 2..1000, got {getattr(self, name)}")

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.window_days)

    def threshold(self, kind: AlertKind) -> int:
        return self.applicant_threshold if kind is AlertKind.REPEATED_APPLICANT else self.respondent_threshold


DEFAULT_RULES = AlertRules()


@dataclass(frozen=True)
class Watched:
    """A party a report counts against: its keyed identity, its side, and its name as an alert may show it."""

    key: str
    kind: AlertKind
    shown_name: str


@dataclass(frozen=True)
class SeenReport:
    """A report that named the watched party on the watched side: when, which case, and by which applicants."""

    report_id: str
    case_id: str
    received_at: datetime
    applicants: frozenset[str]


@dataclass(frozen=True)
class AlertHistory:
    """What an alert decision about one watched party reads: its reports within the window, its last alert."""

    seen: list[SeenReport]
    last_raised_at: datetime | None


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    key: str
    shown_name: str
    count: int
    threshold: int
    window_start: datetime
    case_ids: tuple[str, ...]


def _identified(party: Party) -> bool:
    """Counted only when known by more than a name: a person by ID or mobile number, an organisation by its
    name (which is public and is how it is reported). Two people who share a name are never one person here."""
    return party.kind is PartyKind.ORGANISATION or bool(party.id_number or party.phone)


def _shown(party: Party) -> str:
    # An organisation's name is public, but a number typed into it is not.
    return mask_free_text(party.name) if party.kind is PartyKind.ORGANISATION else mask_person_name(party.name)


def watched_parties(report: DisputeReport, secret: bytes) -> list[Watched]:
    """The report's applicants (each may be reporting again and again) and respondents (each may be named by
    several applicants), keyed as repeats are (`domain.party_key`); each once."""
    watched: dict[tuple[str, AlertKind], Watched] = {}
    sides = ((report.applicants(), AlertKind.REPEATED_APPLICANT), (report.respondents(), AlertKind.SHARED_RESPONDENT))
    for parties, kind in sides:
        for party in parties:
            if _identified(party):
                key = party_key(party, secret)
                watched.setdefault((key, kind), Watched(key, kind, _shown(party)))
    return list(watched.values())


def applicant_keys(report: DisputeReport, secret: bytes) -> frozenset[str]:
    """Every applicant's key, whether identified or not: distinct applicants are counted by these."""
    return frozenset(party_key(party, secret) for party in report.applicants())


def detect(
    watched: Watched,
    seen: list[SeenReport],
    last_raised_at: datetime | None,
    now: datetime,
    rules: AlertRules = DEFAULT_RULES,
) -> Alert | None:
    """An alert if the reports within the window (those received after `now - window`, this one included) reach
    the threshold, and none was raised for the same party and kind within the window.

    The count is reports for an applicant, distinct applicants for a respondent. Once raised, the alert stands
    for its window: further reports do not raise another until `window_days` after it, and then only if the
    window then ending holds enough reports again.
    """
    window_start = now - rules.window
    if last_raised_at is not None and last_raised_at > window_start:
        return None
    within = sorted((r for r in seen if window_start < r.received_at <= now), key=lambda r: (r.received_at, r.case_id))
    if watched.kind is AlertKind.REPEATED_APPLICANT:
        count = len({r.report_id for r in within})
    else:
        count = len(frozenset().union(*(r.applicants for r in within))) if within else 0
    threshold = rules.threshold(watched.kind)
    if count < threshold:
        return None
    case_ids = tuple(dict.fromkeys(r.case_id for r in within))[-MAX_CASES_IN_ALERT:]
    return Alert(watched.kind, watched.key, watched.shown_name, count, threshold, window_start, case_ids)


def person_ref(key: str, secret: bytes) -> str:
    """The alert's reference to the party: 32 hex digits, the same for the same party, meaningful only to intake."""
    return hmac.new(secret, PERSON_REF_PREFIX + key.encode(), hashlib.sha256).hexdigest()[:32]
