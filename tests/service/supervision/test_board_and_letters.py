"""The inspection group's board (who is near or past a deadline, as the clock stands) and the letters sent."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from werkzeug.test import EnvironBuilder

from services.supervision.domain import LetterKind
from services.supervision.service import Supervision
from shared.auth.principal import AuthFailure, Principal, Role
from shared.contracts.messages import CaseResolved, DeadlineChanged, OverdueNoticeIssued, ReminderIssued, UnitDesignated
from shared.http import PUBLIC, ApiHandler, Authenticator, BadInput

CASE_ID = "430426-20261129-00042"
POLICE_STATION = "police:430426101"
JUSTICE_OFFICE = "justice:430426101"
COURT = "court:430426"
CENTRE = "centre:430426"
LEAD_REFERRAL = UUID("11111111-1111-4111-8111-111111111111")
CO_REFERRAL = UUID("22222222-2222-4222-8222-222222222222")
COURT_REFERRAL = UUID("33333333-3333-4333-8333-333333333333")
COORDINATOR_USER = "wuyuan.coordinator"
SUPERVISOR = Principal("zhou.hui", "回访员小周", frozenset({Role.SUPERVISOR}))
OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({POLICE_STATION}))

TICK = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 in Beijing, when the board is read
LAST_RUN = TICK - timedelta(days=1)  # the timer's last run before it


def at(supervision: Supervision, moment: datetime) -> None:
    supervision.platform = replace(supervision.platform, now=lambda: moment)


def designate(
    supervision: Supervision, referral_id: UUID, unit: str, role: str, issued: datetime, due: datetime
) -> None:
    supervision.on_unit_designated(
        UnitDesignated.build(
            message_id=UUID(int=referral_id.int ^ 1),
            occurred_at=issued,
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            referral={
                "referral_id": referral_id,
                "unit": unit,
                "role": role,
                "round": 1,
                "issued_at": issued,
                "due_at": due,
            },
        )
    )


@pytest.fixture
def three_units(supervision) -> Supervision:
    """Ten days each. At LAST_RUN the police station's and the justice office's reminders went out; by TICK the
    justice office is past its deadline, and the timer has not run since to send its 督办函."""
    designate(supervision, LEAD_REFERRAL, POLICE_STATION, "lead", TICK - timedelta(days=9), TICK + timedelta(days=1))
    designate(supervision, CO_REFERRAL, JUSTICE_OFFICE, "co_unit", TICK - timedelta(days=10), TICK - timedelta(hours=1))
    designate(supervision, COURT_REFERRAL, COURT, "co_unit", LAST_RUN, LAST_RUN + timedelta(days=10))
    at(supervision, LAST_RUN)
    supervision.send_due_letters()
    at(supervision, TICK)
    return supervision


# --- the board -----------------------------------------------------------------------------


def test_the_board_shows_each_unit_s_clock_as_it_stands_not_as_the_timer_last_saw_it(three_units, http):
    body = http.body(three_units.board(http.get()))

    assert body == {
        "as_of": "2026-11-30T01:00:00+00:00",
        "units": [
            {"unit": JUSTICE_OFFICE, "open": 1, "near": 0, "overdue": 1},
            {"unit": POLICE_STATION, "open": 1, "near": 1, "overdue": 0},
            {"unit": COURT, "open": 1, "near": 0, "overdue": 0},
        ],
        "watches": [
            {
                "case_id": CASE_ID,
                "referral_id": str(CO_REFERRAL),
                "unit": JUSTICE_OFFICE,
                "role": "co_unit",
                "issued_at": "2026-11-20T01:00:00+00:00",
                "due_at": "2026-11-30T00:00:00+00:00",
                "paused_at": None,
                "due_provisional": False,
                "state": "overdue",  # an hour late, though only its reminder has been sent
                "overdue_working_days": 0,  # late by hours: no working day has passed since the deadline's
                "overdue_working_days_provisional": False,
                "letters": [{"kind": "reminder", "issued_at": "2026-11-29T01:00:00+00:00"}],
            },
            {
                "case_id": CASE_ID,
                "referral_id": str(LEAD_REFERRAL),
                "unit": POLICE_STATION,
                "role": "lead",
                "issued_at": "2026-11-21T01:00:00+00:00",
                "due_at": "2026-12-01T01:00:00+00:00",
                "paused_at": None,
                "due_provisional": False,
                "state": "near",
                "letters": [{"kind": "reminder", "issued_at": "2026-11-29T01:00:00+00:00"}],
            },
            {
                "case_id": CASE_ID,
                "referral_id": str(COURT_REFERRAL),
                "unit": COURT,
                "role": "co_unit",
                "issued_at": "2026-11-29T01:00:00+00:00",
                "due_at": "2026-12-09T01:00:00+00:00",
                "paused_at": None,
                "due_provisional": False,
                "state": "on_time",
                "letters": [],
            },
        ],
        # 30 November: before the warning starts on 1 December.
        "calendar_warning": None,
    }


def test_an_overdue_watch_says_how_many_working_days_late_it_is_as_its_督办函_counts_them(three_units, http):
    at(three_units, TICK + timedelta(days=5))  # Monday 30 November to Saturday 5 December: four working days on

    [late] = [w for w in http.body(three_units.board(http.get()))["watches"] if w["referral_id"] == str(CO_REFERRAL)]

    assert (late["overdue_working_days"], late["overdue_working_days_provisional"]) == (4, False)


def test_a_unit_s_watches_leave_the_board_when_the_case_is_resolved(three_units, http):
    three_units.on_case_resolved(
        CaseResolved.build(
            message_id=UUID(int=501),
            occurred_at=TICK,
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            lead_unit=POLICE_STATION,
            round=1,
        )
    )

    assert http.body(three_units.board(http.get()))["units"] == []


def test_the_state_filter_narrows_the_watches_and_leaves_the_units_counts_whole(three_units, http):
    body = http.body(three_units.board(http.get({"state": "near"})))

    assert [w["referral_id"] for w in body["watches"]] == [str(LEAD_REFERRAL)]
    assert [u["unit"] for u in body["units"]] == [JUSTICE_OFFICE, POLICE_STATION, COURT]


def test_the_unit_filter_takes_the_units_below_it(three_units, http):
    body = http.body(three_units.board(http.get({"unit": "police:430426"})))

    assert body["units"] == [{"unit": POLICE_STATION, "open": 1, "near": 1, "overdue": 0}]
    assert [w["referral_id"] for w in body["watches"]] == [str(LEAD_REFERRAL)]


def test_a_township_s_board_lists_every_agency_s_units_there_and_none_of_the_county_s(three_units, http):
    """砖塘镇综治中心 watches its police station and its justice office together, not the county court."""
    body = http.body(three_units.board(http.get({"place": "430426101"})))

    assert [u["unit"] for u in body["units"]] == [JUSTICE_OFFICE, POLICE_STATION]
    assert [w["referral_id"] for w in body["watches"]] == [str(CO_REFERRAL), str(LEAD_REFERRAL)]


def test_another_township_s_board_is_empty_rather_than_the_county_s(three_units, http):
    body = http.body(three_units.board(http.get({"place": "430426102"})))

    assert (body["units"], body["watches"]) == ([], [])


def test_a_limit_of_zero_gives_the_units_counts_alone(three_units, http):
    body = http.body(three_units.board(http.get({"limit": "0"})))

    assert body["watches"] == []
    assert len(body["units"]) == 3


def test_a_day_later_the_police_station_is_overdue_too(three_units, http):
    at(three_units, TICK + timedelta(days=1, seconds=1))

    units = http.body(three_units.board(http.get()))["units"]

    assert [(u["unit"], u["overdue"]) for u in units] == [(JUSTICE_OFFICE, 1), (POLICE_STATION, 1), (COURT, 0)]


# --- letters -------------------------------------------------------------------------------


def test_the_letters_listed_are_the_letters_sent_newest_first(three_units, uow, http):
    three_units.send_due_letters()  # at TICK: the justice office's 督办函

    listed = http.body(three_units.letters(http.get()))["letters"]

    assert listed[0] == {
        "kind": "overdue",
        "case_id": CASE_ID,
        "referral_id": str(CO_REFERRAL),
        "unit": JUSTICE_OFFICE,
        "issued_at": "2026-11-30T01:00:00+00:00",
        "due_at": "2026-11-30T00:00:00+00:00",
    }
    kinds = {ReminderIssued: "reminder", OverdueNoticeIssued: "overdue"}
    sent = [
        (kinds[type(m)], str(m.referral_id), m.occurred_at.isoformat())
        for m in reversed(uow.sent)
        if type(m) in kinds and getattr(m, "about_unit", None) is None  # not the superior's copy of a 督办函
    ]
    assert [(letter["kind"], letter["referral_id"], letter["issued_at"]) for letter in listed] == [
        ("overdue", str(CO_REFERRAL), "2026-11-30T01:00:00+00:00"),
        ("reminder", str(LEAD_REFERRAL), "2026-11-29T01:00:00+00:00"),  # one run: by referral
        ("reminder", str(CO_REFERRAL), "2026-11-29T01:00:00+00:00"),
    ]
    assert sorted(sent) == sorted((lt["kind"], lt["referral_id"], lt["issued_at"]) for lt in listed)


def test_letters_are_filtered_by_kind_unit_and_case(three_units, http):
    three_units.send_due_letters()

    def referrals(query: dict[str, str]) -> list[str]:
        return [letter["referral_id"] for letter in http.body(three_units.letters(http.get(query)))["letters"]]

    assert referrals({"kind": "overdue"}) == [str(CO_REFERRAL)]
    assert referrals({"kind": "reminder", "unit": "police:430426"}) == [str(LEAD_REFERRAL)]
    assert referrals({"case_id": "430426-20261129-00043"}) == []
    assert referrals({"limit": "1"}) == [str(CO_REFERRAL)]


def test_a_township_s_letters_are_those_sent_to_its_units_of_every_agency(three_units, http):
    three_units.send_due_letters()

    listed = http.body(three_units.letters(http.get({"place": "430426101"})))["letters"]

    assert {(letter["kind"], letter["unit"]) for letter in listed} == {
        ("overdue", JUSTICE_OFFICE),
        ("reminder", JUSTICE_OFFICE),
        ("reminder", POLICE_STATION),
    }
    assert http.body(three_units.letters(http.get({"place": "430426105"})))["letters"] == []


# --- the query string: a 400 that names the parameter ------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "query", "field"),
    [
        ("board", {"state": "late"}, "state"),
        ("board", {"limit": "501"}, "limit"),
        ("board", {"limit": "many"}, "limit"),
        ("board", {"unit": "police"}, "unit"),
        ("board", {"unit": "派出所"}, "unit"),
        ("board", {"colour": "red"}, "colour"),
        ("letters", {"kind": "urgent"}, "kind"),
        ("letters", {"case_id": "00042"}, "case_id"),
        ("letters", {"limit": "0"}, "limit"),
        ("letters", {"unit": "police:43"}, "unit"),
        ("board", {"place": "砖塘镇"}, "place"),
        ("letters", {"place": "430426999"}, "place"),  # no township of the county
        ("list_follow_ups", {"pending": "nonsense"}, "pending"),
        ("list_follow_ups", {"x": "1"}, "x"),
    ],
)
def test_a_bad_query_parameter_answers_400_naming_it(three_units, http, endpoint, query, field):
    with pytest.raises(BadInput) as refused:
        getattr(three_units, endpoint)(http.get(query))

    assert [f["field"] for f in refused.value.fields] == [field]
    response = ApiHandler("GET", "/", access=PUBLIC).response_from_exception(refused.value)
    assert response.status_code == 400
    assert http.body(response)["fields"][0]["field"] == field


@pytest.mark.parametrize("endpoint", ["board", "letters"])
@pytest.mark.parametrize(
    ("unit", "code"),
    [
        ("fire:430426", "unknown_agency"),
        ("police:999999", "unknown_unit"),
        ("police:430426999", "unknown_unit"),
        ("centre:430426106", "no_centre"),  # 灵官镇 set up no centre: the case list refuses it alike
    ],
)
def test_a_unit_the_county_does_not_have_is_refused_not_shown_as_an_empty_board(
    three_units, http, endpoint, unit, code
):
    """A mistyped unit would otherwise read as a unit with nothing late; the case list refuses it alike."""
    three_units.send_due_letters()
    with pytest.raises(BadInput) as refused:
        getattr(three_units, endpoint)(http.get({"unit": unit}))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("unit", code)]


def test_a_village_unit_of_the_county_filters_the_board_even_with_nothing_under_it(three_units, http):
    body = http.body(three_units.board(http.get({"unit": "police:430426101299"})))

    assert (body["units"], body["watches"]) == ([], [])


# --- the follow-up to-do list ----------------------------------------------------------------


def test_a_to_do_list_longer_than_a_page_shows_the_oldest_and_says_more_wait(supervision, http, monkeypatch):
    monkeypatch.setattr("services.supervision.handlers.MAX_LIST", 2)
    cases = [f"430426-20261120-{number:05d}" for number in (7, 8, 9)]
    for hour, case_id in enumerate(cases):
        supervision.on_case_resolved(
            CaseResolved.build(
                message_id=UUID(int=600 + hour),
                occurred_at=TICK + timedelta(hours=hour),
                case_id=case_id,
                sender=CENTRE,
                recipient=CENTRE,
                lead_unit=POLICE_STATION,
                round=1,
            )
        )

    listed = http.body(supervision.list_follow_ups(http.get()))

    assert [visit["case_id"] for visit in listed["follow_ups"]] == cases[:2]
    assert listed["truncated"] is True


def test_a_follow_up_says_whether_it_is_rated(supervision, http):
    supervision.on_case_resolved(
        CaseResolved.build(
            message_id=UUID(int=502),
            occurred_at=TICK,
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            lead_unit=POLICE_STATION,
            round=1,
        )
    )
    [waiting] = http.body(supervision.list_follow_ups(http.get()))["follow_ups"]

    at(supervision, TICK + timedelta(hours=3))
    supervision.rate(http.post({"rating": "basically_satisfied"}), CASE_ID)
    [done] = http.body(supervision.list_follow_ups(http.get({"pending": "false"})))["follow_ups"]

    assert (waiting["case_id"], waiting["round"], waiting["rated"], waiting["rating"]) == (CASE_ID, 1, False, None)
    assert set(waiting) == {
        "case_id",
        "round",
        "lead_unit",
        "opened_at",
        "rating",
        "comment",
        "rated_at",
        "called_off_at",
        "rated",
    }
    assert (done["rated"], done["rating"], done["rated_at"]) == (
        True,
        "basically_satisfied",
        "2026-11-30T04:00:00+00:00",  # ISO 8601, as every answer writes times
    )
    assert http.body(supervision.list_follow_ups(http.get()))["follow_ups"] == []


def test_a_follow_up_list_asked_for_with_a_word_it_does_not_know_is_a_400_not_the_pending_list(supervision, http):
    """?pending=nonsense&x=1 once answered the unrated rounds as if pending were true; now the asker learns both."""
    with pytest.raises(BadInput) as refused:
        supervision.list_follow_ups(http.get({"pending": "nonsense", "x": "1"}))

    assert ApiHandler("GET", "/", access=PUBLIC).response_from_exception(refused.value).status_code == 400
    assert sorted((f["field"], f["type"]) for f in refused.value.fields) == [
        ("pending", "bool_parsing"),
        ("x", "extra_forbidden"),
    ]


# --- who may read ------------------------------------------------------------------------------


class TokenSaying:
    """Stands in for the token check: every bearer token verifies as this caller."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    def verify(self, token: str) -> Principal:
        return self.principal


def answer_to(method: str, caller: Principal) -> int:
    """The status the endpoint's own access check gives `caller`, before any worker would run."""
    [entrypoint] = [e for e in getattr(Supervision, method).nameko_entrypoints if isinstance(e, ApiHandler)]
    authenticator = Authenticator()
    authenticator.verifier = TokenSaying(caller)  # type: ignore[assignment]
    request = EnvironBuilder(method="GET", headers={"Authorization": "Bearer signed"}).get_request()
    try:
        authenticator.authenticate(request, entrypoint.access)
    except AuthFailure as refused:
        return ApiHandler("GET", "/", access=PUBLIC).response_from_exception(refused).status_code
    return 200


@pytest.mark.parametrize("method", ["board", "letters", "list_follow_ups"])
def test_an_agency_officer_may_not_read_the_board_or_the_letters(method):
    assert answer_to(method, OFFICER) == 403


@pytest.mark.parametrize("method", ["board", "letters"])
@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.COORDINATOR, Role.LEADER])
def test_the_inspection_group_the_coordinators_and_leaders_read_them(method, role):
    assert answer_to(method, Principal("chen.jing", "陈静", frozenset({role}))) == 200


@pytest.mark.parametrize("role", [Role.INTAKE_STAFF, Role.OPERATOR])
def test_intake_staff_and_operators_may_not_read_the_board(role):
    assert answer_to("board", Principal("li.na", "李娜", frozenset({role}))) == 403


def test_a_clock_started_again_by_reconcile_sends_no_letter_that_went_out_before_the_restore(supervision, uow):
    """Restored to before these designations, supervision gets them again from `wuyuan reconcile` (SENT_AGAIN_HEADER):
    the reminder and the 督办函 whose moments had come by then went out already, and are not sent a second time."""
    supervision.sent_again = TICK - timedelta(minutes=5)
    designate(supervision, CO_REFERRAL, JUSTICE_OFFICE, "co_unit", TICK - timedelta(days=10), TICK - timedelta(hours=1))
    designate(supervision, LEAD_REFERRAL, POLICE_STATION, "lead", TICK - timedelta(days=9), TICK + timedelta(days=1))
    designate(supervision, COURT_REFERRAL, COURT, "co_unit", TICK, TICK + timedelta(days=10))  # nothing due yet
    at(supervision, TICK)

    supervision.send_due_letters()

    assert [m for m in uow.sent if isinstance(m, ReminderIssued | OverdueNoticeIssued)] == []
    # Ten days on, the court's own reminder is due: sent as any other, once.
    at(supervision, TICK + timedelta(days=8, hours=1))
    supervision.send_due_letters()
    reminders = [m for m in uow.sent if isinstance(m, ReminderIssued)]
    assert [m.referral_id for m in reminders] == [COURT_REFERRAL]


def move_justice_deadline(supervision: Supervision, due_at: datetime, message_id: UUID) -> None:
    """The coordinator moves the justice office's deadline (its clock's first revision), two days before TICK."""
    supervision.on_deadline_changed(
        DeadlineChanged.build(
            message_id=message_id,
            occurred_at=TICK - timedelta(days=2),
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            referral_id=CO_REFERRAL,
            unit=JUSTICE_OFFICE,
            due_at=due_at,
            revision=1,
            paused=False,
        )
    )


def test_a_deadline_moved_later_since_the_backup_still_gets_its_overdue_letter_after_reconcile(supervision, uow):
    """The justice office's first deadline had passed when supervision was restored; the deadline was moved a week
    on after the backup. Sent again in order, the designation takes its 督办函 as gone, and the move takes it back."""
    supervision.sent_again = TICK - timedelta(minutes=5)
    designate(supervision, CO_REFERRAL, JUSTICE_OFFICE, "co_unit", TICK - timedelta(days=10), TICK - timedelta(hours=1))
    moved = TICK + timedelta(days=7)
    move_justice_deadline(supervision, moved, UUID(int=901))

    at(supervision, moved + timedelta(hours=1))
    supervision.send_due_letters()

    overdue = [m for m in uow.sent if isinstance(m, OverdueNoticeIssued) and m.about_unit is None]
    assert [(m.referral_id, m.due_at) for m in overdue] == [(CO_REFERRAL, moved)]


def test_after_a_restore_that_read_the_agencies_a_letter_due_while_supervision_was_down_still_goes(
    supervision, uow, supervision_store
):
    """Restored, then reconciled: the restore read the police's and the justice bureau's databases. The station took
    its 提醒函 before supervision went down; the justice office's 督办函 fell due while it was down and no one holds
    it. Each unit gets what it lacks, and nothing it holds comes a second time."""
    supervision_store.letters_held_read = {"police_link", "justice_link"}
    supervision_store.held_letters = {LEAD_REFERRAL: {LetterKind.REMINDER: TICK - timedelta(days=2)}}
    supervision.sent_again = TICK - timedelta(minutes=5)
    designate(supervision, CO_REFERRAL, JUSTICE_OFFICE, "co_unit", TICK - timedelta(days=10), TICK - timedelta(hours=1))
    designate(supervision, LEAD_REFERRAL, POLICE_STATION, "lead", TICK - timedelta(days=9), TICK + timedelta(days=1))
    at(supervision, TICK)

    supervision.send_due_letters()

    letters = [
        (type(m).__name__, m.referral_id)
        for m in uow.sent
        if isinstance(m, ReminderIssued | OverdueNoticeIssued) and getattr(m, "about_unit", None) is None
    ]
    assert letters == [("OverdueNoticeIssued", CO_REFERRAL)]
    assert supervision_store.watches[LEAD_REFERRAL].reminder_sent_at == TICK - timedelta(days=2)


def test_a_unit_whose_agency_the_restore_could_not_read_is_taken_to_hold_every_letter_whose_moment_had_come(
    supervision, uow, supervision_store
):
    """Only the police were read (the justice bureau runs elsewhere): for the justice office the letters whose moments
    had come by the re-send count as gone, as they did before restores read the agencies."""
    supervision_store.letters_held_read = {"police_link"}
    supervision.sent_again = TICK - timedelta(minutes=5)
    designate(supervision, CO_REFERRAL, JUSTICE_OFFICE, "co_unit", TICK - timedelta(days=10), TICK - timedelta(hours=1))
    designate(supervision, LEAD_REFERRAL, POLICE_STATION, "lead", TICK - timedelta(days=9), TICK + timedelta(days=1))
    at(supervision, TICK)

    supervision.send_due_letters()

    reminders = [m.referral_id for m in uow.sent if isinstance(m, ReminderIssued)]
    assert reminders == [LEAD_REFERRAL]  # the station holds none, so its reminder goes
    assert not [m for m in uow.sent if isinstance(m, OverdueNoticeIssued)]


def test_a_deadline_change_sent_again_leaves_the_letters_a_read_agency_holds(supervision, uow, supervision_store):
    """The justice office holds its 督办函 for the first deadline; the move a week on, sent again, does not take it
    back: a unit gets one 督办函 per referral, as when supervision was never restored."""
    supervision_store.letters_held_read = {"justice_link"}
    supervision_store.held_letters = {CO_REFERRAL: {LetterKind.OVERDUE: TICK - timedelta(minutes=50)}}
    supervision.sent_again = TICK - timedelta(minutes=5)
    designate(supervision, CO_REFERRAL, JUSTICE_OFFICE, "co_unit", TICK - timedelta(days=10), TICK - timedelta(hours=1))
    moved = TICK + timedelta(days=7)
    move_justice_deadline(supervision, moved, UUID(int=902))

    at(supervision, moved + timedelta(hours=1))
    supervision.send_due_letters()

    assert not [m for m in uow.sent if isinstance(m, OverdueNoticeIssued)]
    assert supervision_store.watches[CO_REFERRAL].overdue_sent_at == TICK - timedelta(minutes=50)
