"""Supervision's rules: reminder and overdue letters, what a rating decides, and the citizen's signed links."""

import base64
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from shared.contracts.identifiers import CASE_ID_PATTERN
from shared.contracts.messages import CaseClosed, CaseReopened, CaseResolved, Event, ReferralClosed
from shared.contracts.vocabulary import ONWARD_RESULTS, Rating, ReferralRole, ReopenCause, ResultCode
from shared.refusal import Refused

# The 提醒函 goes out when this share of the unit's time is gone, early enough to still act.
REMINDER_FRACTION = 0.8


@dataclass(frozen=True)
class UnitResult:
    """How one unit's part of a case ended, by its own report: a result, a decline, or the case going up a level
    past it. The report's unit 化解率 reads it, not the round's result."""

    referral_id: UUID
    case_id: str
    unit: str
    reason: str  # result_reported, declined, escalated
    result: ResultCode | None
    ended_at: datetime


def unit_result(message: ReferralClosed) -> UnitResult:
    """A part that ended while the round went on."""
    return UnitResult(
        message.referral_id, message.case_id, message.unit, message.reason, message.result, message.occurred_at
    )


def unit_results_of(message: CaseResolved) -> list[UnitResult]:
    """The parts whose own report or decline settled the round (CaseResolved version 4; none before it)."""
    return [
        UnitResult(part.referral_id, message.case_id, part.unit, part.reason, part.result, message.occurred_at)
        for part in message.parts
    ]


class LetterKind(StrEnum):
    REMINDER = "reminder"  # 提醒函: the deadline is near
    OVERDUE = "overdue"  # 督办函: the deadline has passed without a result


@dataclass(frozen=True)
class Watch:
    """One referral under supervision: the unit's clock and the letters it has already been sent.

    While `paused_at` is set the unit's clock stands still (the coordinator's DeadlineChanged): no
    letter is due, and the watch stands where it stood when it was paused. `clock_revision` is the
    latest DeadlineChanged applied, so that an older one handled late changes nothing.
    """

    referral_id: UUID
    case_id: str
    unit: str
    role: ReferralRole
    issued_at: datetime
    due_at: datetime
    closed_at: datetime | None = None
    reminder_sent_at: datetime | None = None
    overdue_sent_at: datetime | None = None
    paused_at: datetime | None = None
    clock_revision: int = 0

    def __post_init__(self) -> None:
        for name in ("issued_at", "due_at", "closed_at", "reminder_sent_at", "overdue_sent_at", "paused_at"):
            _require_aware(getattr(self, name), name)
        if self.due_at <= self.issued_at:
            raise ValueError(
                f"referral {self.referral_id}: due_at {self.due_at.isoformat()} "
                f"is not after issued_at {self.issued_at.isoformat()}"
            )

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def clock_at(self, now: datetime) -> datetime:
        """The moment the unit's time is judged at: now, or when its clock stopped."""
        return min(now, self.paused_at) if self.paused_at is not None else now


@dataclass(frozen=True)
class Letter:
    """A letter supervision must send to a unit about one referral."""

    kind: LetterKind
    referral_id: UUID
    case_id: str
    unit: str
    due_at: datetime


def reminder_due_at(watch: Watch) -> datetime:
    """80 % of the unit's time from issue to its deadline, the deadline as it stands (moved by any pause). The board
    (SQL over the stored `reminder_at`) and the console's countdown judge `near` by the same moment."""
    return watch.issued_at + (watch.due_at - watch.issued_at) * REMINDER_FRACTION


def letters_due(watch: Watch, now: datetime) -> list[Letter]:
    """The letters to send at `now`; none once sent (see `mark_sent`), once the referral is closed, or
    while its clock is paused."""
    _require_aware(now, "now")
    if not watch.is_open or watch.paused or watch.overdue_sent_at is not None:
        return []
    if now > watch.due_at:
        # A reminder that arrives after the deadline says nothing the overdue letter does not,
        # so when both moments passed unseen (supervision was down) only the overdue one goes.
        return [_letter(watch, LetterKind.OVERDUE)]
    if watch.reminder_sent_at is None and now >= reminder_due_at(watch):
        return [_letter(watch, LetterKind.REMINDER)]
    return []


def mark_sent(watch: Watch, letter: Letter, at: datetime) -> Watch:
    """Record that `letter` went out, so that `letters_due` never asks for it again."""
    _require_aware(at, "at")
    if letter.referral_id != watch.referral_id:
        raise ValueError(f"letter for referral {letter.referral_id} applied to referral {watch.referral_id}")
    if letter.kind is LetterKind.REMINDER:
        return replace(watch, reminder_sent_at=watch.reminder_sent_at or at)
    return replace(watch, overdue_sent_at=watch.overdue_sent_at or at)


def letters_sent_before(watch: Watch, sent_again_at: datetime) -> Watch:
    """A watch started again from a fact `wuyuan reconcile` sent again after supervision's database was restored:
    the letters whose moments had come by then went out before the restore (the agencies hold them), so they are
    recorded as sent at their moments rather than sent a second time. A watch closed or paused is left as it is."""
    _require_aware(sent_again_at, "sent_again_at")
    if not watch.is_open or watch.paused:
        return watch
    if watch.due_at < sent_again_at:  # as `letters_due` would have had it: past the deadline, the overdue letter
        return replace(watch, overdue_sent_at=watch.overdue_sent_at or watch.due_at)
    if reminder_due_at(watch) <= sent_again_at:
        return replace(watch, reminder_sent_at=watch.reminder_sent_at or reminder_due_at(watch))
    return watch


def letters_the_unit_holds(watch: Watch, held: Mapping[LetterKind, datetime]) -> Watch:
    """A watch started again from a fact `wuyuan reconcile` sent again, when the restore read what the unit's agency
    holds: exactly the letters it holds are sent (as of when it took them), whatever their moments. A letter whose
    moment came while supervision was down is not among them, and goes out at the timer's next pass."""
    reminder, overdue = held.get(LetterKind.REMINDER), held.get(LetterKind.OVERDUE)
    return replace(
        watch,
        reminder_sent_at=watch.reminder_sent_at or reminder,
        overdue_sent_at=watch.overdue_sent_at or overdue,
    )


def deadline_sent_again(before: Watch, changed: Watch, sent_again_at: datetime) -> Watch:
    """A deadline change `wuyuan reconcile` sent again (`changed`, from `before`): the letters `letters_sent_before`
    took as sent for the old deadline are judged again against the new one, so that a deadline moved later since
    the backup still gets its letters. (Those recorded at exactly their moments are the ones it took as sent: the
    timer records the moment it sends, which is never exactly a letter's moment.)"""
    assumed_reminder = before.reminder_sent_at is not None and before.reminder_sent_at == reminder_due_at(before)
    assumed_overdue = before.overdue_sent_at is not None and before.overdue_sent_at == before.due_at
    cleared = replace(
        changed,
        reminder_sent_at=None if assumed_reminder else changed.reminder_sent_at,
        overdue_sent_at=None if assumed_overdue else changed.overdue_sent_at,
    )
    return letters_sent_before(cleared, sent_again_at)


class WatchState(StrEnum):
    """Where an open watch stands at a moment: the same moments at which its letters fall due."""

    ON_TIME = "on_time"
    NEAR = "near"  # the 提醒函's moment has come: REMINDER_FRACTION of the unit's time is gone
    OVERDUE = "overdue"  # the 督办函's moment: past due_at


def watch_state(watch: Watch, now: datetime) -> WatchState:
    """From the clock alone, not from the letters sent, so a board read between two timer runs (or while
    the timer is behind) already shows what the next letters will say. The boundaries are `letters_due`'s.
    A paused watch stands where it stood when its clock stopped."""
    _require_aware(now, "now")
    now = watch.clock_at(now)
    if now > watch.due_at:
        return WatchState.OVERDUE
    if now >= reminder_due_at(watch):
        return WatchState.NEAR
    return WatchState.ON_TIME


@dataclass(frozen=True)
class SentLetter:
    kind: LetterKind
    issued_at: datetime


def letters_sent(watch: Watch) -> list[SentLetter]:
    """The letters a unit has already had about this referral, in the order they went out."""
    sent = [
        SentLetter(kind, at)
        for kind, at in ((LetterKind.REMINDER, watch.reminder_sent_at), (LetterKind.OVERDUE, watch.overdue_sent_at))
        if at is not None
    ]
    return sorted(sent, key=lambda letter: letter.issued_at)


def is_within(unit: str, scope: str) -> bool:
    """A unit is within a scope when it is that unit or one below it: same agency, and the scope's division
    code a prefix of its own ('police:430426' covers 'police:430426101'), as for an officer's units."""
    return unit.startswith(scope)


def is_placed_within(unit: str, place: str) -> bool:
    """A unit of any agency placed at the division or below it: a township's board lists its police station, its
    justice office and its centre alike ('430426101' covers 'police:430426101' and 'justice:430426101203')."""
    return unit.partition(":")[2].startswith(place)


def change_deadline(watch: Watch, due_at: datetime, paused_at: datetime | None, revision: int) -> Watch:
    """The coordinator stopped the unit's clock, or started it again with its deadline moved. Changes
    apply in the coordinator's order: one older than the watch's latest (handled late) changes nothing.
    The reminder's moment follows from the new deadline (`reminder_due_at`)."""
    _require_aware(due_at, "due_at")
    _require_aware(paused_at, "paused_at")
    if revision <= watch.clock_revision:
        return watch
    return replace(watch, due_at=due_at, paused_at=paused_at, clock_revision=revision)


def close_watch(watch: Watch, at: datetime) -> Watch:
    """Stop the clock; the first close wins, so a redelivered ReferralClosed changes nothing."""
    _require_aware(at, "at")
    return watch if watch.closed_at is not None else replace(watch, closed_at=at)


# --- follow-up visit (回访) and the citizen's rating (群众评单) --------------------------


class RatingRefusal(StrEnum):
    ALREADY_RATED = "already_rated"
    CALLED_OFF = "visit_called_off"  # a petition reopened the case before the visit: its next round is visited


class CaseTransition(StrEnum):
    """What the coordinator will do with the case once it has the rating."""

    CLOSE = "close"
    REOPEN = "reopen"


_TRANSITION_FOR = {
    Rating.SATISFIED: CaseTransition.CLOSE,
    Rating.BASICALLY_SATISFIED: CaseTransition.CLOSE,
    Rating.DISSATISFIED: CaseTransition.REOPEN,
}


@dataclass(frozen=True)
class FollowUp:
    """The visit that asks the citizen, after each round of handling, whether the dispute is resolved."""

    case_id: str
    lead_unit: str | None
    round: int
    opened_at: datetime
    rating: Rating | None = None
    rated_at: datetime | None = None
    result: ResultCode | None = None  # the round's, as CaseResolved (version 3 on) says it
    called_off_at: datetime | None = None  # the case reopened before the visit asked the citizen (visit_called_off)

    @property
    def onward(self) -> bool:
        """The round took the dispute into a statutory procedure (导入法定途径), which answers for it now: the centre
        closes the case whatever the rating, as the coordinator does (a new round would be the centre's again)."""
        return self.result in ONWARD_RESULTS

    def __post_init__(self) -> None:
        if self.round < 1:
            raise ValueError(f"case {self.case_id}: round must be 1 or more, got {self.round}")
        _require_aware(self.opened_at, "opened_at")
        _require_aware(self.rated_at, "rated_at")
        _require_aware(self.called_off_at, "called_off_at")


@dataclass(frozen=True)
class RatingDecision:
    """The recorded rating and the transition it asks of the coordinator, which makes it."""

    follow_up: FollowUp
    rating: Rating
    comment: str | None
    transition: CaseTransition

    @property
    def closes_case(self) -> bool:
        return self.transition is CaseTransition.CLOSE


def open_follow_up(
    case_id: str, lead_unit: str | None, round: int, now: datetime, result: ResultCode | None = None
) -> FollowUp:
    return FollowUp(case_id=case_id, lead_unit=lead_unit, round=round, opened_at=now, result=result)


# Recorded as the visitor of a rating taken back from the coordinator's closure or reopening of the case, after a
# restore lost the one entered here, or handled before the visit it rated was opened: who entered it is not known here.
RATED_AT_THE_CENTRE = "centre:case-fact"


def rating_the_centre_took(fact: Event) -> tuple[int | None, Rating] | None:
    """The round (None: the latest) whose follow-up a case fact says was rated, and how: a closure ends the latest
    round as rated, a reopening for the citizen's dissatisfaction the round before the new one. Supervision gave those
    ratings itself; they come back this way when its database was restored to before them (`wuyuan reconcile
    supervision`), or the visit would wait for a rating the case no longer takes."""
    if isinstance(fact, CaseClosed):
        return None, fact.rating
    if isinstance(fact, CaseReopened) and fact.cause is ReopenCause.DISSATISFIED:
        return fact.round - 1, Rating.DISSATISFIED
    return None


def visit_called_off(fact: Event) -> int | None:
    """The round whose visit a case fact calls off, if it still waits: a case reopened by a repeat report before its
    visit asked the citizen (a petition linked while it waited: the coordinator's `reopens_before_the_visit`). The new
    round is handled again and visited in its turn; a rating of the old round would rate a settlement that did not
    hold. A reopening after closing finds the visit rated already, and calls nothing off."""
    if isinstance(fact, CaseReopened) and fact.cause is ReopenCause.REPEAT_REPORT:
        return fact.round - 1
    return None


def require_visit_on(follow_up: FollowUp) -> None:
    """Refuse to rate, or to hand the citizen a link for, a visit called off before it was rated."""
    if follow_up.called_off_at is not None and follow_up.rating is None:
        raise Refused(
            RatingRefusal.CALLED_OFF,
            f"case {follow_up.case_id} round {follow_up.round}: the visit was called off at "
            f"{follow_up.called_off_at.isoformat()}, as a petition reopened the case; its next round will be visited",
        )


def rate(follow_up: FollowUp, rating: Rating, comment: str | None, now: datetime) -> RatingDecision:
    """Record the citizen's rating; each round is rated once, so a second rating is refused, and so is a rating of
    a visit called off (`visit_called_off`)."""
    _require_aware(now, "now")
    require_visit_on(follow_up)
    if follow_up.rating is not None:
        raise Refused(
            RatingRefusal.ALREADY_RATED,
            f"case {follow_up.case_id} round {follow_up.round} was already rated "
            f"{follow_up.rating.value} at {follow_up.rated_at}; a round is rated only once",
        )
    rating = Rating(rating)
    rated = replace(follow_up, rating=rating, rated_at=now)
    transition = CaseTransition.CLOSE if follow_up.onward else _TRANSITION_FOR[rating]
    return RatingDecision(follow_up=rated, rating=rating, comment=comment, transition=transition)


def _letter(watch: Watch, kind: LetterKind) -> Letter:
    return Letter(kind=kind, referral_id=watch.referral_id, case_id=watch.case_id, unit=watch.unit, due_at=watch.due_at)


def _require_aware(moment: datetime | None, name: str) -> None:
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")


# --- 群众评单 by link: a citizen rates through a single-use, expiring link (a QR code), never an account ----


class RatingLinkRefusal(StrEnum):
    NOT_A_LINK = "not_a_rating_link"  # malformed, or its code does not match: forged or mistyped
    EXPIRED = "rating_link_expired"
    SUPERSEDED = "rating_link_superseded"  # the case was reopened: a new round has its own link


@dataclass(frozen=True)
class RatingLink:
    case_id: str
    round: int
    code: str

    def token(self) -> str:
        return f"{self.case_id}.{self.round}.{self.code}"


def rating_link_for(follow_up: FollowUp, secret: bytes) -> RatingLink:
    """The link of one round's visit: a MAC over the case and round (a visit's key), so it cannot be
    guessed from the case number, and it names only that visit."""
    return RatingLink(follow_up.case_id, follow_up.round, _code(follow_up.case_id, follow_up.round, secret))


def _code(case_id: str, round_: int, secret: bytes) -> str:
    return _mac(secret, "rating-link", case_id, str(round_))


def _mac(secret: bytes, purpose: str, *parts: str) -> str:
    """A link's code: the purpose leads the MAC's message, so one secret keys every kind of link and a code made for
    one purpose never checks out for another (a rating link is no progress link, whatever its parts)."""
    message = "|".join((purpose, *parts)).encode()
    return base64.urlsafe_b64encode(hmac.digest(secret, message, "sha256")).decode().rstrip("=")


def _same_code(expected: str, given: str) -> bool:
    # As bytes: compare_digest takes text only when it is ASCII, and a link is whatever a phone sends.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


def _token_parts(token: str) -> tuple[str, str, str] | None:
    """A link's three dot-separated parts (case number, its own middle part, code); None for anything we never issue:
    a link we issue is ASCII and short (a case number, digits, base64url)."""
    case_id, _, rest = token.partition(".")
    middle, _, code = rest.partition(".")
    if not token.isascii() or len(token) > 200 or not middle.isdigit() or not code:
        return None
    return case_id, middle, code


def verify_rating_link(link: RatingLink, secret: bytes) -> None:
    """Refuse a link whose code is not ours, before anything is read: a forged link learns nothing,
    not even whether the case exists."""
    if not _same_code(_code(link.case_id, link.round, secret), link.code):
        raise Refused(RatingLinkRefusal.NOT_A_LINK, "not a rating link")


def parse_rating_link(token: str) -> RatingLink:
    """The link's parts, or NOT_A_LINK: a link we issue is ASCII (a case number, a round, base64url)."""
    parts = _token_parts(token)
    if parts is None:
        raise Refused(RatingLinkRefusal.NOT_A_LINK, "not a rating link")
    case_id, round_text, code = parts
    return RatingLink(case_id, int(round_text), code)


def check_rating_link(link: RatingLink, latest: FollowUp, secret: bytes, valid_for: timedelta, now: datetime) -> None:
    """Refuse a link that is not this visit's, that a later round superseded (or a reopening called off), or that
    has expired.
    Used once: a rated visit refuses a second rating (`rate`)."""
    verify_rating_link(link, secret)
    if link.round != latest.round:
        if link.round < latest.round:
            raise Refused(
                RatingLinkRefusal.SUPERSEDED, f"case {link.case_id} was reopened; this link is no longer valid"
            )
        raise Refused(RatingLinkRefusal.NOT_A_LINK, "not a rating link")
    if latest.called_off_at is not None and latest.rating is None:
        raise Refused(RatingLinkRefusal.SUPERSEDED, f"case {link.case_id} was reopened; this link is no longer valid")
    if now > latest.opened_at + valid_for:
        raise Refused(RatingLinkRefusal.EXPIRED, f"the rating link of case {link.case_id} has expired")


def rating_link_expires_at(follow_up: FollowUp, valid_for: timedelta) -> datetime:
    return follow_up.opened_at + valid_for


# --- 办理进度查询: the receipt's QR code opens the case's progress on the citizen's phone, no account ----------

# A progress link opens for a year from the day the window printed the receipt: long enough for the handling, the
# follow-up visit and a reopening or two, yet a receipt found in a drawer years later no longer opens the case.
PROGRESS_LINK_DAYS = 365
_CASE_NUMBER = re.compile(CASE_ID_PATTERN)


class ProgressLinkRefusal(StrEnum):
    NOT_A_LINK = "not_a_progress_link"  # malformed, or its code does not match: forged, mistyped, or another link
    EXPIRED = "progress_link_expired"


@dataclass(frozen=True)
class ProgressLink:
    """A case's progress link: the case, and the last China day it opens; the code is a MAC over both."""

    case_id: str
    expires_on: date
    code: str

    def token(self) -> str:
        return f"{self.case_id}.{self.expires_on:%Y%m%d}.{self.code}"


def progress_link_for(case_id: str, issued_on: date, secret: bytes) -> ProgressLink:
    """The link printed on a case's receipt on `issued_on` (China's day), open PROGRESS_LINK_DAYS from then."""
    if not _CASE_NUMBER.fullmatch(case_id):
        raise ValueError(f"{case_id!r} is not a case number")
    expires_on = issued_on + timedelta(days=PROGRESS_LINK_DAYS)
    return ProgressLink(case_id, expires_on, _progress_code(case_id, expires_on, secret))


def _progress_code(case_id: str, expires_on: date, secret: bytes) -> str:
    return _mac(secret, "progress-link", case_id, f"{expires_on:%Y%m%d}")


def parse_progress_link(token: str) -> ProgressLink:
    """The link's parts, or NOT_A_LINK: a case number, a day written YYYYMMDD, and a code."""
    parts = _token_parts(token)
    if parts is None or not _CASE_NUMBER.fullmatch(parts[0]) or len(parts[1]) != 8:
        raise Refused(ProgressLinkRefusal.NOT_A_LINK, "not a progress link")
    case_id, day, code = parts
    try:
        expires_on = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise Refused(ProgressLinkRefusal.NOT_A_LINK, "not a progress link") from None
    return ProgressLink(case_id, expires_on, code)


def check_progress_link(link: ProgressLink, secret: bytes, today: date) -> None:
    """Refuse a link whose code is not ours before anything else (a forged link learns nothing, not even whether
    the case exists, nor whether its day has passed), then one past its last day (`today`: China's)."""
    if not _same_code(_progress_code(link.case_id, link.expires_on, secret), link.code):
        raise Refused(ProgressLinkRefusal.NOT_A_LINK, "not a progress link")
    if today > link.expires_on:
        raise Refused(ProgressLinkRefusal.EXPIRED, f"the progress link of case {link.case_id} has expired")


class ProgressStatus(StrEnum):
    """Where a case stands, in the few words a citizen is told (shared/wording.py PROGRESS_STATUSES)."""

    AWAITING_UNIT = "awaiting_unit"  # registered; the centre has not placed it with a unit (yet, or again)
    HANDLING = "handling"  # a unit is handling it
    AWAITING_VISIT = "awaiting_visit"  # the round is resolved; the follow-up visit (回访) asks the citizen
    CLOSED = "closed"


@dataclass(frozen=True)
class KeptFact:
    """A case fact as supervision keeps it (case_facts), as much as the progress needs."""

    fact: str  # the message type: CaseAssigned, CaseAwaitingManualTriage, CaseResolved, CaseClosed, CaseReopened
    occurred_at: datetime
    category: str | None = None  # CaseAssigned's and (version 2) CaseAwaitingManualTriage's


@dataclass(frozen=True)
class Progress:
    status: ProgressStatus
    category: str | None
    lead: Watch | None  # the lead's clock: the running one while handled, the last one once resolved or closed
    closed_at: datetime | None


# The facts that move a case from one status to another (the store reads these alone).
PROGRESS_FACTS = frozenset({"CaseAssigned", "CaseAwaitingManualTriage", "CaseResolved", "CaseClosed", "CaseReopened"})


def progress_of(facts: Sequence[KeptFact], lead_watches: Sequence[Watch]) -> Progress:
    """Where the case stands by the latest fact that moves it, and its lead's clock. No fact yet is a case the
    coordinator has not placed: registered and waiting for a unit, not unknown (only the window issues its link).
    A lead clock still running says a unit handles it whatever fact came before (a unit designated by hand after
    CaseAwaitingManualTriage comes as UnitDesignated, which starts a clock and is no kept fact)."""
    in_order = sorted(facts, key=lambda f: f.occurred_at)
    moving = [f for f in in_order if f.fact in PROGRESS_FACTS]
    latest = moving[-1] if moving else None
    category = next((f.category for f in reversed(in_order) if f.category), None)
    last_lead = max(lead_watches, key=lambda w: w.issued_at, default=None)
    if latest is not None and latest.fact == "CaseClosed":
        return Progress(ProgressStatus.CLOSED, category, last_lead, latest.occurred_at)
    if latest is not None and latest.fact == "CaseResolved":
        return Progress(ProgressStatus.AWAITING_VISIT, category, last_lead, None)
    running = max((w for w in lead_watches if w.is_open), key=lambda w: w.issued_at, default=None)
    if running is not None or (latest is not None and latest.fact in ("CaseAssigned", "CaseReopened")):
        # Assigned with no lead clock running: settled at the window (现场办), or the lead's clock not started yet.
        return Progress(ProgressStatus.HANDLING, category, running, None)
    return Progress(ProgressStatus.AWAITING_UNIT, category, None, None)
