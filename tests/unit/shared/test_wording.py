"""What staff read: units and places by name, deadlines as countdowns, Beijing times, errors in Chinese."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from shared import wording
from shared.contracts.dates import CalendarDate, request_context
from shared.contracts.disputes import DisputeReport
from shared.contracts.identifiers import DivisionCode, resident_id_check_char
from shared.http import field_errors
from shared.registry import load_registry
from shared.workdays import CHINA_TZ
from tests.config_refusals import assert_refusal

REGISTRY = load_registry()
PLACES = wording.load_places()


# --- codes -------------------------------------------------------------------------------------------


def test_a_case_the_court_diverted_reads_as_pre_litigation_not_as_filed():
    # The court diverts it before filing (诉前调解); it is filed (立案) only if mediation fails (转立案).
    assert wording.label(wording.SOURCES, "court_filing") == "诉源（诉前分流）"


# --- units and places ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "name"),
    [
        ("police:430426101", "砖塘镇派出所"),
        ("justice:430426102", "蒋家桥镇司法所"),
        ("court:430426", "祁东县人民法院"),
    ],
)
def test_a_unit_reads_as_the_place_and_the_kind_of_office(unit, name):
    assert wording.unit_name(unit, REGISTRY, PLACES) == name


@pytest.mark.parametrize(
    ("unit", "name"),
    [("police:430426", "祁东县公安局"), ("justice:430426", "祁东县司法局")],
)
def test_a_county_level_unit_of_a_township_level_agency_is_the_bureau_itself(unit, name):
    # An officer bound to police:430426 acts for every station: he works at the county bureau.
    assert wording.unit_name(unit, REGISTRY, PLACES) == name


def test_a_village_reads_with_its_township_before_it():
    assert PLACES.name("430426101203") == "砖塘镇新塘村"
    assert PLACES.name("430426101") == "砖塘镇"


def test_a_village_not_on_the_list_reads_as_its_township_with_the_village_s_code():
    # A county's file seldom lists all its villages, and an agency's feed may name any of them.
    assert PLACES.name("430426101299") == "砖塘镇（村 430426101299）"
    assert PLACES.name("430426199001") == "430426199001"  # its township is not listed either
    # A unit's name reads only a listed place: a code below the agency's level keeps it, as any unknown place does.
    assert wording.unit_name("court:430426101299", REGISTRY, PLACES).endswith("（430426101299）")


def test_a_unit_in_a_division_not_on_the_list_keeps_its_code_beside_the_agency():
    assert wording.unit_name("police:430426199", REGISTRY, PLACES) == "公安局（430426199）"


def test_a_unit_of_an_agency_the_registry_does_not_know_stays_as_its_code():
    assert wording.unit_name("forestry:430426101", REGISTRY, PLACES) == "forestry:430426101"


def test_no_unit_reads_as_nothing():
    assert wording.unit_name(None, REGISTRY, PLACES) == ""


def test_the_county_and_its_places_are_offered_township_before_its_villages():
    codes = [code for code, _ in PLACES.choices("430426")]

    assert codes[:3] == ["430426", "430426101", "430426101201"]
    assert ("430426101203", "砖塘镇新塘村") in PLACES.choices("430426")


@pytest.mark.parametrize(
    ("table", "field", "code", "says"),
    [
        ({"430426": "祁东县", "43042610": "八位数"}, "divisions.43042610", "invalid_value", "“43042610” 应为6位"),
        ({"430426": "祁东县", "43042610a": "砖塘镇"}, "divisions.43042610a", "invalid_value", "12位（村）数字"),
        ({"430426": "祁东县", "430426101": "  "}, "divisions.430426101", "required", "名称不能为空"),
        (
            {"430426": "祁东县", "430426109203": "无镇之村"},
            "divisions.430426109203",
            "parent_missing",
            "“430426109” 未列出",
        ),
        ({"430426101": "砖塘镇"}, "divisions.430426101", "parent_missing", "其上级区划 “430426” 未列出"),
    ],
)
def test_a_malformed_divisions_file_is_refused_naming_the_entry_in_chinese(table, field, code, says):
    with pytest.raises(wording.PlacesError) as refused:
        wording.parse_places({"divisions": table})

    assert_refusal(refused.value, field, code, says)


def test_a_divisions_file_without_its_table_is_refused():
    with pytest.raises(wording.PlacesError) as refused:
        wording.parse_places({"division": {"430426": "祁东县"}})

    assert_refusal(refused.value, "divisions", "required", "[divisions]")


# --- times ------------------------------------------------------------------------------------

ISSUED = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)
DUE = ISSUED + timedelta(days=10)


def test_half_the_term_left_is_on_time():
    left = wording.countdown(DUE, ISSUED + timedelta(days=5), ISSUED)

    assert (left.text, left.level) == ("剩余5天", "ok")


def test_just_short_of_80_percent_of_the_term_gone_is_still_on_time():
    left = wording.countdown(DUE, ISSUED + timedelta(days=7, hours=23), ISSUED)

    assert (left.text, left.level) == ("剩余2天", "ok")  # 08:00 on the 28th, due at 09:00 on the 30th


def test_80_percent_of_the_term_gone_is_near_even_with_days_left():
    left = wording.countdown(DUE, ISSUED + timedelta(days=8), ISSUED)

    assert (left.text, left.level) == ("剩余2天", "near")


def test_under_a_day_left_is_near_even_when_the_issue_time_is_unknown():
    left = wording.countdown(DUE.isoformat(), DUE - timedelta(hours=5, minutes=30))

    assert (left.text, left.level) == ("剩余5小时30分", "near")


def test_the_last_seconds_read_as_a_minute_not_as_nothing():
    left = wording.countdown(DUE, DUE - timedelta(seconds=20), ISSUED)

    assert left.text == "剩余1分钟"


def test_past_the_due_day_is_overdue_by_the_days_since():
    left = wording.countdown(DUE, DUE + timedelta(days=1, hours=3), ISSUED)

    assert (left.text, left.level) == ("已超期1天", "overdue")


def test_past_the_due_time_on_the_due_day_is_overdue_by_how_long():
    left = wording.countdown(DUE, DUE + timedelta(hours=2, minutes=15), ISSUED)

    assert (left.text, left.level) == ("已超期2小时15分", "overdue")


@pytest.mark.parametrize("hours_later", [0, 1, 7, 14])
def test_a_deadline_reads_the_same_all_day_whenever_the_page_is_opened(hours_later):
    """The case list and a unit's referral list opened minutes or hours apart say the same: days until the
    deadline's day in Beijing, not '30天' on one page and '29天23小时' on the other."""
    due = datetime(2026, 12, 23, 17, 30, tzinfo=CHINA_TZ)
    opened = datetime(2026, 11, 23, 9, 5, tzinfo=CHINA_TZ) + timedelta(hours=hours_later)

    assert wording.countdown(due, opened).text == "剩余30天"


def test_the_days_left_are_counted_in_beijing_whatever_zone_the_times_come_in():
    due = "2026-12-23T09:30:00+00:00"  # 17:30 in Beijing
    late_evening = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # 23:30 in Beijing, still the 23rd

    assert wording.countdown(due, late_evening).text == "剩余30天"


@pytest.mark.parametrize("due", [None, "", "not a time", "2026-11-30T09:00:00"])
def test_no_due_time_or_one_without_its_zone_shows_no_countdown(due):
    assert wording.countdown(due, ISSUED) == wording.Countdown("", "none")


def test_a_utc_time_reads_as_beijing_time_to_the_minute():
    assert wording.local_time("2026-12-04T14:10:59Z") == "2026-12-04 22:10"
    assert wording.local_time(datetime(2026, 12, 4, 17, 30, tzinfo=UTC)) == "2026-12-05 01:30"


def test_no_time_reads_as_nothing_and_a_time_without_zone_is_not_shifted():
    assert wording.local_time(None) == ""
    assert wording.local_time("2026-12-04T14:10") == "2026-12-04T14:10"


def test_a_time_stored_too_near_year_one_or_ten_thousand_for_beijing_is_shown_as_stored_not_failing_the_page():
    assert wording.local_time("0001-01-01T00:00:00+14:00") == "0001-01-01T00:00:00+14:00"
    assert wording.local_time("9999-12-31T23:59:59-12:00") == "9999-12-31T23:59:59-12:00"
    assert wording.local_date("9999-12-31T23:59:59-12:00") == ""


# --- validation errors, as intake's API reports them --------------------------------------------

APPLICANT = {"role": "applicant", "name": "张秀英", "id_number": "430426198503120023", "phone": "13907341234"}
RESPONDENT = {"role": "respondent", "name": "李建国"}
REPORT = {
    "source": "walk_in",
    "category": "neighbour",
    "division_code": "430426101203",
    "summary": "邻居翻修房屋，占用了共用通道",
    "parties": [APPLICANT, RESPONDENT],
}


def api_errors(**changes: Any) -> dict[str, str]:
    """Field -> Chinese sentence, for the errors intake's API answers when the report has these changes."""
    with pytest.raises(ValidationError) as refused:
        DisputeReport.model_validate({**REPORT, **changes})
    return {error["field"]: wording.field_error_text(error) for error in field_errors(refused.value)}


def test_the_sample_report_is_valid():
    assert DisputeReport.model_validate(REPORT).applicants()[0].name == "张秀英"


def test_a_bad_mobile_number_is_explained():
    errors = api_errors(parties=[APPLICANT, {**RESPONDENT, "phone": "1390734"}])

    assert errors == {"parties.1.phone": "手机号应为11位，以13至19开头"}


def test_an_id_number_whose_check_digit_is_wrong_is_explained():
    errors = api_errors(parties=[{**APPLICANT, "id_number": "430426198503120024"}, RESPONDENT])

    assert errors == {"parties.0.id_number": "身份证号校验位不符，请核对"}


def test_an_id_number_with_an_impossible_birth_date_is_explained():
    errors = api_errors(parties=[{**APPLICANT, "id_number": "430426198502300023"}, RESPONDENT])

    assert errors == {"parties.0.id_number": "身份证号中的出生日期不存在"}


@pytest.mark.parametrize(
    ("born", "said"),
    [("20300101", "身份证号中的出生日期晚于今天，请核对"), ("18991231", "身份证号中的出生日期早于1900年，请核对")],
)
def test_an_id_number_whose_birth_date_is_after_today_or_before_1900_is_explained(born, said):
    first_17 = f"430426{born}001"
    number = first_17 + resident_id_check_char(first_17)
    with pytest.raises(ValidationError) as refused:
        DisputeReport.model_validate(
            {**REPORT, "parties": [{**APPLICANT, "id_number": number}, RESPONDENT]},
            context=request_context(datetime(2026, 12, 8, 10, 0, tzinfo=UTC)),
        )

    errors = {error["field"]: wording.field_error_text(error) for error in field_errors(refused.value)}
    assert errors == {"parties.0.id_number": said}


def test_a_report_without_an_applicant_says_one_is_needed():
    errors = api_errors(parties=[RESPONDENT, {**RESPONDENT, "name": "李建军"}])

    assert errors == {"parties": "至少需要一名申请人"}


def test_a_name_too_long_says_the_limit_the_api_reported():
    errors = api_errors(parties=[APPLICANT, {**RESPONDENT, "name": "湖南省衡阳市祁东县砖塘镇新塘村" * 4}])

    assert errors == {"parties.1.name": "不能超过50字"}


def test_a_category_not_on_the_list_asks_to_choose_from_it():
    assert api_errors(category="dogs_barking") == {"category": "请从列表中选择"}


def test_a_missing_field_is_required():
    report = {key: value for key, value in REPORT.items() if key != "summary"}
    with pytest.raises(ValidationError) as refused:
        DisputeReport.model_validate(report)

    assert [wording.field_error_text(e) for e in field_errors(refused.value)] == ["必填"]


def test_a_date_outside_the_accepted_years_says_which_years():
    class Petition(BaseModel):
        received_on: CalendarDate

    with pytest.raises(ValidationError) as refused:
        Petition.model_validate({"received_on": "0001-01-01"})

    assert [wording.field_error_text(e) for e in field_errors(refused.value)] == ["请填写1900年至2100年之间的日期"]


def test_a_division_code_of_the_wrong_form_is_said_by_the_select_that_asked_for_it():
    """A centre filter offers centres and a report's scope townships: neither is the dispute's place."""

    class Filters(BaseModel):
        division_code: DivisionCode | None = None
        place: DivisionCode | None = None
        centre: DivisionCode | None = None
        division: DivisionCode | None = None

    with pytest.raises(ValidationError) as refused:
        Filters.model_validate({"division_code": "abc", "place": "abc", "centre": "centre:999", "division": "12345"})

    said = {error["field"]: wording.field_error_text(error) for error in field_errors(refused.value)}
    assert said == {
        "division_code": "请选择发生地点",
        "place": "请选择发生地点",
        "centre": "请从列表中选择综治中心",
        "division": "请从列表中选择乡镇",
    }


def test_an_error_of_a_kind_never_seen_still_reads_in_chinese():
    assert wording.field_error_text({"field": "summary", "message": "something new", "type": "brand_new"}) == "填写有误"


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("parties.1.phone", "第2位当事人的手机号"),
        ("parties.0.id_number", "第1位当事人的身份证号"),
        ("parties.2", "第3位当事人"),
        ("summary", "纠纷概要"),
        ("something_else", "something_else"),
    ],
)
def test_a_field_is_named_as_the_form_names_it(path, label):
    assert wording.field_label(path) == label


# --- 吹哨报到 refused ------------------------------------------------------------------------------


def test_every_code_the_coordinator_refuses_a_call_in_with_reads_in_chinese():
    from services.coordinator.domain.levels import LevelRefusal
    from services.coordinator.domain.rules import RefusalCode

    codes = {code.value for code in LevelRefusal} | {
        RefusalCode.WRONG_STATUS.value,
        RefusalCode.BAD_UNIT.value,
        RefusalCode.BELOW_AGENCY_LEVEL.value,
        RefusalCode.UNIT_ALREADY_ON_CASE.value,
    }
    assert codes <= set(wording.CALL_IN_REFUSALS)


@pytest.mark.parametrize(
    ("units", "staff_units", "sentence"),
    [
        (["court:430426"], frozenset(), "砖塘镇新塘村综治中心只能向公安局、司法局吹哨，不能向法院吹哨。"),
        (["police:430427101"], frozenset(), "公安局（430427101）不是本县的单位，请从列表中选择。"),
        (
            ["police:430426101"],
            frozenset({"centre:430426102"}),
            "此案件由砖塘镇新塘村综治中心办理，只有该中心或其上级中心的工作人员可以吹哨报到。",
        ),
    ],
)
def test_a_call_in_the_coordinators_rules_refuse_names_the_centre_unit_and_agencies(units, staff_units, sentence):
    from services.coordinator.deadlines import deadline_for
    from services.coordinator.domain.levels import call_in
    from shared.refusal import Refused
    from tests.unit.coordinator.test_levels import CENTRES, REGISTERED, triaged

    with pytest.raises(Refused) as refused:
        call_in(triaged(), units, "请报到", "chen", staff_units, CENTRES, REGISTERED, deadline_for)

    text = wording.call_in_refusal_text(
        refused.value.code, refused.value.detail, refused.value.reason, REGISTRY, PLACES
    )
    assert text == sentence


def test_a_unit_already_on_the_case_is_named_from_the_refusals_detail_not_its_english():
    detail = {"unit": "police:430426101"}

    text = wording.call_in_refusal_text("unit_already_on_case", detail, "reworded in any way", REGISTRY, PLACES)

    assert text == "砖塘镇派出所已在办理此案，不需要再吹哨报到。"


def test_a_call_in_refusal_naming_nothing_or_of_a_new_rule_still_reads_in_chinese():
    assert (
        wording.call_in_refusal_text("wrong_status", {}, "case x is closed", REGISTRY, PLACES)
        == (wording.CALL_IN_REFUSALS["wrong_status"])
    )
    assert wording.call_in_refusal_text("a_new_rule", {}, "something", REGISTRY, PLACES) == wording.CALL_IN_REFUSED


@pytest.mark.parametrize(
    ("code", "chinese"),
    [
        ("control_character", "不能含有控制字符（如换行、制表符）"),
        ("string_unicode", "含有无法识别的字符"),
        ("invalid_value", "填写的值无效（超出范围或格式不对）"),
    ],
)
def test_the_http_layer_s_character_and_value_refusals_read_in_chinese(code, chinese):
    assert wording.field_error_text({"field": "q", "message": "must not hold control characters", "type": code}) == (
        chinese
    )


# --- 签发人 -----------------------------------------------------------------------------------------


def test_an_issuer_reads_by_name_with_the_account_beside_it_and_the_timers_as_the_system():
    """The same words on the 通报 itself (supervision) and in the console's list of documents."""
    assert wording.issuer_text("zhou.min", "周敏") == "周敏（zhou.min）"
    assert wording.issuer_text("zhou.min") == "zhou.min"  # archived before names were kept
    assert wording.issuer_text("zhou.min", "zhou.min") == "zhou.min"  # a token with no name: the account stood in
    assert wording.issuer_text(wording.TIMER_ISSUER) == wording.SYSTEM_ISSUED == "系统自动生成"


@pytest.mark.parametrize(
    ("division", "held"),
    [
        ("430426", True),  # the county itself
        ("430426101", True),  # a listed township
        ("430426101203", True),  # a listed village
        ("430426103004", True),  # a village the file does not list, of a listed township
        ("430426199", False),  # a township the county does not have
        ("430426199001", False),  # a village of it
        ("430421101", False),  # another county's
    ],
)
def test_a_place_is_the_countys_when_its_township_is(division, held):
    assert wording.load_places().in_county(division, "430426") is held


def test_a_case_back_after_a_statutory_procedure_says_who_took_it_there_and_that_staff_decide():
    assert wording.triage_cause_text("onward_case_reopened", "祁东县人民法院") == (
        "上一轮由祁东县人民法院导入法定途径，案件再次反映，由综合协调组决定办理单位"
    )
    assert wording.triage_cause_text("onward_case_reopened") == "已导入法定途径的案件再次反映，由综合协调组决定办理单位"
