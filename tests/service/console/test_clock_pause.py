"""暂停计时 and 恢复计时 on an officer's referral page: the form, what is sent, a paused deadline shown paused."""

import re
from dataclasses import replace
from datetime import timedelta

from services.console.handlers.referrals import body_of
from shared import wording
from shared.agency.commands import PauseClock
from tests.service.console.test_referrals import ACCEPTED, REFERRAL_ID, open_page, text_of
from tests.service.console.visitors import LIU, NOW, WANG, agency_shows, console_knowing, form_key_of, token_of

CASE_ROW = {"case_id": "430426-20261123-00007", "status": "in_progress", "category": "neighbour"}
PAUSE = f"/api/v1/referrals/{REFERRAL_ID}/pause"
RESUME = f"/api/v1/referrals/{REFERRAL_ID}/resume"
PAUSED = {
    **ACCEPTED,
    "paused_at": "2026-11-25T07:00:00+00:00",
    "pause_reason": "judicial_confirmation",
    "pause_note": "已向县法院申请司法确认",
    "pauses": 1,
}


def post(console, browser, staff, action: str, form: dict):
    staff.signed_in(LIU)
    request = browser.post(f"/referrals/police/{REFERRAL_ID}/{action}", {"csrf": form_key_of(LIU), **form}, as_=LIU)
    return console.act_on_referral(request, "police", REFERRAL_ID, action)


def test_an_accepted_referral_offers_to_pause_its_clock_with_every_reason(console, browser, staff, apis):
    page = open_page(console, browser, staff, apis, ACCEPTED)

    assert "<h2>暂停计时</h2>" in page
    pause_form = page[page.index("<h2>暂停计时</h2>") :]
    offered = re.findall(r'<option value="([a-z_]+)">([^<]+)</option>', pause_form)
    assert offered == list(wording.PAUSE_REASONS.items())
    assert [label for _, label in offered] == ["等待当事人", "司法确认中", "鉴定", "其他"]
    assert "恢复计时</button>" not in page


def test_a_paused_referral_shows_its_clock_stopped_and_offers_to_resume(console, browser, staff, apis):
    page = open_page(console, browser, staff, apis, PAUSED)

    assert "计时已暂停（司法确认中：已向县法院申请司法确认）" in page
    assert "恢复后顺延" in page
    assert "剩余" not in page and "已超期" not in page  # no countdown runs while the clock stands still
    assert '<button type="submit">恢复计时</button>' in page
    assert "<h2>暂停计时</h2>" not in page


def test_a_pause_is_sent_with_its_reason_and_note(console, apis, browser, staff):
    apis.answer("police_link", "POST", PAUSE, 202, {"status": "accepted"})

    response = post(console, browser, staff, "pause", {"pause_reason": "appraisal", "pause_note": "伤情鉴定中"})

    assert (response.status_code, response.headers["Location"]) == (303, f"/referrals/police/{REFERRAL_ID}?done=pause")
    [call] = apis.posts()
    assert (call.token, call.body) == (token_of(LIU), {"reason": "appraisal", "note": "伤情鉴定中"})
    PauseClock.model_validate(call.body)  # what the agency will accept


def test_a_resume_is_sent_with_an_empty_body(console, apis, browser, staff):
    apis.answer("police_link", "POST", RESUME, 202, {"status": "accepted"})

    post(console, browser, staff, "resume", {})

    [call] = apis.posts()
    assert call.body == {}


def test_any_action_on_a_referral_done_with_says_so_whatever_was_asked(console, apis, browser, staff):
    apis.answer("police_link", "POST", RESUME, 409, {"error": "conflict", "message": "already_finished: … withdrawn"})
    agency_shows(apis, "police_link", {**ACCEPTED, "status": "withdrawn"})

    response = post(console, browser, staff, "resume", {})

    assert response.status_code == 409
    assert "此交办单已办结、已退回或已由上级接办，不能再办理。" in text_of(response)


def test_a_resume_of_a_running_clock_says_so(console, apis, browser, staff):
    apis.answer("police_link", "POST", RESUME, 409, {"error": "conflict", "message": "not_paused: …"})
    agency_shows(apis, "police_link", ACCEPTED)

    response = post(console, browser, staff, "resume", {})

    assert response.status_code == 409
    assert "此交办单没有暂停计时，无需恢复。" in text_of(response)


def test_the_progress_note_does_not_fill_in_the_pause_note(console, browser, staff, apis):
    assert body_of("pause", {"note": ["进展"], "pause_reason": ["other"]}) == {"reason": "other"}


# --- the deadline as the referral's log and every list say it ---------------------------------------------------

RECEIVED = {"kind": "received", "officer": None, "detail": {"role": "lead", "due_at": "2026-11-30T09:30:00+00:00"}}


def changed(due_at: str, at: str) -> dict:
    return {
        "kind": "deadline_changed",
        "officer": None,
        "detail": {"due_at": due_at, "due_provisional": False},
        "at": at,
    }


def log_lines(page: str) -> list[str]:
    timeline = page[page.index('<ol class="timeline">') : page.index("</ol>", page.index('<ol class="timeline">'))]
    return [
        " ".join(re.sub(r"<[^>]+>", "", item).split()[2:]) for item in re.findall(r"<li>(.*?)</li>", timeline, re.S)
    ]


def test_a_resume_that_moved_nothing_is_not_logged_as_a_change_of_deadline(console, browser, staff, apis):
    """Paused and resumed within a weekend: the centre sends the deadline again, the same; the log says it stands."""
    log = [
        {**RECEIVED, "at": "2026-11-23T01:00:00+00:00"},
        changed("2026-11-30T09:30:00+00:00", "2026-11-29T02:00:00+00:00"),
        changed("2026-12-02T09:30:00+00:00", "2026-12-01T02:00:00+00:00"),
    ]

    page = open_page(console, browser, staff, apis, {**ACCEPTED, "log": log})

    lines = log_lines(page)
    assert lines[1] == "期限未变（仍为 2026-11-30 17:30）"
    assert lines[2] == "期限变更（由 2026-11-30 17:30 调整为 2026-12-02 17:30）"


def test_a_deadline_reads_the_same_in_the_case_list_and_the_units_referral_list(
    uow, apis, console_platform, browser, staff
):
    """The coordination group opens the case list, and the court's officer their list an afternoon later: the same
    deadline reads the same, as the days to its day, on both."""
    due = "2026-12-23T09:30:00+00:00"  # 17:30 in Beijing, thirty days on
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, {"cases": [{**CASE_ROW, "next_due_at": due}], "total": 1})
    apis.answer("police_link", "GET", "/api/v1/referrals", 200, {"referrals": [{**ACCEPTED, "due_at": due}]})
    morning = console_knowing(uow, apis, console_platform)
    afternoon = console_knowing(uow, apis, replace(console_platform, now=lambda: NOW + timedelta(hours=8, minutes=15)))
    staff.signed_in(WANG)
    staff.signed_in(LIU, expires_in=timedelta(hours=12))  # signed in for the day

    case_list = text_of(morning.cases(browser.get("/cases", as_=WANG)))
    referral_list = text_of(afternoon.referrals(browser.get("/referrals?tab=accepted", as_=LIU)))

    assert '<span class="due due-ok" data-due="2026-12-23T09:30:00+00:00">剩余30天</span>' in case_list
    assert re.search(
        r'<span class="due due-ok" data-due="2026-12-23T09:30:00\+00:00"[^>]*>剩余30天</span>', referral_list
    )
