"""两函一通报 as documents: the 文号, the superior a 督办函 also goes to, the 通报's selection and ranking, the text."""

import io
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
from reportlab.pdfbase import pdfmetrics

from services.supervision import documents as d
from services.supervision.documents_font import reader_font
from services.supervision.documents_render import page_number, render_html, render_pdf
from shared.wording import SYSTEM_ISSUED, TIMER_ISSUER, Places
from shared.workdays import CHINA_TZ, works

CENTRE = "centre:430426"
ISSUED = datetime(2026, 11, 2, 9, 0, tzinfo=CHINA_TZ)  # a Monday
DUE = datetime(2026, 11, 16, 17, 30, tzinfo=CHINA_TZ)  # a Monday, close of business
LATE = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)  # Friday: four working days past it


def overdue_facts(**changes: object) -> dict[str, object]:
    facts = d.letter_facts(
        kind=d.DocumentKind.OVERDUE,
        number="祁东综治〔2026〕督办第3号",
        centre_unit=CENTRE,
        centre_name="祁东县综治中心",
        case_id="430426-20261102-00007",
        referral_id="11111111-1111-4111-8111-111111111111",
        unit="police:430426101",
        unit_name="砖塘镇派出所",
        role="lead",
        referral_issued_at=ISSUED,
        due_at=DUE,
        superior="police:430426",
        superior_name="祁东县公安局",
        issued_at=LATE,
    )
    return {**facts, **changes}


# --- the 文号 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "seq", "number"),
    [
        (d.DocumentKind.REMINDER, 15, "临澧综治〔2026〕提醒第15号"),
        (d.DocumentKind.OVERDUE, 3, "临澧综治〔2026〕督办第3号"),
        (d.DocumentKind.NOTICE, 1, "临澧综治〔2026〕通报第1号"),
    ],
)
def test_each_kind_has_its_own_series_per_year(kind, seq, number):
    assert d.document_number("临澧综治", kind, 2026, seq) == number
    assert d.numbered_as(number) == (kind, 2026, seq)  # and a number reads back as its series and place


@pytest.mark.parametrize("text", ["临澧综治〔2026〕函第3号", "临澧综治〔2026〕督办第号", "督办第3号", ""])
def test_text_that_is_not_a_number_supervision_gives_reads_as_none(text):
    assert d.numbered_as(text) is None


def test_numbers_start_at_one():
    with pytest.raises(ValueError, match="starts at 1"):
        d.document_number("临澧综治", d.DocumentKind.NOTICE, 2026, 0)


def test_a_letter_just_after_midnight_on_new_year_in_beijing_is_next_year_s():
    assert d.year_of(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == 2027


@pytest.mark.parametrize("prefix", ["", "临澧 综治", "临澧〔综治〕", "一二三四五六七八九十一二三"])
def test_a_prefix_that_would_garble_the_number_is_refused(prefix):
    with pytest.raises(ValueError, match="1 to 12"):
        d.check_prefix(prefix)


def test_the_default_prefix_is_the_county_s_short_name():
    assert d.default_prefix("祁东县") == "祁东综治"
    assert d.default_prefix("430426") == "430426综治"  # a county missing from divisions.toml


# --- the superior ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "superior"),
    [
        ("police:430426101", "police:430426"),  # a police station: the county bureau
        ("justice:430426101001", "justice:430426101"),  # a village's: the township's
        ("court:430426", CENTRE),  # a county-level unit: the centre keeps the copy
        ("plc:430426", CENTRE),
    ],
)
def test_the_superior_is_the_same_agency_one_level_up(unit, superior):
    assert d.superior_of(unit, CENTRE) == superior


# --- letters --------------------------------------------------------------------------------


def test_a_letter_opened_on_a_phone_is_laid_out_for_its_screen():
    html = render_html(d.letter_text(overdue_facts()))

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_a_supervision_letter_says_how_late_in_working_days_and_what_is_required_by_when():
    facts = overdue_facts()
    assert facts["working_days"] == 4
    html = render_html(d.letter_text(facts))

    for text in [
        "祁东县综治中心",
        "祁东综治〔2026〕督办第3号",
        "督办函",
        "砖塘镇派出所：",
        "430426-20261102-00007",
        "2026年11月2日09:00",  # issued, in Beijing time
        "2026年11月16日17:30",  # due
        "已超期4个工作日",
        "2026年11月25日17:30前办结",  # three working days after the letter
        "检查督导组",
        "抄送：祁东县公安局",
        "@page { size: A4",
    ]:
        assert text in html, text


def test_a_reminder_says_how_many_working_days_are_left_and_goes_to_the_unit_alone():
    facts = d.letter_facts(
        **overdue_facts_args()  # type: ignore[arg-type]
        | {
            "kind": d.DocumentKind.REMINDER,
            "issued_at": datetime(2026, 11, 13, 9, 0, tzinfo=CHINA_TZ),  # Friday: Monday is one working day on
            "superior": None,
            "superior_name": None,
        }
    )
    text = d.letter_text(facts)
    assert text.title == "提醒函" and text.copy_to is None
    assert "距期限还剩1个工作日" in text.paragraphs[0]
    assert "于2026年11月16日17:30前办结" in text.paragraphs[1]


def test_a_reminder_on_the_deadline_s_own_day_names_the_deadline_instead_of_0_working_days():
    # The fast track's 3 working days end Monday 16 November 17:30; 80 % of them is 01:24 that day.
    facts = d.letter_facts(
        **overdue_facts_args()  # type: ignore[arg-type]
        | {
            "kind": d.DocumentKind.REMINDER,
            "issued_at": datetime(2026, 11, 16, 1, 24, tzinfo=CHINA_TZ),
            "superior": None,
            "superior_name": None,
        }
    )
    text = d.letter_text(facts).paragraphs[0]
    assert "0个工作日" not in text
    assert "期限为2026年11月16日17:30，已不足1个工作日" in text


def test_a_county_level_unit_s_supervision_letter_is_not_copied_to_the_centre_that_issues_it():
    # The court's superior is the centre itself: "抄送：祁东县综治中心" would have the centre copying itself.
    court = {"unit": "court:430426", "unit_name": "祁东县人民法院"}
    court |= {"superior": CENTRE, "superior_name": "祁东县综治中心"}
    facts = d.letter_facts(**overdue_facts_args() | court)  # type: ignore[arg-type]

    text = d.letter_text(facts)
    assert text.copy_to is None
    assert "抄送" not in render_html(text)
    pdf = pypdf.PdfReader(io.BytesIO(render_pdf(text)))
    assert "抄送" not in "".join(page.extract_text() for page in pdf.pages)
    assert facts["superior"] == CENTRE  # still archived as the letter's superior, who keeps the copy


def test_a_supervision_letter_archived_before_its_copy_was_fixed_at_issue_reads_as_issued():
    older = overdue_facts()
    del older["copy_to"]
    assert d.letter_text(older).copy_to == "祁东县公安局"


PLACES = Places({"430426": "祁东县", "430426101": "砖塘镇", "430426101203": "新塘村"})


def test_a_letter_names_the_dispute_by_its_place_and_category_beside_its_number():
    subject = d.CaseSubject("neighbour", "430426101203")
    facts = overdue_facts(category="neighbour", place=d.subject_place(subject.division_code, PLACES))

    [opening, *_] = d.letter_text(facts).paragraphs
    assert opening.startswith("430426-20261102-00007号矛盾纠纷（砖塘镇新塘村，邻里纠纷）于2026年11月2日09:00交由你单位")


@pytest.mark.parametrize(
    ("division", "place"),
    [
        ("430426101203", "砖塘镇新塘村"),
        ("430426101299", "砖塘镇"),  # a village the county's list leaves out: its township
        ("430426101", "砖塘镇"),
        ("430426", None),  # the whole county says nothing a county's own letter does not
        ("430426109", None),  # a township the list does not know: no bare code in a letter
    ],
)
def test_the_place_a_letter_names_is_the_village_or_township_the_county_lists(division, place):
    assert d.subject_place(division, PLACES) == place


def test_a_letter_archived_before_letters_named_the_dispute_or_knowing_only_its_category_reads_plainly():
    older = overdue_facts()
    del older["category"], older["place"]
    assert d.letter_text(older).paragraphs[0].startswith("430426-20261102-00007号矛盾纠纷于")

    category_only = overdue_facts(category="wages", place=None)
    assert d.letter_text(category_only).paragraphs[0].startswith("430426-20261102-00007号矛盾纠纷（劳资欠薪纠纷）于")


@pytest.mark.parametrize("kind", [d.DocumentKind.OVERDUE, d.DocumentKind.REMINDER])
@pytest.mark.parametrize(
    ("role", "given"), [("lead", "交由你单位牵头办理，"), ("co_unit", "交由你单位配合办理，")], ids=["lead", "co_unit"]
)
def test_a_letter_says_how_the_unit_was_given_the_case_in_one_verb(kind, role, given):
    facts = d.letter_facts(**overdue_facts_args() | {"kind": kind, "role": role})  # type: ignore[arg-type]

    opening = d.letter_text(facts).paragraphs[0]

    assert given in opening
    assert "协办办理" not in opening and "牵头办理办理" not in opening


def overdue_facts_args() -> dict[str, object]:
    return {
        "kind": d.DocumentKind.OVERDUE,
        "number": "祁东综治〔2026〕提醒第9号",
        "centre_unit": CENTRE,
        "centre_name": "祁东县综治中心",
        "case_id": "430426-20261102-00007",
        "referral_id": "11111111-1111-4111-8111-111111111111",
        "unit": "police:430426101",
        "unit_name": "砖塘镇派出所",
        "role": "lead",
        "referral_issued_at": ISSUED,
        "due_at": DUE,
        "superior": "police:430426",
        "superior_name": "祁东县公安局",
        "issued_at": LATE,
    }


def test_a_letter_archived_when_unknown_years_counted_calendar_days_still_reads_as_it_did():
    facts = overdue_facts(working_days=4, working_days_exact=False)
    del facts["counted_on_weekdays"], facts["respond_by_provisional"]
    text = d.letter_text(facts)
    assert "已超期4日（该年度法定节假日安排尚未公布，暂按自然日计）" in text.paragraphs[0]


def test_the_names_in_the_html_are_escaped():
    html = render_html(d.letter_text(overdue_facts(unit_name="<script>x</script>")))
    assert "<script>x" not in html and "&lt;script&gt;" in html


def test_the_pdf_carries_the_chinese_text_itself():
    pdf = render_pdf(d.letter_text(overdue_facts()))

    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    for expected in [
        "祁东综治〔2026〕督办第3号",
        "督办函",
        "砖塘镇派出所",
        "已超期4个工作日",
        "检查督导组",
        "祁东县公安局",
    ]:
        assert expected in text, expected


def test_the_pdf_is_the_same_each_time_it_is_rendered_from_the_same_facts():
    assert render_pdf(d.letter_text(overdue_facts())) == render_pdf(d.letter_text(overdue_facts()))


def test_every_page_of_the_pdf_carries_its_number_at_the_foot():
    text = d.letter_text(overdue_facts())
    long = d.DocumentText(**{**vars(text), "paragraphs": text.paragraphs * 12})  # a letter of several pages
    pages = pypdf.PdfReader(io.BytesIO(render_pdf(long))).pages

    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"— {number} —" in page.extract_text(), number


def test_the_pdf_is_dated_when_the_document_was_issued_not_at_a_fixed_date():
    facts = overdue_facts()
    issued = datetime.fromisoformat(str(facts["issued_at"])).astimezone(CHINA_TZ)
    metadata = pypdf.PdfReader(io.BytesIO(render_pdf(d.letter_text(facts)))).metadata

    assert metadata is not None
    assert metadata.creation_date == issued and metadata.modification_date == issued
    assert metadata["/CreationDate"].startswith(f"D:{issued:%Y%m%d%H%M%S}+08'00'")


def test_page_numbers_sit_on_the_outer_side_one_character_in_right_on_odd_pages_left_on_even():
    text = d.letter_text(overdue_facts())
    long = d.DocumentText(**{**vars(text), "paragraphs": text.paragraphs * 12})
    pages = pypdf.PdfReader(io.BytesIO(render_pdf(long))).pages
    margin = 2.2 / 2.54 * 72
    text_left, text_right = margin, float(pages[0].mediabox.width) - margin
    one_character = 14  # 4号

    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        drawn: list[tuple[str, float]] = []

        def seen(chars: str, _cm: object, tm: list[float], *_: object, drawn: list[tuple[str, float]] = drawn) -> None:
            drawn.append((chars.strip(), tm[4]))

        page.extract_text(visitor_text=seen)
        [x] = [x for chars, x in drawn if chars == page_number(number)]
        if number % 2:
            width = pdfmetrics.stringWidth(page_number(number), reader_font().name, one_character)
            assert x + width == pytest.approx(text_right - one_character, abs=0.5), number
        else:
            assert x == pytest.approx(text_left + one_character, abs=0.5), number


def test_the_html_prints_the_page_number_on_the_outer_side_of_every_page():
    html = render_html(d.letter_text(overdue_facts()))
    assert '@page :right { @bottom-right { content: "— " counter(page) " —"' in html
    assert '@page :left { @bottom-left { content: "— " counter(page) " —"' in html
    assert "bottom-center" not in html


def test_a_printed_notice_repeats_its_table_heading_on_each_sheet_and_keeps_each_row_whole():
    html = render_html(d.letter_text(overdue_facts()))
    assert "thead { display: table-header-group; } tr { break-inside: avoid; }" in html


def test_a_letter_says_the_system_issued_it_and_one_archived_before_that_says_nothing_of_it():
    assert d.letter_text(overdue_facts()).issued_by == SYSTEM_ISSUED
    assert SYSTEM_ISSUED in render_html(d.letter_text(overdue_facts()))

    older = overdue_facts()
    del older["issued_by"]
    assert d.letter_text(older).issued_by is None
    html = render_html(d.letter_text(older))
    assert "签发人" not in html and SYSTEM_ISSUED not in html


# --- the 通报 ---------------------------------------------------------------------------------


def figures(unit: str, due: int, on_time: int, overdue: int = 0, letters: int = 0) -> d.UnitFigures:
    return d.UnitFigures(unit, due, on_time, overdue, letters)


def test_the_on_time_rate_is_a_per_cent_to_one_decimal_rounded_half_up():
    assert figures("court:430426", 3, 2).on_time_rate == 66.7
    assert figures("court:430426", 8, 7).on_time_rate == 87.5
    assert figures("court:430426", 0, 0, overdue=1).on_time_rate is None


def test_a_notice_names_overdue_and_repeatedly_late_units_and_ranks_every_unit_by_on_time_rate():
    station = figures("police:430426101", due=4, on_time=2, overdue=2, letters=2)
    office = figures("justice:430426101", due=5, on_time=5)
    court = figures("court:430426", due=2, on_time=1, letters=1)
    bureau = figures("petition:430426", due=1, on_time=1, letters=2)  # on time at last, but chased twice
    old_case = figures("justice:430426102", due=0, on_time=0, overdue=1)  # late since an earlier month

    selection = d.select_for_notice([station, office, court, bureau, old_case])

    assert [f.unit for f in selection.overdue] == ["police:430426101", "justice:430426102"]
    assert [f.unit for f in selection.repeatedly_late] == ["petition:430426", "police:430426101"]
    assert [(r.figures.unit, r.rank) for r in selection.ranking] == [
        ("justice:430426101", 1),  # 100 %, five due
        ("petition:430426", 1),  # 100 %, one due: the same rank, listed after the unit with more due
        ("police:430426101", 3),  # 50 %, four due
        ("court:430426", 3),  # 50 %, two due: the same rank
    ]
    # Late too, though neither overdue at the end nor chased twice: the court finished one of its two late.
    assert [f.unit for f in selection.late] == ["police:430426101", "court:430426"]  # the lowest rate first
    assert selection.named_units == ["court:430426", "justice:430426102", "petition:430426", "police:430426101"]
    # Each unit named or ranked reads it and is sent it: the leading ones too, not only the lagging.
    assert selection.units == [
        "court:430426",
        "justice:430426101",
        "justice:430426102",
        "petition:430426",
        "police:430426101",
    ]


def test_one_letter_is_not_repeatedly_late_but_a_referral_finished_late_is_named_as_late():
    selection = d.select_for_notice([figures("court:430426", 1, 0, letters=d.REPEATEDLY_LATE_LETTERS - 1)])
    assert selection.repeatedly_late == []
    assert [f.unit for f in selection.late] == selection.named_units == ["court:430426"]


def test_a_notice_reads_the_period_the_named_units_and_the_ranking():
    station = figures("police:430426101", due=4, on_time=2, overdue=2, letters=2)
    facts = d.notice_facts(
        number="祁东综治〔2026〕通报第1号",
        centre_name="祁东县综治中心",
        period_from=date(2026, 11, 1),
        period_to=date(2026, 11, 30),
        selection=d.select_for_notice([station, figures("court:430426", 2, 2)]),
        names={"police:430426101": "砖塘镇派出所", "court:430426": "祁东县人民法院"},
        issued_at=datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ),
        scheduled=True,
        issued_by=TIMER_ISSUER,
    )
    text = d.notice_text(facts)
    html = render_html(text)

    assert "2026年11月1日至2026年11月30日" in html
    assert "一、超期未办结单位（截至期末）：砖塘镇派出所2件" in html
    assert "二、多次被督办单位（本期收到督办函2次及以上）：砖塘镇派出所2次" in html
    assert (
        "三、未按期办结单位（期限在本期内的交办件未全部按期办结）：砖塘镇派出所（到期4件，按期办结2件，按期办结率50.0%）"
        in html
    )
    assert "四、各单位按期办结率排名" in html
    assert text.table == [
        ["1", "祁东县人民法院", "2", "2", "100.0%", "0", "0"],
        ["2", "砖塘镇派出所", "4", "2", "50.0%", "2", "2"],
    ]
    assert "2026年12月8日17:30前" in html  # five working days on, to report their rectification
    assert text.issued_by == SYSTEM_ISSUED  # the monthly 通报 comes from the timer


def test_a_notice_with_a_unit_at_nought_per_cent_asks_for_rectification_not_to_keep_it_up():
    """Every referral of the station finished late, with one 督办函: neither overdue at the end nor chased twice."""
    facts = d.notice_facts(
        number="祁东综治〔2026〕通报第3号",
        centre_name="祁东县综治中心",
        period_from=date(2026, 11, 1),
        period_to=date(2026, 11, 30),
        selection=d.select_for_notice([figures("police:430426101", due=1, on_time=0, letters=1)]),
        names={"police:430426101": "砖塘镇派出所"},
        issued_at=datetime(2026, 12, 1, 9, 0, tzinfo=CHINA_TZ),
        scheduled=True,
        issued_by=TIMER_ISSUER,
    )

    html = render_html(d.notice_text(facts))

    assert "三、未按期办结单位（期限在本期内的交办件未全部按期办结）：砖塘镇派出所" in html
    assert "落实整改" in html and "继续保持" not in html


def test_a_notice_issued_before_it_named_late_units_reads_as_it_was_issued():
    facts = {**on_demand_notice("zhou.min", "周敏")}
    del facts["late"]

    html = render_html(d.notice_text(facts))

    assert "三、各单位按期办结率排名" in html and "未按期办结单位" not in html


def on_demand_notice(issued_by: str, issued_by_name: str | None = None) -> dict[str, object]:
    return d.notice_facts(
        number="祁东综治〔2026〕通报第2号",
        centre_name="祁东县综治中心",
        period_from=date(2026, 11, 1),
        period_to=date(2026, 11, 20),
        selection=d.select_for_notice([figures("court:430426", 2, 2)]),
        names={"court:430426": "祁东县人民法院"},
        issued_at=datetime(2026, 11, 21, 10, 0, tzinfo=CHINA_TZ),
        scheduled=False,
        issued_by=issued_by,
        issued_by_name=issued_by_name,
    )


def test_a_notice_on_demand_names_the_supervisor_who_issued_it_in_the_html_and_the_pdf():
    facts = on_demand_notice("zhou.min", "周敏")

    # Archived with the facts the PDF is rendered from: the name to read, the account to trace it by.
    assert (facts["issued_by"], facts["issued_by_name"]) == ("zhou.min", "周敏")
    text = d.notice_text(facts)
    assert text.issued_by == "签发人：周敏（zhou.min）"
    assert "签发人：周敏（zhou.min）" in render_html(text) and SYSTEM_ISSUED not in render_html(text)
    pdf = pypdf.PdfReader(io.BytesIO(render_pdf(text)))
    assert "签发人：周敏（zhou.min）" in "".join(page.extract_text() for page in pdf.pages)


def test_a_notice_archived_without_the_supervisors_name_names_the_account():
    """通报 issued before names were kept, or under a token that gave no name (the name is then the account)."""
    assert d.notice_text(on_demand_notice("zhou.hui")).issued_by == "签发人：zhou.hui"
    older = on_demand_notice("zhou.hui")
    del older["issued_by_name"]
    assert d.notice_text(older).issued_by == "签发人：zhou.hui"
    assert d.notice_text(on_demand_notice("zhou.hui", "zhou.hui")).issued_by == "签发人：zhou.hui"


def test_a_name_from_the_token_is_printed_as_text_not_markup():
    facts = on_demand_notice("f3a1c2d4-0000-4000-8000-000000000001", "<b>周敏</b>")

    html = render_html(d.notice_text(facts))

    assert "签发人：&lt;b&gt;周敏&lt;/b&gt;（f3a1c2d4-0000-4000-8000-000000000001）" in html


# --- the monthly schedule --------------------------------------------------------------------


def weekdays(day: date) -> bool:
    return day.weekday() < 5


def test_the_monthly_notice_is_due_from_the_first_working_day_for_the_month_before():
    saturday_first = datetime(2026, 8, 1, 9, 0, tzinfo=CHINA_TZ)
    assert d.monthly_notice_due(saturday_first, weekdays) is None
    assert d.monthly_notice_due(saturday_first + timedelta(days=2), weekdays) == (date(2026, 7, 1), date(2026, 7, 31))
    assert d.monthly_notice_due(datetime(2027, 1, 20, tzinfo=CHINA_TZ), weekdays) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
    )


def test_in_a_year_the_calendar_does_not_know_the_monthly_notice_is_due_on_the_first():
    def unknown(day: date) -> bool:
        raise ValueError("not known")

    assert d.monthly_notice_due(datetime(2028, 3, 1, 9, 0, tzinfo=CHINA_TZ), unknown) == (
        date(2028, 2, 1),
        date(2028, 2, 29),
    )


def test_in_a_year_not_loaded_the_monthly_notice_waits_past_the_statutory_holidays_on_the_first():
    # 1–2 May 2028 are 劳动节 by law, whatever the year's notice adds: the 通报 is due on Wednesday 3 May.
    assert d.monthly_notice_due(datetime(2028, 5, 1, 9, 0, tzinfo=CHINA_TZ), works) is None
    assert d.monthly_notice_due(datetime(2028, 5, 2, 9, 0, tzinfo=CHINA_TZ), works) is None
    assert d.monthly_notice_due(datetime(2028, 5, 3, 9, 0, tzinfo=CHINA_TZ), works) == (
        date(2028, 4, 1),
        date(2028, 4, 30),
    )


# --- settings --------------------------------------------------------------------------------


def test_a_bad_prefix_or_schedule_stops_the_service_naming_the_variable(monkeypatch):
    from pydantic import ValidationError

    from services.supervision.documents_settings import DocumentSettings

    monkeypatch.setenv("WUYUAN_DOCUMENT_PREFIX", "临澧 综治")
    with pytest.raises(ValidationError, match="document_prefix"):
        DocumentSettings()
    monkeypatch.setenv("WUYUAN_DOCUMENT_PREFIX", "临澧综治")
    monkeypatch.setenv("WUYUAN_NOTICE_SCHEDULE", "weekly")
    with pytest.raises(ValidationError, match="notice_schedule"):
        DocumentSettings()
    monkeypatch.setenv("WUYUAN_NOTICE_SCHEDULE", "off")
    assert (DocumentSettings().document_prefix, DocumentSettings().notice_schedule) == ("临澧综治", "off")
