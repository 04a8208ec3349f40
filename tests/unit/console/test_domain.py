"""The console's own rules: who lands where, where a sign-in may lead, form keys, the window's form."""

from datetime import UTC, datetime, timedelta

import pytest

from services.console import domain

MORNING = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
SESSION = domain.open_session(
    "wang.fang", "token.of.wang.fang", MORNING + timedelta(hours=8), MORNING, "cookie-of-wang-fang", "form-key-wang"
)


# --- where people land and what they see ---------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "home"),
    [
        ({"officer"}, "/referrals"),
        ({"intake_staff"}, "/window"),
        ({"coordinator"}, "/cases"),
        ({"supervisor"}, "/board"),
        ({"leader"}, "/overview"),
        ({"coordinator", "leader"}, "/cases"),
        ({"operator"}, None),
        (set(), None),
    ],
)
def test_each_role_lands_on_its_own_page(roles, home):
    assert domain.home_for(roles, {"police"}) == home


def test_an_officer_sees_only_the_referrals_and_the_supervision_documents_of_their_unit():
    assert domain.pages_for({"officer"}, {"police"}) == [
        ("/referrals", "本单位交办"),
        ("/documents", "督办文书"),
        ("/police/calls", "警情调解"),
    ]


def test_a_township_coordinator_bound_only_to_its_centre_lands_on_the_cases_without_an_agencys_referrals():
    # Identity binds units to officers only: a township's coordinator holds the officer role for centre:430426102.
    roles, agencies = {"coordinator", "officer"}, {"centre"}
    assert domain.home_for(roles, agencies) == "/cases"
    assert "/referrals" not in [path for path, _ in domain.pages_for(roles, agencies)]
    assert not domain.may_open("/referrals", roles, agencies)
    assert domain.home_for({"officer"}, {"centre"}) == "/documents"  # an officer of the centre alone
    assert domain.home_for(roles, {"centre", "justice"}) == "/referrals"  # and of the township's justice office


def test_window_staff_see_the_window_and_the_cases():
    assert [path for path, _ in domain.pages_for({"intake_staff"})] == ["/window", "/cases"]


def test_a_leader_reads_cases_the_board_the_documents_and_the_overview_but_registers_nothing():
    assert [label for _, label in domain.pages_for({"leader"})] == [
        "案件",
        "督办看板",
        "回访抽查",
        "督办文书",
        "总览",
        "三色预警",
    ]


def test_an_operator_sees_no_page_of_the_console():
    assert domain.pages_for({"operator"}) == []


@pytest.mark.parametrize(
    ("path", "roles", "allowed"),
    [
        ("/board", {"supervisor"}, True),
        ("/board", {"intake_staff"}, False),
        ("/window", {"officer"}, False),
        ("/triage", {"coordinator"}, True),
        ("/triage", {"leader"}, False),
        ("/nowhere", {"coordinator", "leader", "supervisor"}, False),
    ],
)
def test_a_page_opens_only_to_the_roles_it_lists(path, roles, allowed):
    assert domain.may_open(path, roles) is allowed


# --- pages bound to an agency ---------------------------------------------------------------


def test_an_officer_bound_to_a_court_unit_also_sees_the_courts_filings():
    assert domain.pages_for({"officer"}, {"court"}) == [
        ("/referrals", "本单位交办"),
        ("/documents", "督办文书"),
        ("/court/filings", "诉调对接"),
    ]


@pytest.mark.parametrize(
    ("roles", "agencies"),
    [
        ({"officer"}, {"police"}),  # an officer of another agency
        ({"officer"}, set()),  # an officer bound to no unit
        ({"coordinator", "leader"}, {"court"}),  # bound to the court's unit, but no officer
    ],
)
def test_the_courts_filings_need_both_the_officers_role_and_a_court_unit(roles, agencies):
    assert "/court/filings" not in [path for path, _ in domain.pages_for(roles, agencies)]
    assert domain.may_open("/court/filings", roles, agencies) is False


def test_a_court_officer_may_open_the_filings():
    assert domain.may_open("/court/filings", {"officer"}, {"court", "justice"}) is True


def test_pages_bound_to_no_agency_open_as_before_whatever_the_units():
    assert domain.may_open("/documents", {"officer"}) is True
    assert domain.may_open("/referrals", {"officer"}, {"court"}) is True
    assert domain.pages_for({"leader"}, {"court"}) == domain.pages_for({"leader"})


@pytest.mark.parametrize(
    ("units", "agencies"),
    [
        ({"court:430426"}, {"court"}),
        ({"police:430426101", "police:430426102", "justice:430426101"}, {"police", "justice"}),
        ({"court430426", ":430426", ""}, set()),  # not units at all
        (set(), set()),
    ],
)
def test_the_agencies_of_an_account_are_read_from_its_units(units, agencies):
    assert domain.agencies_of(units) == agencies


# --- where a sign-in may lead ---------------------------------------------------------------


@pytest.mark.parametrize("target", ["/cases?status=overdue", "/referrals/police/1?done=accept", "/"])
def test_a_path_of_the_console_is_kept_after_signing_in(target):
    assert domain.safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/login",
        "http://evil.example/",
        "https://evil.example/cases",
        "\\\\evil.example",
        "/\\evil.example",
        "cases",
        "",
        None,
    ],
)
def test_another_site_is_never_where_a_sign_in_leads(target):
    assert domain.safe_next(target) == "/"


# --- sessions and form keys -----------------------------------------------------------------


def test_only_the_digest_of_the_cookie_is_kept_in_the_session():
    assert SESSION.digest == domain.session_digest("cookie-of-wang-fang")
    assert len(SESSION.digest) == 32 and b"cookie-of-wang-fang" not in SESSION.digest
    assert domain.session_digest("cookie-of-wang-fanG") != SESSION.digest


def test_the_session_form_key_is_accepted():
    assert domain.form_key_matches(SESSION, "form-key-wang") is True


@pytest.mark.parametrize("offered", ["form-key-liu", "form-key-wan", "form-key-wang ", "", None])
def test_any_other_form_key_or_none_is_refused(offered):
    assert domain.form_key_matches(SESSION, offered) is False


def test_a_session_with_an_empty_key_accepts_no_form_either():
    keyless = domain.open_session("liu.yang", "t", MORNING + timedelta(hours=1), MORNING, "c", "")

    assert domain.form_key_matches(keyless, "") is False


def test_form_keys_are_compared_in_constant_time(monkeypatch):
    compared: list[tuple[bytes, bytes]] = []

    def compare_digest(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return a == b

    monkeypatch.setattr(domain.hmac, "compare_digest", compare_digest)

    assert domain.form_key_matches(SESSION, "form-key-wang") is True
    assert compared == [(b"form-key-wang", b"form-key-wang")]


# --- the officers' tabs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "tab"),
    [("received", "received"), ("accepted", "accepted"), ("declined", "finished"), ("odd", "received")],
)
def test_a_referral_opens_on_the_tab_that_lists_it(status, tab):
    assert domain.tab_of(status) == tab


# --- the window's form --------------------------------------------------------------------------

FILLED = {
    "csrf": ["form-key-wang"],
    "source": ["walk_in"],
    "category": ["neighbour"],
    "division_code": ["430426101203"],
    "summary": ["  邻居翻修房屋，占用了共用通道  "],
    "flags": ["group", ""],
    "parties.0.role": ["applicant"],
    "parties.0.kind": ["person"],
    "parties.0.name": ["张秀英"],
    "parties.0.id_number": ["430426198503120023"],
    "parties.0.phone": ["13907341234"],
    # row 1 left blank except for the role and kind the form preselects
    "parties.1.role": ["respondent"],
    "parties.1.kind": ["person"],
    "parties.1.name": [""],
    "parties.1.id_number": [""],
    "parties.1.phone": [""],
    "parties.2.role": ["respondent"],
    "parties.2.kind": ["person"],
    "parties.2.name": ["李建国"],
    "parties.2.id_number": [""],
    "parties.2.phone": ["1390734"],
}


def test_the_form_becomes_the_report_intake_validates():
    report = domain.report_from_form(FILLED)

    assert report == {
        "source": "walk_in",
        "category": "neighbour",
        "division_code": "430426101203",
        "summary": "邻居翻修房屋，占用了共用通道",
        "parties": [
            {
                "role": "applicant",
                "kind": "person",
                "name": "张秀英",
                "id_number": "430426198503120023",
                "phone": "13907341234",
            },
            {"role": "respondent", "kind": "person", "name": "李建国", "phone": "1390734"},
        ],
        "flags": ["group"],
    }


def test_the_form_key_is_not_sent_on_to_intake():
    assert "csrf" not in domain.report_from_form(FILLED)


def test_blank_optional_fields_are_left_out_so_intake_names_what_is_missing():
    report = domain.report_from_form({"source": ["hotline"], "category": [""], "summary": ["   "]})

    assert report == {"source": "hotline", "parties": [], "flags": []}


def test_a_row_with_only_an_id_number_counts_as_a_party():
    report = domain.report_from_form({"parties.3.id_number": ["430426198503120023"]})

    assert report["parties"] == [{"id_number": "430426198503120023"}]


def test_rows_past_the_form_are_not_read():
    report = domain.report_from_form({f"parties.{domain.MAX_PARTIES_ON_FORM}.name": ["王五"]})

    assert report["parties"] == []


def test_a_party_numbered_by_intake_is_traced_back_to_its_form_row():
    assert domain.party_rows_for_errors(FILLED) == {0: 0, 1: 2}


def test_an_error_on_the_second_party_sent_is_shown_beside_the_row_it_was_typed_in():
    errors = [
        {"field": "parties.1.phone", "message": "Value error, must be an 11-digit mobile", "type": "value_error"},
        {"field": "parties.0.name", "message": "String should have at most 50 characters", "type": "string_too_long"},
        {"field": "summary", "message": "Field required", "type": "missing"},
        {"field": "flags.1", "message": "Input should be 'group'", "type": "enum"},
        {"field": "parties", "message": "Value error, at least one party must have role 'applicant'", "type": "x"},
    ]

    placed = domain.errors_by_form_field(errors, domain.party_rows_for_errors(FILLED))

    assert sorted(placed) == ["flags", "parties", "parties.0.name", "parties.2.phone", "summary"]
    assert placed["parties.2.phone"] == [errors[0]]


def test_two_errors_on_one_field_are_both_kept():
    errors = [{"field": "summary", "type": "missing"}, {"field": "summary", "type": "string_too_short"}]

    assert domain.errors_by_form_field(errors, {}) == {"summary": errors}


def test_an_officer_of_a_justice_office_has_the_mediation_page_and_no_other_agencys():
    pages = domain.pages_for({"officer"}, {"justice"})

    assert ("/justice/mediation", "人民调解") in pages
    assert "/stability/register" not in {path for path, _ in pages}
    assert domain.may_open("/justice/mediation", {"officer"}, {"justice"})
    assert not domain.may_open("/justice/mediation", {"officer"}, {"police"})
    assert not domain.may_open("/justice/mediation", {"coordinator"}, {"justice"})


def test_an_officer_of_the_political_legal_committee_has_the_three_colour_warnings_last():
    pages = domain.pages_for({"officer"}, {"plc"})

    assert pages[-1] == ("/stability/register", "三色预警")
    assert "/justice/mediation" not in {path for path, _ in pages}
    assert not domain.may_open("/stability/persons", {"leader"}, {"plc"})


def test_a_police_officer_has_the_calls_and_a_petition_officer_the_petitions():
    police = {path for path, _ in domain.pages_for({"officer"}, {"police"})}
    petition = {path for path, _ in domain.pages_for({"officer"}, {"petition"})}

    assert ("/police/calls", "警情调解") in domain.pages_for({"officer"}, {"police"})
    assert ("/petitions", "信访事项") in domain.pages_for({"officer"}, {"petition"})
    assert "/petitions" not in police and "/police/calls" not in petition
    assert "/court/filings" not in police | petition


def test_the_calls_and_the_petitions_need_the_officers_role_and_their_agencys_unit():
    assert not domain.may_open("/police/calls", {"officer"}, {"court"})
    assert not domain.may_open("/police/calls", {"coordinator", "leader"}, {"police"})
    assert not domain.may_open("/petitions", {"officer"}, {"police"})
    assert not domain.may_open("/petitions", {"supervisor"}, {"petition"})
    assert domain.may_open("/police/calls", {"officer"}, {"police"})
    assert domain.may_open("/petitions", {"officer"}, {"petition"})


# --- numbers typed, and the units a case may call in ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "plain"), [("50", True), ("0", True), ("①", False), ("²", False), ("５", False), ("", False)]
)
def test_only_ascii_digits_count_as_a_number(text, plain):
    assert domain.ascii_digits(text) is plain


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("12", 12),
        (" 1 2 ", 12),  # spaces typed between the digits
        ("0", 0),
        ("５", "５"),  # full-width, '①' and '²': sent as typed, for the API to refuse in the input's words
        ("①", "①"),
        ("²", "²"),
        ("12人", "12人"),
        ("1" * 7, "1" * 7),  # more than any count, and never int() of thousands of digits
        ("", ""),
    ],
)
def test_a_count_typed_in_a_form_is_a_number_only_in_ascii_digits(typed, sent):
    assert domain.typed_count(typed) == sent
    assert type(domain.typed_count(typed)) is type(sent)


def test_a_count_of_thousands_of_digits_is_sent_as_typed_not_a_server_error():
    assert domain.typed_count("9" * 5000) == "9" * 5000


UNITS = [
    ("police:430426101", "砖塘镇派出所"),
    ("justice:430426101", "砖塘镇司法所"),
    ("court:430426", "祁东县人民法院"),
    ("petition:430426", "祁东县信访局"),
]


def test_a_unit_holding_an_open_referral_is_not_offered_to_call_in_and_one_that_declined_is():
    referrals = [
        {"unit": "police:430426101", "status": "accepted"},
        {"unit": "court:430426", "status": "issued"},
        {"unit": "justice:430426101", "status": "declined"},
    ]

    offered = domain.callable_units(UNITS, referrals, None)

    assert offered == [("justice:430426101", "砖塘镇司法所"), ("petition:430426", "祁东县信访局")]


def test_a_township_centre_is_offered_the_county_s_units_then_its_own_township_s_then_the_others():
    units = [
        ("police:430426", "祁东县公安局"),
        ("police:430426101", "砖塘镇派出所"),
        ("police:430426102", "蒋家桥镇派出所"),
        ("justice:430426102", "蒋家桥镇司法所"),
        ("justice:430426102007", "长冲村人民调解委员会"),
        ("court:430426", "祁东县人民法院"),
    ]

    at_jiangjiaqiao = domain.nearest_first(units, "430426102")
    assert [code for code, _ in at_jiangjiaqiao] == [
        "police:430426",
        "court:430426",
        "police:430426102",
        "justice:430426102",
        "justice:430426102007",
        "police:430426101",  # another township's station, last
    ]
    at_the_village = domain.nearest_first(units, "430426102007")  # its township's units are its own as well
    assert [code for code, _ in at_the_village][-1] == "police:430426101"
    assert domain.nearest_first(units, "430426") == sorted(units, key=lambda u: len(u[0]) > len("police:430426"))


def test_only_the_agencies_the_holding_centre_may_call_in_are_offered():
    offered = domain.callable_units(UNITS, [], ("police", "justice"))

    assert [code for code, _ in offered] == ["police:430426101", "justice:430426101"]


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("139 0734 1234", "13907341234"),  # grouped as it is read aloud
        ("139-0734-1234", "13907341234"),
        ("１３９０７３４１２３４", "13907341234"),  # full-width, from a Chinese input method
    ],
)
def test_a_number_typed_with_spaces_or_full_width_digits_goes_to_intake_as_digits(typed, sent):
    form = {**FILLED, "parties.0.phone": [typed], "parties.0.id_number": ["４３０４２６１９８５０３１２００２３"]}

    [applicant, _] = domain.report_from_form(form)["parties"]

    assert (applicant["phone"], applicant["id_number"]) == (sent, "430426198503120023")


# --- the token a session keeps ---------------------------------------------------------------


def test_a_session_keeps_its_token_sealed_under_its_cookie():
    assert "token.of.wang.fang" not in repr(SESSION)
    assert domain.opened_token(SESSION, "cookie-of-wang-fang") == "token.of.wang.fang"


@pytest.mark.parametrize("cookie", ["cookie-of-liu-yang", "cookie-of-wang-fanG", ""])
def test_another_cookie_opens_no_token(cookie):
    assert domain.opened_token(SESSION, cookie) is None


def test_a_sealed_token_moved_to_another_session_opens_nothing():
    # Another row's sealed token copied onto this session's row: bound to the digest it was sealed for.
    wang_cookie = "cookie-of-wang-fang"
    other = domain.open_session("liu.yang", "token.of.liu.yang", SESSION.expires_at, MORNING, wang_cookie, "k")
    moved = domain.Session(
        domain.session_digest("cookie-of-liu-yang"), "liu.yang", other.sealed_token, "k", MORNING, SESSION.expires_at
    )
    assert domain.opened_token(moved, wang_cookie) is None


@pytest.mark.parametrize("kept", ["token.of.wang.fang", "v1.", "v1.!!!", "v1." + "A" * 40, ""])
def test_a_kept_token_that_is_not_one_sealed_here_opens_nothing(kept):
    from dataclasses import replace

    assert domain.opened_token(replace(SESSION, sealed_token=kept), "cookie-of-wang-fang") is None


def test_the_same_token_is_sealed_differently_each_time():
    again = domain.open_session(
        "wang.fang", "token.of.wang.fang", SESSION.expires_at, MORNING, "cookie-of-wang-fang", "form-key-wang"
    )
    assert again.sealed_token != SESSION.sealed_token


def test_the_board_and_report_open_on_a_township_or_village_centre_s_own_place_only_when_there_is_one() -> None:
    assert domain.own_centre_place({"centre:430426101"}, "430426") == "430426101"
    assert domain.own_centre_place({"centre:430426101203"}, "430426") == "430426101203"
    assert domain.own_centre_place(set(), "430426") is None  # the county centre's staff
    assert domain.own_centre_place({"centre:430426"}, "430426") is None
    assert domain.own_centre_place({"centre:430426101", "centre:430426102"}, "430426") is None  # no one place to start
    assert domain.own_centre_place({"police:430426101"}, "430426") is None


def test_a_coordinator_acts_for_its_centre_and_those_below_it_as_the_coordinator_judges() -> None:
    assert domain.acts_for_centre({"centre:430426101"}, "430426101", "430426")
    assert domain.acts_for_centre({"centre:430426101"}, "430426101203", "430426")  # its village's centre
    assert not domain.acts_for_centre({"centre:430426101"}, "430426102", "430426")
    assert not domain.acts_for_centre({"centre:430426101"}, None, "430426")  # stored before levels: the county's
    assert domain.acts_for_centre(set(), "430426102", "430426")  # bound to no centre: the county centre's staff
