"""办理进度查询 at supervision: the window's roles get a case's progress link, and the link alone opens what a citizen
may see of the case (never a name, a number, a summary or an officer), refusing a forged one before reading a thing."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from werkzeug.test import EnvironBuilder

from services.supervision.dependencies import RatingLinks
from services.supervision.domain import FollowUp, KeptFact, Watch, progress_link_for, rating_link_for
from services.supervision.service import Supervision
from shared.auth.principal import AuthFailure, Forbidden, Principal, Role
from shared.contracts.messages import CaseAssigned, CaseClosed, CaseResolved, ReferralSummary
from shared.http import PUBLIC, ApiHandler, Authenticator, BadInput
from shared.refusal import Refused
from tests.fakes.supervision import FakeSupervisionStore

CASE_ID = "430426-20261204-00007"
POLICE_STATION = "police:430426101"
CENTRE = "centre:430426"
LINKS = RatingLinks(b"k" * 32, timedelta(days=15), "https://wuyuan.example.cn")
NOW = datetime(2026, 12, 4, 2, 30, tzinfo=UTC)  # 10:30 in Beijing
ANSWER_KEYS = {"case_id", "category", "received_on", "status", "lead_unit", "due_at", "due_provisional", "closed_at"}


class ReadCounting(FakeSupervisionStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def case_progress(self, case_id: str) -> tuple[list[KeptFact], list[Watch]]:
        self.reads.append(case_id)
        return super().case_progress(case_id)


@pytest.fixture
def supervision_store() -> ReadCounting:
    return ReadCounting()


@pytest.fixture
def citizen(supervision):
    supervision.rating_links = LINKS
    supervision.platform = replace(supervision.platform, now=lambda: NOW)
    return supervision


def token(case_id: str = CASE_ID) -> str:
    return progress_link_for(case_id, NOW.date(), LINKS.secret).token()


def assigned(due_in: timedelta = timedelta(days=10)) -> CaseAssigned:
    lead = ReferralSummary(
        referral_id=UUID(int=1), unit=POLICE_STATION, role="lead", round=1, issued_at=NOW, due_at=NOW + due_in
    )
    return CaseAssigned.build(
        message_id=UUID(int=500),
        occurred_at=NOW,
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        mode="single_unit",
        source="walk_in",
        category="neighbour",
        division_code="430426101203",
        flags=[],
        lead_unit=POLICE_STATION,
        co_units=[],
        referrals=[lead],
    )


def progress(supervision, http, link: str | None = None) -> dict:
    return http.body(supervision.show_progress(http.get(), link or token()))


# --- the link, for the window ----------------------------------------------------------------------------


def test_the_window_gets_a_link_to_the_citizens_page_open_for_a_year(citizen, http):
    answer = http.body(citizen.progress_link(http.get(), CASE_ID))
    assert set(answer) == {"case_id", "url", "expires_at"}
    assert answer["url"] == f"https://wuyuan.example.cn/track/{token()}"
    assert answer["expires_at"] == "2027-12-05T00:00:00+08:00"  # open through 4 December 2027, Beijing


def test_the_link_as_a_qr_code(citizen, http):
    response = citizen.progress_link(http.get({"format": "svg"}), CASE_ID)
    assert response.mimetype == "image/svg+xml"
    assert "<svg" in response.get_data(as_text=True) and f"办理进度 {CASE_ID}" in response.get_data(as_text=True)


def test_a_link_for_what_is_no_case_number_or_another_format_is_refused(citizen, http):
    with pytest.raises(BadInput):
        citizen.progress_link(http.get(), "430426-x")
    with pytest.raises(BadInput):
        citizen.progress_link(http.get({"format": "png"}), CASE_ID)


class TokenSaying:
    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    def verify(self, token: str) -> Principal:
        return self.principal


def answer_to(method: str, caller: Principal | None) -> int:
    """The status the endpoint's own access check gives `caller` (None: no token), before any worker would run."""
    [entrypoint] = [e for e in getattr(Supervision, method).nameko_entrypoints if isinstance(e, ApiHandler)]
    authenticator = Authenticator()
    headers = {}
    if caller is not None:
        authenticator.verifier = TokenSaying(caller)  # type: ignore[assignment]
        headers = {"Authorization": "Bearer signed"}
    request = EnvironBuilder(method="GET", headers=headers).get_request()
    try:
        authenticator.authenticate(request, entrypoint.access)
    except AuthFailure as refused:
        return ApiHandler("GET", "/", access=PUBLIC).response_from_exception(refused).status_code
    return 200


@pytest.mark.parametrize("role", [Role.INTAKE_STAFF, Role.COORDINATOR, Role.SUPERVISOR])
def test_the_windows_roles_may_have_the_link(role):
    assert answer_to("progress_link", Principal("li.na", "李娜", frozenset({role}))) == 200


@pytest.mark.parametrize("role", [Role.OFFICER, Role.LEADER, Role.OPERATOR])
def test_others_may_not(role):
    assert answer_to("progress_link", Principal("liu.yang", "刘洋", frozenset({role}))) == 403


def test_nobody_unsigned_has_a_link_but_anyone_may_open_one():
    assert answer_to("progress_link", None) == 401
    assert answer_to("show_progress", None) == 200


# --- the citizen's page --------------------------------------------------------------------------------------


def test_a_case_supervision_has_not_heard_of_is_registered_and_waiting_for_a_unit(citizen, http):
    assert progress(citizen, http) == {
        "case_id": CASE_ID,
        "category": None,
        "received_on": "2026-12-04",
        "status": "awaiting_unit",
        "lead_unit": None,
        "due_at": None,
        "due_provisional": False,
        "closed_at": None,
    }


def test_an_assigned_case_names_its_lead_and_the_leads_deadline_and_nothing_personal(citizen, http):
    citizen.on_case_assigned(assigned())
    answer = progress(citizen, http)
    assert set(answer) == ANSWER_KEYS
    assert (answer["status"], answer["category"], answer["lead_unit"]) == ("handling", "neighbour", POLICE_STATION)
    assert answer["due_at"] == (NOW + timedelta(days=10)).isoformat()


def test_a_resolved_then_closed_case_says_so_and_when_it_closed(citizen, http):
    citizen.on_case_assigned(assigned())
    resolved = CaseResolved.build(
        message_id=UUID(int=501),
        occurred_at=NOW + timedelta(days=2),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        lead_unit=POLICE_STATION,
        round=1,
    )
    citizen.on_case_resolved(resolved)
    assert (progress(citizen, http)["status"], progress(citizen, http)["due_at"]) == ("awaiting_visit", None)
    closed_at = NOW + timedelta(days=3)
    citizen.on_case_closed(
        CaseClosed.build(
            message_id=UUID(int=502),
            occurred_at=closed_at,
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            rating="satisfied",
        )
    )
    answer = progress(citizen, http)
    assert (answer["status"], answer["closed_at"], answer["lead_unit"]) == (
        "closed",
        closed_at.isoformat(),
        POLICE_STATION,
    )


@pytest.mark.parametrize(
    "forged",
    [
        f"{CASE_ID}.20271204.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        f"430426-20261204-00008.20271204.{progress_link_for(CASE_ID, NOW.date(), LINKS.secret).code}",
        f"{CASE_ID}.20200101.AAAA",  # forged and past its day: refused as forged, its day unread
        "not-a-link",
        f"{CASE_ID}.20271204.码",
    ],
)
def test_a_forged_link_is_refused_403_before_anything_is_read(citizen, supervision_store, http, forged):
    with pytest.raises(Forbidden) as refused:
        citizen.show_progress(http.get(), forged)
    assert ApiHandler("GET", "/", access=PUBLIC).response_from_exception(refused.value).status_code == 403
    assert supervision_store.reads == []


def test_a_rating_links_token_opens_no_progress(citizen, http):
    visit = FollowUp(case_id=CASE_ID, lead_unit=POLICE_STATION, round=1, opened_at=NOW)
    with pytest.raises(Forbidden):
        citizen.show_progress(http.get(), rating_link_for(visit, LINKS.secret).token())


def test_a_link_past_its_day_is_refused_409_expired(citizen, supervision_store, http):
    old = progress_link_for(CASE_ID, NOW.date() - timedelta(days=366), LINKS.secret).token()
    with pytest.raises(Refused) as refused:
        citizen.show_progress(http.get(), old)
    assert refused.value.code == "progress_link_expired"
    assert ApiHandler("GET", "/", access=PUBLIC).response_from_exception(refused.value).status_code == 409
    assert supervision_store.reads == []
