"""两函一通报 as documents through the supervision service: numbered, archived, delivered, listed, printed."""

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pypdf
import pytest

from services.supervision import documents_handlers
from services.supervision.documents import (
    DocumentKind,
    recovered_note,
    scheduled_notice_copy_id,
    scheduled_notice_id,
)
from services.supervision.documents_recovered import Archive, LetterCopy, recover_letters
from services.supervision.documents_settings import NoticeSchedule
from services.supervision.service import Supervision
from shared.auth.principal import Forbidden, Principal, Role
from shared.contracts.messages import (
    CaseAssigned,
    NoticeCirculated,
    OverdueNoticeIssued,
    ReferralClosed,
    ReferralSummary,
    ReminderIssued,
    UnitDesignated,
)
from shared.contracts.vocabulary import ResultCode
from shared.http import BadInput
from shared.persistence.errors import NotFound
from tests.service.supervision.conftest import documents_of
from tests.unit.shared.test_downloads import saved_as
from wuyuan.restore_letters_archived import archived_again

CASE_ID = "430426-20261102-00042"
STATION = "police:430426101"  # 砖塘镇派出所
BUREAU = "police:430426"  # its superior, the county bureau
JUSTICE_OFFICE = "justice:430426101"
COURT = "court:430426"
CENTRE = "centre:430426"
OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({STATION}))
OTHER_OFFICER = Principal("chen.li", "陈力", frozenset({Role.OFFICER}), frozenset({"police:430426102"}))
SUPERVISOR = Principal("zhou.hui", "督导员小周", frozenset({Role.SUPERVISOR}))

LATE_TICK = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # Friday 09:00 in Beijing
DUE = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)  # Monday 17:30 in Beijing: four working days before


def at(supervision: Supervision, moment: datetime) -> None:
    supervision.platform = replace(supervision.platform, now=lambda: moment)


def designate(supervision: Supervision, n: int, unit: str, due: datetime = DUE) -> UUID:
    referral_id = UUID(int=n)
    supervision.on_unit_designated(
        UnitDesignated.build(
            message_id=UUID(int=1000 + n),
            occurred_at=due - timedelta(days=14),
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            referral={
                "referral_id": referral_id,
                "unit": unit,
                "role": "lead",
                "round": 1,
                "issued_at": due - timedelta(days=14),
                "due_at": due,
            },
        )
    )
    return referral_id


def test_an_overdue_unit_gets_a_numbered_supervision_letter_archived_and_copied_to_its_superior(supervision, uow, http):
    referral_id = designate(supervision, 1, STATION)
    at(supervision, LATE_TICK)

    supervision.send_due_letters()

    to_unit, to_superior = uow.sent_of(OverdueNoticeIssued)
    assert (to_unit.recipient, to_unit.about_unit) == (STATION, None)
    assert (to_superior.recipient, to_superior.about_unit) == (BUREAU, STATION)
    assert to_unit.document_number == to_superior.document_number == "祁东综治〔2026〕督办第1号"
    assert to_unit.document_id == to_superior.document_id

    [listed] = http.body(supervision.list_documents(http.get({"case_id": CASE_ID})))["documents"]
    assert listed["id"] == str(to_unit.document_id)
    assert (listed["number"], listed["kind"], listed["referral_id"]) == (
        "祁东综治〔2026〕督办第1号",
        "overdue",
        str(referral_id),
    )
    assert (listed["unit"], listed["superior_unit"], listed["units"]) == (STATION, BUREAU, [STATION, BUREAU])

    shown = http.body(supervision.show_document(http.get(), listed["id"]))
    assert shown["facts"]["working_days"] == 4 and shown["facts"]["superior_name"] == "祁东县公安局"

    html = supervision.document_html(http.get(), listed["id"])
    assert html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    for text in [
        "祁东县综治中心",
        "祁东综治〔2026〕督办第1号",
        "砖塘镇派出所：",
        CASE_ID,
        "已超期4个工作日",
        "抄送：祁东县公安局",
    ]:
        assert text in page, text

    pdf = supervision.document_pdf(http.get(), listed["id"])
    assert pdf.mimetype == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.get_data())).pages[0].extract_text().replace("\n", "")
    assert "祁东综治〔2026〕督办第1号" in text and "砖塘镇派出所" in text
    # Shown to print; saved, named by its kind and number, with an ASCII name for clients that take no other.
    assert saved_as(pdf.headers["Content-Disposition"]) == (
        "inline",
        "督办函_祁东综治〔2026〕督办第1号.pdf",
        "wuyuan-overdue-2026-1.pdf",
    )


def test_a_letter_names_the_dispute_by_the_place_and_category_its_assignment_gave(supervision, http):
    lead = ReferralSummary(
        referral_id=UUID(int=7), unit=STATION, role="lead", round=1, issued_at=DUE - timedelta(days=14), due_at=DUE
    )
    supervision.on_case_assigned(
        CaseAssigned.build(
            message_id=UUID(int=700),
            occurred_at=DUE - timedelta(days=14),
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            mode="single_unit",
            source="walk_in",
            category="neighbour",
            division_code="430426101203",
            flags=[],
            lead_unit=STATION,
            co_units=[],
            referrals=[lead],
        )
    )
    at(supervision, LATE_TICK)

    supervision.send_due_letters()

    [listed] = http.body(supervision.list_documents(http.get({"case_id": CASE_ID})))["documents"]
    page = supervision.document_html(http.get(), listed["id"]).get_data(as_text=True)
    assert f"{CASE_ID}号矛盾纠纷（砖塘镇新塘村，邻里纠纷）于" in page


def test_each_kind_is_numbered_in_its_own_series(supervision, uow):
    designate(supervision, 1, STATION)
    designate(supervision, 2, JUSTICE_OFFICE)
    designate(supervision, 3, COURT, due=LATE_TICK + timedelta(days=1))  # 80 % gone: a 提醒函
    at(supervision, LATE_TICK)

    supervision.send_due_letters()

    numbers = sorted({m.document_number for m in uow.sent_of(OverdueNoticeIssued) + uow.sent_of(ReminderIssued)})
    assert numbers == ["祁东综治〔2026〕提醒第1号", "祁东综治〔2026〕督办第1号", "祁东综治〔2026〕督办第2号"]
    # the court is a county-level unit: the centre itself keeps the copy, so only the township units' superiors
    # get a message
    assert sorted(m.recipient for m in uow.sent_of(OverdueNoticeIssued) if m.about_unit) == ["justice:430426", BUREAU]


def test_an_officer_sees_his_own_units_letters_and_no_others(supervision, http):
    designate(supervision, 1, STATION)
    designate(supervision, 2, JUSTICE_OFFICE)
    at(supervision, LATE_TICK)
    supervision.send_due_letters()
    supervision.caller = OFFICER

    [own] = http.body(supervision.list_documents(http.get()))["documents"]
    assert own["unit"] == STATION

    supervision.caller = OTHER_OFFICER
    assert http.body(supervision.list_documents(http.get()))["documents"] == []
    with pytest.raises(Forbidden):
        supervision.show_document(http.get(), own["id"])
    with pytest.raises(Forbidden):
        supervision.document_pdf(http.get(), own["id"])


def test_a_supervisor_issues_a_notice_on_demand_naming_the_late_units(supervision, uow, http):
    designate(supervision, 1, STATION)
    designate(supervision, 2, JUSTICE_OFFICE, due=datetime(2026, 11, 10, 9, 30, tzinfo=UTC))
    at(supervision, LATE_TICK)
    supervision.send_due_letters()
    at(supervision, LATE_TICK + timedelta(hours=1))

    answer = http.body(supervision.issue_notice(http.post({"from": "2026-11-01", "to": "2026-11-20"})))

    assert answer["number"] == "祁东综治〔2026〕通报第1号" and answer["kind"] == "notice"
    assert answer["named_units"] == [JUSTICE_OFFICE, STATION]
    assert [(r["unit"], r["rank"], r["on_time_rate"]) for r in answer["ranking"]] == [
        (JUSTICE_OFFICE, 1, 0.0),
        (STATION, 1, 0.0),
    ]
    notices = uow.sent_of(NoticeCirculated)
    assert sorted((n.recipient, n.overdue, n.overdue_letters) for n in notices) == [
        (JUSTICE_OFFICE, 1, 1),
        (STATION, 1, 1),
    ]
    assert {n.document_number for n in notices} == {"祁东综治〔2026〕通报第1号"}
    page = supervision.document_html(http.get(), answer["id"]).get_data(as_text=True)
    assert "2026年11月1日至2026年11月20日" in page and "砖塘镇派出所1件" in page


COURT_OFFICER = Principal("wang.fang", "王芳", frozenset({Role.OFFICER}), frozenset({COURT}))


def finish_in_time(supervision: Supervision, n: int, unit: str) -> None:
    supervision.on_referral_closed(
        ReferralClosed.build(
            message_id=UUID(int=2000 + n),
            occurred_at=DUE - timedelta(days=1),
            case_id=CASE_ID,
            sender=CENTRE,
            recipient=CENTRE,
            referral_id=UUID(int=n),
            unit=unit,
            reason="result_reported",
            result=ResultCode.MEDIATED,
        )
    )


def test_a_unit_the_notice_ranks_without_naming_it_receives_it_and_may_read_and_print_it(supervision, uow, http):
    designate(supervision, 1, STATION)  # overdue: named
    designate(supervision, 2, COURT)  # done the day before its deadline: ranked first, named nowhere
    finish_in_time(supervision, 2, COURT)
    at(supervision, LATE_TICK)
    supervision.send_due_letters()

    answer = http.body(supervision.issue_notice(http.post({"from": "2026-11-01", "to": "2026-11-20"})))

    assert answer["named_units"] == [STATION]
    assert [(r["unit"], r["rank"]) for r in answer["ranking"]] == [(COURT, 1), (STATION, 2)]
    assert answer["units"] == [COURT, STATION]
    to_court = [n for n in uow.sent_of(NoticeCirculated) if n.recipient == COURT]
    assert [(n.document_id, n.rank, n.overdue, n.on_time_rate) for n in to_court] == [(UUID(answer["id"]), 1, 0, 100.0)]
    supervision.caller = COURT_OFFICER
    [listed] = http.body(supervision.list_documents(http.get({"kind": "notice"})))["documents"]
    assert listed["id"] == answer["id"]
    assert "祁东县人民法院" in supervision.document_html(http.get(), answer["id"]).get_data(as_text=True)
    assert supervision.document_pdf(http.get(), answer["id"]).status_code == 200


def test_the_monthly_notice_reaches_every_unit_it_ranks_each_copy_under_an_id_kept_across_restores(supervision, uow):
    designate(supervision, 1, STATION)
    designate(supervision, 2, COURT)
    finish_in_time(supervision, 2, COURT)
    at(supervision, LATE_TICK)
    supervision.send_due_letters()
    at(supervision, datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # 1 December in Beijing

    supervision.issue_scheduled_notice()

    notice = scheduled_notice_id(CENTRE, date(2026, 11, 1), date(2026, 11, 30))
    assert {n.recipient: n.message_id for n in uow.sent_of(NoticeCirculated)} == {
        COURT: scheduled_notice_copy_id(notice, COURT),
        STATION: scheduled_notice_copy_id(notice, STATION),
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),
        ({"from": "2025-01-01", "to": "2026-11-01"}, "to"),
        ({"from": "november", "to": "2026-11-01"}, "from"),
        ({"from": "2026-11-01", "to": "2026-11-30", "units": []}, "units"),
    ],
)
def test_a_notice_over_a_bad_period_is_refused_naming_the_field(supervision, uow, http, body, field):
    with pytest.raises(BadInput) as refused:
        supervision.issue_notice(http.post(body))
    assert [f["field"] for f in refused.value.fields] == [field]
    assert uow.sent == []


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        ({"from": "2099-01-01", "to": "2099-12-31"}, ("to", "date_future")),
        ({"from": "2026-11-01", "to": "2026-11-21"}, ("to", "date_future")),  # tomorrow in Beijing
        ({"from": "2026-11-20", "to": "2026-11-01"}, ("to", "value_error")),
    ],
)
def test_a_notice_over_a_period_not_yet_over_is_refused_and_nothing_is_numbered_kept_or_sent(
    supervision, supervision_store, uow, http, body, refusal
):
    designate(supervision, 1, STATION, due=datetime(2027, 3, 1, 9, 30, tzinfo=UTC))  # due next year: not overdue
    at(supervision, LATE_TICK)

    with pytest.raises(BadInput) as refused:
        supervision.issue_notice(http.post(body))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [refusal]
    assert supervision_store.documents == {} and supervision_store.numbers == {} and uow.sent == []


def test_a_notice_over_a_period_not_yet_over_and_a_start_that_is_no_date_is_one_400_naming_both(
    supervision, supervision_store, uow, http
):
    at(supervision, LATE_TICK)

    with pytest.raises(BadInput) as refused:
        supervision.issue_notice(http.post({"from": "november", "to": "2026-11-21"}))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [
        ("from", "date_from_datetime_parsing"),
        ("to", "date_future"),
    ]
    assert refused.value.fields[1]["message"] == "is after today (2026-11-20)"
    assert supervision_store.documents == {} and supervision_store.numbers == {} and uow.sent == []


def test_a_notice_over_a_period_ending_today_counts_overdue_as_of_now(supervision, uow, http):
    """Friday 20 November, 09:00 in Beijing: the station's deadline was Monday, the justice office's is 17:30 today.
    Only the station has missed one; the office's deadline has not come, so it is neither due nor overdue yet."""
    designate(supervision, 1, STATION)
    designate(supervision, 2, JUSTICE_OFFICE, due=datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    at(supervision, LATE_TICK)

    answer = http.body(supervision.issue_notice(http.post({"from": "2026-11-01", "to": "2026-11-20"})))

    assert answer["named_units"] == [STATION]
    assert [(r["unit"], r["due"], r["overdue"]) for r in answer["ranking"]] == [(STATION, 1, 1)]
    assert [n.recipient for n in uow.sent_of(NoticeCirculated)] == [STATION]


@pytest.mark.parametrize(
    ("query", "field"), [({"kind": "memo"}, "kind"), ({"month": "2026-13"}, "month"), ({"unit": "x"}, "unit")]
)
def test_a_malformed_filter_is_refused_naming_it(supervision, http, query, field):
    with pytest.raises(BadInput) as refused:
        supervision.list_documents(http.get(query))
    assert [f["field"] for f in refused.value.fields] == [field]


@pytest.mark.parametrize(("unit", "code"), [("fire:430426", "unknown_agency"), ("court:430427", "unknown_unit")])
def test_a_unit_the_county_does_not_have_is_refused_not_answered_with_no_documents(supervision, http, unit, code):
    designate(supervision, 1, STATION)
    at(supervision, LATE_TICK)
    supervision.send_due_letters()

    with pytest.raises(BadInput) as refused:
        supervision.list_documents(http.get({"unit": unit}))
    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("unit", code)]


def test_documents_are_filtered_by_month_and_kind(supervision, http):
    designate(supervision, 1, STATION)
    at(supervision, LATE_TICK)
    supervision.send_due_letters()

    def numbers(query: dict[str, str]) -> list[str]:
        return [d["number"] for d in http.body(supervision.list_documents(http.get(query)))["documents"]]

    assert numbers({"month": "2026-11", "kind": "overdue"}) == ["祁东综治〔2026〕督办第1号"]
    assert numbers({"month": "2026-12"}) == []
    assert numbers({"kind": "reminder"}) == []


def test_the_monthly_notice_is_issued_once_on_the_first_working_day(supervision, uow):
    designate(supervision, 1, STATION)
    at(supervision, LATE_TICK)
    supervision.send_due_letters()

    at(supervision, datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # 1 December, 00:00 in Beijing: a Tuesday
    supervision.issue_scheduled_notice()
    supervision.issue_scheduled_notice()  # a second run, or a second instance

    [notice] = uow.sent_of(NoticeCirculated)
    assert (notice.recipient, str(notice.period_from), str(notice.period_to)) == (STATION, "2026-11-01", "2026-11-30")
    assert notice.document_number == "祁东综治〔2026〕通报第1号"


def test_a_platform_first_started_after_a_month_circulates_nothing_for_it_and_numbers_its_first_month_s_notice_first(
    supervision, uow, supervision_store
):
    at(supervision, datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # 1 December in Beijing, the platform's first day

    supervision.issue_scheduled_notice()  # November: nothing kept from then

    assert uow.sent_of(NoticeCirculated) == [] and supervision_store.documents == {}
    designate(supervision, 1, STATION, due=datetime(2026, 12, 14, 9, 30, tzinfo=UTC))  # issued 30 November (UTC)
    at(supervision, datetime(2027, 1, 4, 1, 0, tzinfo=UTC))  # the first working day of 2027

    supervision.issue_scheduled_notice()

    [notice] = uow.sent_of(NoticeCirculated)
    assert (str(notice.period_from), str(notice.period_to)) == ("2026-12-01", "2026-12-31")
    assert notice.document_number == "祁东综治〔2027〕通报第1号"


def test_the_monthly_notice_issued_again_after_a_restore_goes_under_its_first_id_and_number(
    supervision, uow, supervision_store
):
    designate(supervision, 1, STATION)
    at(supervision, LATE_TICK)
    supervision.send_due_letters()
    at(supervision, datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    supervision.issue_scheduled_notice()
    [first] = uow.sent_of(NoticeCirculated)
    # Supervision's database restored to before the notice: the archive lost it, and the restore wrote the number
    # the station kept and moved the series past it.
    del supervision_store.documents[first.document_id]
    supervision_store.numbers_given[first.document_id] = (first.document_number, 2026, 1)

    supervision.issue_scheduled_notice()

    again = uow.sent_of(NoticeCirculated)[-1]
    assert again is not first
    # The station's inbox has taken this copy already; the archive holds the notice under the number it went out with.
    assert (again.message_id, again.document_id, again.document_number) == (
        first.message_id,
        first.document_id,
        "祁东综治〔2026〕通报第1号",
    )
    assert supervision_store.documents[first.document_id].number == "祁东综治〔2026〕通报第1号"


def test_a_letter_the_restored_archive_lost_is_archived_again_from_the_units_copy_as_it_was_issued(
    supervision, uow, http, supervision_store
):
    referral_id = designate(supervision, 1, STATION)
    at(supervision, LATE_TICK)
    supervision.send_due_letters()
    to_unit, _ = uow.sent_of(OverdueNoticeIssued)
    first = http.body(supervision.show_document(http.get(), str(to_unit.document_id)))
    first_page = supervision.document_html(http.get(), str(to_unit.document_id)).get_data(as_text=True)
    # Supervision's database restored to before the letter: the archive lost it; the station logged it as the agency's
    # handler does (its 文号, id, the deadline it named and its own time), on the referral it holds.
    del supervision_store.documents[to_unit.document_id]
    copy = LetterCopy(
        document_id=to_unit.document_id,
        number=to_unit.document_number,
        kind=DocumentKind.OVERDUE,
        referral_id=referral_id,
        case_id=CASE_ID,
        unit=STATION,
        role="lead",
        due_at=to_unit.due_at,
        issued_at=to_unit.occurred_at,
        received_at=to_unit.occurred_at + timedelta(seconds=3),
        held_by="police_link",
    )
    restored_at = LATE_TICK + timedelta(days=3)
    archive = Archive(frozenset(supervision_store.documents), frozenset(), frozenset())
    [letter] = recover_letters(
        [copy],
        archive,
        {referral_id: supervision_store.watches[referral_id].issued_at},  # the restored watch's
        centre_read=True,
        centre_unit=CENTRE,
        name=supervision.documents.name,
        at=restored_at,
    ).recovered
    supervision_store.archive_document(archived_again(letter, restored_at))

    # The station's officer opens it again by the id his referral's log links to: the same letter, marked as rebuilt.
    supervision.caller = OFFICER
    [listed] = http.body(supervision.list_documents(http.get()))["documents"]
    assert listed == {k: v for k, v in first.items() if k != "facts"} | {"recovered_at": restored_at.isoformat()}
    shown = http.body(supervision.show_document(http.get(), listed["id"]))
    assert {k: v for k, v in shown["facts"].items() if k != "recovered"} == first["facts"]
    # Its print view is the first one's with one more paragraph: that it was archived again, and from what.
    note = recovered_note(shown["facts"])
    assert note.startswith("注：本函原存档在检查督导组数据库恢复到较早时点时遗失") and "未留存" not in note
    page = supervision.document_html(http.get(), listed["id"]).get_data(as_text=True)
    assert page.replace(f'<p class="body">{note}</p>\n', "") == first_page
    assert supervision.document_pdf(http.get(), listed["id"]).status_code == 200


def test_with_the_schedule_off_no_notice_is_issued_by_itself(supervision, uow, platform):
    supervision.documents = documents_of(platform, NoticeSchedule.OFF)
    designate(supervision, 1, STATION)
    at(supervision, datetime(2026, 12, 1, 1, 0, tzinfo=UTC))

    supervision.issue_scheduled_notice()

    assert uow.sent_of(NoticeCirculated) == []


def test_an_unknown_document_is_not_found_and_a_malformed_id_refused(supervision, http):
    with pytest.raises(NotFound):
        supervision.show_document(http.get(), str(UUID(int=404)))
    with pytest.raises(BadInput):
        supervision.document_html(http.get(), "not-a-uuid")


# --- 签发人: who issued each document ---------------------------------------------------------

ANOTHER_SUPERVISOR = Principal("li.na", "督导员李娜", frozenset({Role.SUPERVISOR}))


def test_a_notice_on_demand_records_the_signed_in_supervisor_as_its_issuer(supervision, supervision_store, http):
    designate(supervision, 1, STATION)
    at(supervision, LATE_TICK)
    supervision.caller = ANOTHER_SUPERVISOR

    answer = http.body(supervision.issue_notice(http.post({"from": "2026-11-01", "to": "2026-11-20"})))

    assert answer["issued_by"] == "li.na"
    assert supervision_store.documents[UUID(answer["id"])].issued_by == "li.na"
    supervision.caller = SUPERVISOR  # whoever reads it later sees who issued it, not themselves
    [listed] = http.body(supervision.list_documents(http.get({"kind": "notice"})))["documents"]
    assert listed["issued_by"] == "li.na"
    shown = http.body(supervision.show_document(http.get(), answer["id"]))
    assert shown["issued_by"] == shown["facts"]["issued_by"] == "li.na"
    page = supervision.document_html(http.get(), answer["id"]).get_data(as_text=True)
    assert "签发人：督导员李娜（li.na）" in page and "系统自动生成" not in page
    pdf = supervision.document_pdf(http.get(), answer["id"]).get_data()
    assert "签发人：督导员李娜（li.na）" in "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_a_notice_on_demand_archives_and_prints_the_supervisors_name_beside_the_account(
    supervision, supervision_store, uow, http
):
    """签发人：李娜（li.na）: the name a reader knows, the account to trace it by (with OIDC an e-mail or a UUID)."""
    designate(supervision, 1, STATION)
    at(supervision, LATE_TICK)
    command = documents_handlers.IssueNotice.model_validate({"from": "2026-11-01", "to": "2026-11-20"})

    answer = documents_handlers.issue_notice(
        command, "li.na", uow, supervision.platform, supervision.documents, issued_by_name="李娜\n"
    )

    archived = supervision_store.documents[UUID(str(answer["id"]))]
    assert (archived.issued_by, archived.facts["issued_by_name"]) == ("li.na", "李娜")  # the account column as before
    [listed] = http.body(supervision.list_documents(http.get({"kind": "notice"})))["documents"]
    assert (listed["issued_by"], listed["issued_by_name"]) == ("li.na", "李娜")
    page = supervision.document_html(http.get(), str(answer["id"])).get_data(as_text=True)
    assert "签发人：李娜（li.na）" in page
    pdf = supervision.document_pdf(http.get(), str(answer["id"])).get_data()
    assert "签发人：李娜（li.na）" in "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_the_issuer_of_a_notice_cannot_be_given_in_the_body(supervision, supervision_store, uow, http):
    body = {"from": "2026-11-01", "to": "2026-11-20", "issued_by": "zhang.san"}

    with pytest.raises(BadInput) as refused:
        supervision.issue_notice(http.post(body))

    assert [f["field"] for f in refused.value.fields] == ["issued_by"]
    assert supervision_store.documents == {} and uow.sent == []


def test_an_account_named_as_the_timer_may_not_issue_a_notice(supervision, supervision_store, uow, http):
    supervision.caller = Principal("timer", "计时器", frozenset({Role.SUPERVISOR}))

    with pytest.raises(Forbidden):
        supervision.issue_notice(http.post({"from": "2026-11-01", "to": "2026-11-20"}))

    assert supervision_store.documents == {} and uow.sent == []


def test_letters_and_the_monthly_notice_say_the_system_issued_them(supervision, http):
    designate(supervision, 1, STATION)
    designate(supervision, 2, COURT, due=LATE_TICK + timedelta(days=1))  # a 提醒函
    at(supervision, LATE_TICK)
    supervision.send_due_letters()
    at(supervision, datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # 1 December in Beijing: the monthly 通报
    supervision.issue_scheduled_notice()

    documents = http.body(supervision.list_documents(http.get()))["documents"]

    assert sorted((d["kind"], d["issued_by"]) for d in documents) == [
        ("notice", "timer"),
        ("overdue", "timer"),
        ("reminder", "timer"),
    ]
    for d in documents:
        page = supervision.document_html(http.get(), d["id"]).get_data(as_text=True)
        assert "系统自动生成" in page and "签发人" not in page, d["number"]
