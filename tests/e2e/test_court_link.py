"""诉调对接 end to end: the court screens its filings; a diverted one becomes the centre's case, and comes back
to the court either with an agreement it confirms (司法确认) or as a failed mediation it files (转立案)."""

import time
from datetime import datetime
from urllib.parse import quote

import psycopg
import pytest

from services.court_link.domain.terms import local_date
from shared.telemetry.file_exporter import read_spans

pytestmark = pytest.mark.e2e

COURT = "court_link"
COURT_UNIT = "court:430426"
JUSTICE_UNIT = "justice:430426101"  # the township's justice office, whose mediators sit in
EXPORT_GRACE_SECONDS = 1.5  # the batch span processor exports every 0.5 s


def today() -> str:
    return local_date(datetime.now().astimezone()).isoformat()


def filing(number: str, summary: str, parties: tuple[str, str], **screening: bool) -> dict:
    """A loan filed today; each test's own parties, or intake would link it to another test's case as a repeat."""
    applicant, respondent = parties
    return {
        "filing_number": number,
        "case_type": "civil",
        "filed_on": today(),
        "category": "debt",
        "division_code": "430426101",
        "summary": summary,
        "parties": [
            {"role": "applicant", "name": applicant, "phone": "13807341234"},
            {"role": "respondent", "name": respondent, "phone": "13907345678"},
        ],
        "claim_amount_yuan": "50000",
        "legal_relation_clear": True,
        "facts_clear": True,
        "parties_consent": True,
        **screening,
    }


def path(number: str, tail: str = "") -> str:
    return f"/api/v1/filings/{quote(number, safe='')}{tail}"


def rows(platform, service: str, sql: str, params: tuple) -> list[tuple]:
    with psycopg.connect(platform.database_url(service)) as conn:
        return conn.execute(sql, params).fetchall()


def case_of_filing(platform, number: str, timeout: float = 30.0) -> str:
    """The case intake opened for the filing the court fed in (its record id is the filing number)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = rows(platform, "intake", "SELECT case_id FROM cases WHERE report->>'source_record_id' = %s", (number,))
        if found:
            return str(found[0][0])
        time.sleep(0.1)
    raise TimeoutError(f"no case for filing {number} in {timeout}s")


def the_courts_referral(client, case: dict, number: str) -> dict:
    """The court's lead referral as the court received it, tied to the filing by the referral's source record."""
    (lead,) = [r for r in case["referrals"] if r["unit"] == COURT_UNIT]
    referral = client.wait_for_referral(COURT_UNIT, lead["referral_id"])
    assert referral["source_record_id"] == number, "the coordinator did not pass the filing number on the referral"
    return referral


def joint_case(client, platform, number: str) -> tuple[str, dict, dict]:
    """诉调对接's routing: the court leads, the township's mediators sit in. (case id, court's, justice's referral)."""
    case_id = case_of_filing(platform, number)
    case = client.wait_for_status(case_id, "assigned")
    assert (case["source"], case["mode"], case["lead_unit"], case["co_units"]) == (
        "court_filing",
        "joint",
        COURT_UNIT,
        [JUSTICE_UNIT],
    )
    (mediators,) = [r for r in case["referrals"] if r["unit"] == JUSTICE_UNIT]
    return case_id, the_courts_referral(client, case, number), mediators


def court_counts(client) -> dict[str, int]:
    """The court's decisions of today as supervision counts them."""
    day = today()
    answer = client.call("GET", "supervision", f"/api/v1/link-facts/counts?from={day}&to={day}")
    counts: dict[str, int] = answer["counts"].get("court", {})
    return counts


def wait_for_court_counts(client, arrived, timeout: float = 30.0) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = court_counts(client)
        if arrived(counts):
            return counts
        time.sleep(0.2)
    raise TimeoutError(f"supervision did not count the court's decision in {timeout}s: {court_counts(client)}")


def test_a_filing_whose_facts_are_unclear_is_filed_and_opens_no_case(client, platform):
    number = "（2026）湘0426民初8801号"
    summary = "原告主张合伙分红，双方对合伙关系是否成立各执一词。"
    body = filing(number, summary, ("罗建平", "罗建安"), facts_clear=False, legal_relation_clear=False)

    counted_before = court_counts(client)
    registered = client.call("POST", COURT, "/api/v1/filings", body, expect=(201,))
    again = client.call("POST", COURT, "/api/v1/filings", body, expect=(200,))

    assert (registered["decision"], registered["status"]) == ("filed", "filed")
    assert registered["reasons"] == ["legal_relation_unclear", "facts_unclear"]
    assert (registered["message_id"], registered["mediation_due_on"]) == (None, None)
    assert (again["first_time"], again["decision"]) == (False, "filed")
    assert rows(platform, COURT, "SELECT 1 FROM records WHERE record_id = %s", (number,)) == []
    assert rows(platform, "intake", "SELECT 1 FROM cases WHERE report->>'source_record_id' = %s", (number,)) == []
    filed = client.call("GET", COURT, "/api/v1/filings?decision=filed")["filings"]
    assert number in [f["filing_number"] for f in filed]
    # Supervision counts the court's decision from the court's own fact, once though it was sent twice.
    counted = wait_for_court_counts(
        client, lambda now: now.get("filing_filed", 0) > counted_before.get("filing_filed", 0)
    )
    assert counted["filing_registered"] >= counted_before.get("filing_registered", 0) + 1


def link_facts_of(platform, number: str, count: int, timeout: float = 30.0) -> list[str]:
    """The court's decisions about one filing number as supervision keeps them, once `count` have arrived."""
    deadline = time.monotonic() + timeout
    found: list[str] = []
    while time.monotonic() < deadline:
        query = "SELECT kind FROM link_facts WHERE link = 'court' AND record_id = %s ORDER BY at, kind"
        found = [str(row[0]) for row in rows(platform, "supervision", query, (number,))]
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise TimeoutError(f"supervision kept {found} for filing {number} in {timeout}s")


def test_a_filing_diverted_by_other_means_and_fed_as_a_record_counts_as_diverted_and_registered_later_joins_it(
    client, platform
):
    """诉前调解成功率 divides the court-fed cases mediated by the filings diverted: a fed one is in both."""
    number = "（2026）湘0426民诉前8807号"
    body = filing(number, "原告诉请被告支付货款两万元，立案前已引导调解。", ("谭志刚", "谭志强"))
    record = {key: body[key] for key in ("category", "division_code", "summary", "parties")}
    record |= {"record_id": "FY-2026-8807", "details": {"filing_number": number, "claim_amount_yuan": "20000"}}

    fed = client.call("POST", COURT, "/api/v1/records", record, expect=(202,))
    case_id, court, _ = joint_case(client, platform, "FY-2026-8807")
    assert link_facts_of(platform, number, 2) == ["filing_diverted", "filing_registered"]

    registered = client.call("POST", COURT, "/api/v1/filings", body, expect=(201,))

    assert (registered["decision"], registered["message_id"]) == ("diverted", fed["message_id"])
    # No second case, no second count: the filing joined the case its record opened.
    query = "SELECT case_id FROM cases WHERE report->>'source_record_id' IN (%s, %s)"
    assert rows(platform, "intake", query, (number, "FY-2026-8807")) == [(case_id,)]
    time.sleep(2.0)  # time for anything the registration sent to reach supervision
    assert link_facts_of(platform, number, 2) == ["filing_diverted", "filing_registered"]
    # The filing's page lists the referral of the case it joined, which carries the record's id: the court's
    # agreement or return recorded on the filing is reported on it.
    shown = client.call("GET", COURT, path(number))
    assert [(r["referral_id"], r["case_id"]) for r in shown["referrals"]] == [(court["referral_id"], case_id)]


def test_one_filing_number_in_two_bracket_forms_is_one_filing_one_case_and_counted_once(client, platform):
    """The court's system feeds the number with ASCII brackets, an officer registers it with full-width ones (its
    facts now found unclear) and again with ASCII ones: one filing, diverted as the case the centre mediates."""
    official, ascii = "（2026）湘0426民诉前8808号", "(2026)湘0426民诉前8808号"
    body = filing(official, "原告诉请被告支付工程款三万元，立案前已引导调解。", ("龙建军", "龙建华"))
    record = {key: body[key] for key in ("category", "division_code", "summary", "parties")}
    record |= {"record_id": "FY-2026-8808", "details": {"filing_number": ascii, "claim_amount_yuan": "30000"}}

    fed = client.call("POST", COURT, "/api/v1/records", record, expect=(202,))
    case_id, court, _ = joint_case(client, platform, "FY-2026-8808")
    registered = client.call("POST", COURT, "/api/v1/filings", {**body, "facts_clear": False}, expect=(201,))
    again = client.call("POST", COURT, "/api/v1/filings", {**body, "filing_number": ascii}, expect=(200,))

    assert (registered["filing_number"], registered["decision"], registered["status"]) == (
        official,
        "diverted",
        "in_mediation",
    )
    assert registered["message_id"] == fed["message_id"]  # the case the record opened
    assert (again["first_time"], again["filing_number"], again["message_id"]) == (False, official, fed["message_id"])
    query = "SELECT case_id FROM cases WHERE report->>'source_record_id' IN (%s, %s, %s)"
    assert rows(platform, "intake", query, (official, ascii, "FY-2026-8808")) == [(case_id,)]
    time.sleep(2.0)  # time for anything the registrations sent to reach supervision
    assert link_facts_of(platform, official, 2) == ["filing_diverted", "filing_registered"]
    assert link_facts_of(platform, ascii, 0) == []
    shown = client.call("GET", COURT, path(ascii))
    assert (shown["filing_number"], [r["referral_id"] for r in shown["referrals"]]) == (
        official,
        [court["referral_id"]],
    )


def test_a_diverted_filing_mediated_and_judicially_confirmed_closes_after_the_citizens_rating(client, platform):
    number = "（2026）湘0426民初8802号"
    registered = client.call(
        "POST",
        COURT,
        "/api/v1/filings",
        filing(number, "原告诉请被告归还借款五万元。", ("陈立新", "周海波")),
        expect=(201,),
    )
    assert (registered["decision"], registered["diverted_on"]) == ("diverted", today())
    case_id, court, mediators = joint_case(client, platform, number)

    client.act(COURT_UNIT, court["referral_id"], "accept", {})
    agreement = {"number": "祁司调〔2026〕第8802号", "signed_on": today(), "terms": "被告分两期归还借款五万元。"}
    client.settle(
        JUSTICE_UNIT,
        mediators["referral_id"],
        "人民调解员主持调解，双方签订调解协议。",
        result="mediated",
        agreement=agreement,
    )
    applied = client.call("POST", COURT, path(number, "/confirmation"), {"agreement": agreement}, expect=(201,))
    assert (applied["status"], applied["confirmation"]["status"]) == ("mediated", "pending")
    decided = client.call("POST", COURT, path(number, "/confirmation/decision"), {"decision": "confirmed"})

    assert decided["confirmation"]["status"] == "confirmed"
    assert decided["reported"]["referral_id"] == court["referral_id"]
    resolved = client.wait_for_status(case_id, "resolved")
    assert resolved["result"] == "judicially_confirmed"
    client.wait_for_follow_up(case_id)
    client.rate(case_id, "satisfied")
    closed = client.wait_for_status(case_id, "closed")
    results = [
        (e["detail"]["unit"], e["detail"]["result"]) for e in closed["timeline"] if e["kind"] == "result_reported"
    ]
    assert sorted(results) == [(COURT_UNIT, "judicially_confirmed"), (JUSTICE_UNIT, "mediated")]
    shown = client.call("GET", COURT, path(number))
    assert [(r["case_id"], r["status"], r["result"]) for r in shown["referrals"]] == [
        (case_id, "reported", "judicially_confirmed")
    ]


def test_a_failed_mediation_returned_to_the_court_concludes_as_taken_into_litigation(client, platform):
    number = "（2026）湘0426民初8803号"
    client.call(
        "POST",
        COURT,
        "/api/v1/filings",
        filing(number, "原告诉请被告支付货款八万六千元。", ("唐志刚", "邓红梅")),
        expect=(201,),
    )
    case_id, court, mediators = joint_case(client, platform, number)
    client.act(COURT_UNIT, court["referral_id"], "accept", {})
    client.settle(
        JUSTICE_UNIT, mediators["referral_id"], "被告否认欠款，双方分歧大，调解不成。", result="mediation_failed"
    )

    returned = client.call(
        "POST",
        COURT,
        path(number, "/return"),
        {"reason": "被告否认欠款，调解不成", "litigation_number": "(2026)湘0426民初8903号"},
    )

    assert (returned["status"], returned["litigation_number"]) == ("returned", "（2026）湘0426民初8903号")
    assert returned["reported"]["referral_id"] == court["referral_id"]
    resolved = client.wait_for_status(case_id, "resolved")
    assert resolved["result"] == "referred_to_litigation"
    kinds = [entry["kind"] for entry in resolved["timeline"]]
    assert "manual_triage_needed" not in kinds, "the centre's staff were asked to triage a case the court filed"

    # The court's report joined the case's one trace, as an officer's report does.
    time.sleep(EXPORT_GRACE_SECONDS)
    case_spans = [s for s in read_spans(platform.trace_dir) if s["trace_id"] == resolved["trace_id"]]
    assert "court_link: referral result" in {s["name"] for s in case_spans if s["service"] == COURT}

    figures = client.call("GET", COURT, f"/api/v1/filings/figures?from={today()}&to={today()}")
    assert figures["mediation"]["returned_to_litigation"] >= 1
    assert figures["filings"]["diverted"] >= 1

    # The citizen, still facing a lawsuit, is dissatisfied: heard, and the case closes, as the court now answers for it.
    client.wait_for_follow_up(case_id)
    assert client.rate(case_id, "dissatisfied", "还要打官司，问题没解决")["case_will"] == "close"
    closed = client.wait_for_status(case_id, "closed")
    assert (closed["round"], closed["rating"]) == (1, "dissatisfied")
