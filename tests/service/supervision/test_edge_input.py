"""Input at the edges: a rating link in other scripts, dates at the calendar's ends, a link fact from year 9999.

Each is refused as the caller's mistake (a 403 or a 400 naming the field, a dead letter for a message),
nothing is kept, and the service answers the next request as before.
"""

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest
import segno
from kombu.message import Message

from services.supervision.dependencies import RatingLinks
from services.supervision.domain import rating_link_for
from services.supervision.service import Supervision
from shared.auth.principal import Forbidden
from shared.clock import now
from shared.contracts.envelope import Envelope
from shared.contracts.messages import REJECTED_SCHEMA, CaseResolved, FollowUpRated, LinkRecordNoted, NoticeCirculated
from shared.http import PUBLIC, ApiHandler, BadInput
from shared.messaging.consumer import InboxConsumer, Unreadable
from shared.runtime.metrics import span_log_fields
from shared.telemetry.propagation import CASE_ID_KEY
from tests.spans import recording_provider

CASE_ID = "430426-20260101-00001"
CENTRE = "centre:430426"
COURT = "court:430426"
COURT_USER = "wuyuan.court_link"
LINKS = RatingLinks(b"k" * 32, timedelta(days=15), "https://wuyuan.example.cn")
LAST_DAY = "9999-12-31"


def status_of(exc: Exception) -> int:
    return ApiHandler("GET", "/", access=PUBLIC).response_from_exception(exc).status_code


def refused_fields(call) -> list[tuple[str, str]]:
    with pytest.raises(BadInput) as refused:
        call()
    assert status_of(refused.value) == 400
    return [(str(f["field"]), str(f["type"])) for f in refused.value.fields]


def resolved() -> CaseResolved:
    return CaseResolved.build(
        message_id=UUID(int=501),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=CENTRE,
        lead_unit="police:430426101",
        round=1,
    )


@pytest.fixture
def visit(supervision):
    """A resolved case whose follow-up visit waits for the citizen's rating through the link."""
    supervision.rating_links = LINKS
    supervision.on_case_resolved(resolved())
    return supervision


# --- the citizen's rating link ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        f"{CASE_ID}.1.é",  # /api/v1/ratings/430426-20260101-00001.1.%C3%A9, as werkzeug decodes it
        f"{CASE_ID}.1.码码码码",
        f"{CASE_ID}.1.AAAA",  # a wrong code, the refusal the others must match
        f"{CASE_ID}.１.AAAA",
        f"{CASE_ID}é.1.AAAA",
    ],
)
def test_a_link_in_other_scripts_is_a_403_like_a_forged_one_and_rates_nothing(
    visit, uow, supervision_store, http, token
):
    with pytest.raises(Forbidden, match="not a valid rating link") as shown:
        visit.show_rating_link(http.get(), token)
    with pytest.raises(Forbidden, match="not a valid rating link") as rated:
        visit.rate_by_link(http.post({"rating": "dissatisfied"}), token)

    assert status_of(shown.value) == status_of(rated.value) == 403
    assert supervision_store.follow_ups[(CASE_ID, 1)]["follow_up"].rating is None
    assert uow.sent_of(FollowUpRated) == []


def test_after_a_refused_link_the_visits_own_link_still_rates(visit, uow, supervision_store, http):
    with pytest.raises(Forbidden):
        visit.rate_by_link(http.post({"rating": "satisfied"}), f"{CASE_ID}.1.é")
    follow_up = supervision_store.follow_ups[(CASE_ID, 1)]["follow_up"]

    response = visit.rate_by_link(http.post({"rating": "satisfied"}), rating_link_for(follow_up, LINKS.secret).token())

    assert response.status_code == 202
    assert [m.rating.value for m in uow.sent_of(FollowUpRated)] == ["satisfied"]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"format": "pdf"}, "format"), ({"format": "SVG"}, "format"), ({"fmt": "svg"}, "fmt")],
)
def test_a_rating_link_asked_in_a_format_it_has_not_is_a_400_naming_it_not_json_instead(visit, http, query, field):
    assert [name for name, _ in refused_fields(lambda: visit.rating_link(http.get(query), CASE_ID))] == [field]


def test_a_rating_link_is_answered_as_json_or_as_the_qr_code_to_print(visit, http):
    as_json = http.body(visit.rating_link(http.get({"format": "json"}), CASE_ID))
    as_svg = visit.rating_link(http.get({"format": "svg"}), CASE_ID)

    assert as_json["url"].startswith("https://wuyuan.example.cn/rate/")
    assert (as_svg.status_code, as_svg.mimetype) == (200, "image/svg+xml")
    # The quiet zone ISO/IEC 18004 asks for, four modules on each side, so that it scans printed on any paper.
    modules, _ = segno.make(as_json["url"], error="m").symbol_size(scale=1, border=0)
    width = re.search(r'width="(\d+)"', as_svg.get_data(as_text=True))
    assert width is not None and int(width.group(1)) == (modules + 2 * 4) * 6


# --- dates at the calendar's ends: a 400 naming each, never a day past year 9999 --------------------


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"from": LAST_DAY, "to": LAST_DAY}, [("from", "date_out_of_range"), ("to", "date_out_of_range")]),
        ({"from": "0001-01-01", "to": "0001-01-02"}, [("from", "date_out_of_range"), ("to", "date_out_of_range")]),
        ({"from": "2100-12-31", "to": "2101-01-01"}, [("to", "date_out_of_range")]),
    ],
)
def test_link_fact_counts_at_the_calendars_ends_are_a_400_naming_the_dates(supervision, http, query, fields):
    assert refused_fields(lambda: supervision.link_fact_counts(http.get(query))) == fields


def test_the_last_accepted_day_is_counted(supervision, http):
    answer = http.body(supervision.link_fact_counts(http.get({"from": "2100-12-31", "to": "2100-12-31"})))
    assert answer == {"from": "2100-12-31", "to": "2100-12-31", "counts": {}}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"to": LAST_DAY}, "to"),
        ({"from": "0001-01-01"}, "from"),
        ({"month": "9999-12"}, "month"),
        ({"month": "0000-01"}, "month"),
    ],
)
def test_documents_filtered_at_the_calendars_ends_are_a_400_naming_the_filter(supervision, http, query, field):
    assert [name for name, _ in refused_fields(lambda: supervision.list_documents(http.get(query)))] == [field]


@pytest.mark.parametrize(
    "body",
    [{"from": "9999-12-01", "to": LAST_DAY}, {"from": "0001-01-01", "to": "0001-01-31"}],
)
def test_a_notice_at_the_calendars_ends_is_a_400_and_nothing_is_numbered_or_sent(
    supervision, supervision_store, uow, http, body
):
    assert refused_fields(lambda: supervision.issue_notice(http.post(body))) == [
        ("from", "date_out_of_range"),
        ("to", "date_out_of_range"),
    ]
    assert uow.sent_of(NoticeCirculated) == [] and supervision_store.documents == {} and supervision_store.numbers == {}


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"period": "month", "date": "9999-12-15"}, ["date"]),
        ({"period": "week", "date": LAST_DAY}, ["date"]),
        ({"period": "day", "date": "0001-01-01"}, ["date"]),
        ({"from": LAST_DAY, "to": LAST_DAY}, ["from", "to"]),
    ],
)
def test_a_report_at_the_calendars_ends_is_a_400_naming_the_dates(supervision, http, query, fields):
    assert [name for name, _ in refused_fields(lambda: supervision.report(http.get(query)))] == fields


@pytest.mark.parametrize("period", ["9999-12", "9999-W52", "0001-W01"])
def test_spot_checks_of_a_period_at_the_calendars_ends_are_a_400_naming_period(supervision, http, period):
    assert [name for name, _ in refused_fields(lambda: supervision.list_spot_checks(http.get({"period": period})))] == [
        "period"
    ]


def test_a_spot_check_draw_or_summary_at_the_calendars_ends_is_a_400_and_draws_nothing(
    supervision, supervision_store, http
):
    period = {"from": "9999-12-01", "to": LAST_DAY}
    assert [name for name, _ in refused_fields(lambda: supervision.draw_spot_checks_now(http.post(period)))] == [
        "from",
        "to",
    ]
    assert [name for name, _ in refused_fields(lambda: supervision.spot_check_summary(http.get(period)))] == [
        "from",
        "to",
    ]
    assert supervision_store.draws == {}


# --- a link's decision dated where no China date can hold it ----------------------------------------


def noted(n: int, at: datetime) -> LinkRecordNoted:
    return LinkRecordNoted.build(
        message_id=UUID(int=n),
        occurred_at=datetime(2026, 12, 1, tzinfo=UTC),
        case_id=None,
        sender=COURT,
        recipient=CENTRE,
        link="court",
        record_id="(2026)湘0426民诉前1号",
        kind="filing_registered",
        unit=COURT,
        at=at,
    )


def read_at_supervisions_inbox(body: dict[str, object]) -> Envelope:
    """The body as supervision's inbox reads it before any handler runs (shared.messaging.consumer), with the
    model its `on_link_record_noted` entrypoint declares."""
    consumer = InboxConsumer()
    consumer.service = "supervision"
    consumer.handlers = {h.model.TYPE: h for h in Supervision.on_link_record_noted.nameko_entrypoints}
    _, message = consumer.read(Message(body=json.dumps(body).encode(), content_type="application/json"))
    return message


@pytest.mark.parametrize("at", ["9999-12-31T20:00:00+00:00", "0001-01-01T00:00:00+00:00", "2101-01-01T00:00:00+08:00"])
def test_a_link_fact_dated_outside_the_years_is_dead_lettered_as_a_schema_violation_and_reports_still_read(
    supervision, supervision_store, uow, http, at
):
    body = {**noted(1, datetime(2026, 12, 1, tzinfo=UTC)).model_dump(mode="json"), "at": at}
    with pytest.raises(Unreadable) as refused:
        read_at_supervisions_inbox(body)

    # The consumer dead-letters it with this code and reason (and tells the court) before any handler runs.
    assert refused.value.code == REJECTED_SCHEMA
    assert str(refused.value) == "schema violation: at: must be a time in a year from 1900 to 2100"
    assert supervision_store.link_facts == {} and uow.claimed == set()
    supervision.sender = COURT_USER
    supervision.on_link_record_noted(
        read_at_supervisions_inbox(noted(2, datetime(2026, 12, 1, 15, 30, tzinfo=UTC)).model_dump(mode="json"))
    )
    report = supervision.report(http.get({"from": "2026-12-01", "to": "2026-12-01"}))
    assert report.status_code == 200
    assert len(supervision_store.link_facts) == 1


@pytest.mark.parametrize(
    "at",
    [
        datetime(1900, 1, 1, tzinfo=timezone(timedelta(hours=14))),  # 1899-12-31 in China
        datetime(2100, 12, 31, 23, 59, tzinfo=UTC),  # 2101-01-01 in China
    ],
)
def test_a_link_fact_at_either_end_of_the_years_is_kept_and_counted_by_a_china_date(
    supervision, supervision_store, http, at
):
    supervision.sender = COURT_USER
    supervision.on_link_record_noted(read_at_supervisions_inbox(noted(3, at).model_dump(mode="json")))

    assert len(supervision_store.link_facts) == 1
    assert supervision.report(http.get({"from": "2100-12-31", "to": "2100-12-31"})).status_code == 200


def test_a_valid_link_names_its_case_on_the_span_its_access_line_reads_and_a_forged_one_names_none(
    visit, supervision_store, http
):
    follow_up = supervision_store.follow_ups[(CASE_ID, 1)]["follow_up"]
    provider, exporter = recording_provider()
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("supervision.show_rating_link") as shown:
        visit.show_rating_link(http.get(), rating_link_for(follow_up, LINKS.secret).token())
        shown_fields = span_log_fields(shown)
    with tracer.start_as_current_span("supervision.rate_by_link"), pytest.raises(Forbidden):
        visit.rate_by_link(http.post({"rating": "satisfied"}), f"{CASE_ID}.1.AAAA")
    provider.shutdown()

    assert shown_fields["case_id"] == CASE_ID
    forged = next(s for s in exporter.get_finished_spans() if s.name == "supervision.rate_by_link")
    assert CASE_ID_KEY not in (forged.attributes or {})
