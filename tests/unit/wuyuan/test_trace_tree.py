"""`wuyuan trace` draws a case's spans: each when it began in Beijing time (with the date when it changes), how long
after the first and how long it took, in units a days-long case reads in, and a failure or a refusal marked in
Chinese."""

from datetime import datetime

from shared.workdays import CHINA_TZ
from wuyuan.trace_tree import render_tree


def ns(moment: str) -> int:
    return int(datetime.fromisoformat(moment).replace(tzinfo=CHINA_TZ).timestamp() * 1e9)


def span(span_id: str, parent: str | None, name: str, began: str, took_ms: float, **fields) -> dict:
    return {
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "span_id": span_id,
        "parent_span_id": parent,
        "name": name,
        "service": fields.pop("service", "coordinator"),
        "start_ns": ns(began),
        "end_ns": ns(began) + int(took_ms * 1e6),
        "status": fields.pop("status", "UNSET"),
        "attributes": fields.pop("attributes", {}),
        "links": [],
    }


def test_a_case_over_two_days_shows_when_each_step_began_and_marks_a_refusal_and_a_failure():
    lines = render_tree(
        [
            span("a1", None, "POST /api/v1/disputes", "2026-12-07T09:30:00.250", 2.5, service="intake"),
            span("b2", "a1", "coordinator handle CaseRegistered", "2026-12-07T09:30:00.300", 12),
            span(
                "c3",
                "a1",
                "coordinator handle ResultReported",
                "2026-12-07T15:42:10",
                10.6,
                attributes={"wuyuan.refusal.reason": "referral_closed"},
            ),
            span("d4", "a1", "supervision handle CaseClosed", "2026-12-09T10:00:00", 1500, status="ERROR"),
        ]
    )

    assert lines == [
        "└─ intake: POST /api/v1/disputes  （2026-12-07 09:30:00.250，+0.0 毫秒，耗时 2.5 毫秒）",
        "   ├─ coordinator: coordinator handle CaseRegistered  （09:30:00.300，+50 毫秒，耗时 12 毫秒）",
        "   ├─ coordinator: coordinator handle ResultReported  （15:42:10.000，+6.2 小时，耗时 11 毫秒）"
        "  [拒收：referral_closed]",
        "   └─ coordinator: supervision handle CaseClosed  （2026-12-09 10:00:00.000，+2.0 天，耗时 1.5 秒）  [出错]",
    ]
