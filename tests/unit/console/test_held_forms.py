"""A form held through signing in: its form key dropped, its action key kept, a console form path, in bounds."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.console.domain import open_session, opened_held, session_digest
from services.console.held_forms import (
    HELD_FOR,
    MAX_FIELDS,
    MAX_VALUE_CHARS,
    HeldForm,
    HeldFormRefused,
    from_kept,
    held_in,
    hold,
    kept_text,
    page_to_return_to,
)

ACTION_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
TYPED = [
    ("csrf", "form-key-of-the-ended-session"),
    ("action_key", ACTION_KEY),
    ("summary", "邻居翻修房屋，占用了共用通道"),
    ("parties.0.name", "张秀英"),
    ("parties.0.phone", "13907341234"),
    ("flags", "group"),
    ("flags", "violence_risk"),
]


def window_form_path(path: str) -> bool:
    return path in ("/window", "/cases/430426-20261123-00007/assign")


def test_a_held_form_drops_the_ended_sessions_form_key_and_keeps_the_action_key_and_every_value():
    held = hold("/window", TYPED)

    assert held is not None
    assert ("csrf", "form-key-of-the-ended-session") not in held.fields
    assert held.action_key == ACTION_KEY
    assert [value for name, value in held.fields if name == "flags"] == ["group", "violence_risk"]
    assert held.shown()[0] == ("summary", "邻居翻修房屋，占用了共用通道")
    assert ("action_key", ACTION_KEY) not in held.shown()


def test_what_the_sign_in_carries_comes_back_as_the_same_form():
    held = hold("/window", TYPED)
    assert held is not None

    assert held_in(held.on_sign_in(), window_form_path) == held


def test_a_second_action_key_is_not_carried():
    held = hold("/window", [*TYPED, ("action_key", "ffffffffffffffffffffffffffffffff")])

    assert held is not None and [name for name, _ in held.fields].count("action_key") == 1
    assert held.action_key == ACTION_KEY


def test_a_form_key_slipped_into_the_sign_in_is_dropped_not_sent():
    carried = [("held_target", "/window"), ("held:csrf", "a-key-from-elsewhere"), ("held:summary", "邻里纠纷")]

    held = held_in(carried, window_form_path)

    assert held is not None and held.fields == (("summary", "邻里纠纷"),)


@pytest.mark.parametrize("path", ["/login", "/logout", "/password", "/held-form/discard"])
def test_the_sign_in_sign_out_and_password_forms_are_never_held(path):
    assert hold(path, [("password", "旧密码-2026"), ("action_key", ACTION_KEY)]) is None


def test_a_form_past_the_bounds_is_not_held():
    assert hold("/window", [("summary", "长" * (MAX_VALUE_CHARS + 1))]) is None
    assert hold("/window", [(f"f{n}", "x") for n in range(MAX_FIELDS + 1)]) is None
    assert hold("/window", [("n" * 65, "x")]) is None
    assert hold("/window", [("summary", "a\x00b")]) is None


def test_a_file_chosen_on_the_form_is_said_to_be_left_behind():
    held = hold("/window", TYPED, files_dropped=True)
    assert held is not None

    assert held_in(held.on_sign_in(), window_form_path) == HeldForm("/window", held.fields, files_dropped=True)


def test_a_sign_in_without_a_held_form_holds_none():
    assert held_in([("username", "wang.fang"), ("password", "x"), ("next", "/window")], window_form_path) is None


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("https://evil.example/window", "不是本工作台的地址"),
        ("//evil.example/window", "不是本工作台的地址"),
        ("/\\evil.example/window", "不是本工作台的地址"),
        ("window", "不是本工作台的地址"),
        ("/\twindow", "不是本工作台的地址"),
        ("/window?draft=1", "不是本工作台可提交的表单"),
        ("/cases", "不是本工作台可提交的表单"),  # a page, but no form posts to it
        ("/login", "不是本工作台可提交的表单"),
        ("/窗口", "无法识别"),
        ("", "无法识别"),
    ],
)
def test_a_target_that_is_no_console_form_is_refused_in_chinese(target, said):
    with pytest.raises(HeldFormRefused) as refused:
        held_in([("held_target", target), ("held:summary", "邻里纠纷")], window_form_path)

    assert said in str(refused.value)


def test_held_fields_without_one_target_are_refused():
    with pytest.raises(HeldFormRefused):
        held_in([("held:summary", "邻里纠纷")], window_form_path)
    with pytest.raises(HeldFormRefused):
        held_in([("held_target", "/window"), ("held_target", "/window"), ("held:summary", "x")], window_form_path)


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ([("held:summary", "长" * (MAX_VALUE_CHARS + 1))], f"超过{MAX_VALUE_CHARS}字"),
        ([(f"held:f{n}", "x") for n in range(MAX_FIELDS + 1)], f"超过{MAX_FIELDS}项"),
        ([("held:" + "n" * 65, "x")], "栏目名称"),
        ([], "没有任何内容"),
    ],
)
def test_held_fields_past_the_bounds_are_refused_in_chinese(fields, said):
    with pytest.raises(HeldFormRefused) as refused:
        held_in([("held_target", "/window"), *fields], window_form_path)

    assert said in str(refused.value)


# --- kept by the new session, and where 放弃 leads -------------------------------------------------------------------

CONSOLE_PAGES = frozenset({"/", "/window", "/cases", "/triage", "/documents", "/spot-checks", "/board"})


def console_page(path: str) -> bool:
    return path in CONSOLE_PAGES or (path.startswith("/cases/") and path.count("/") == 2)


@pytest.mark.parametrize(
    ("offered", "target", "back"),
    [
        ("/triage?page=2", "/cases/430426-20261123-00007/assign", "/triage?page=2"),  # the page it was typed on
        ("/cases/430426-20261123-00007/assign", "/cases/430426-20261123-00007/assign", "/cases/430426-20261123-00007"),
        (None, "/documents/notices", "/documents"),  # no Referer: the page nearest the POST-only address
        ("/spot-checks/430426-20261123-00007/finding", "/spot-checks/430426-20261123-00007/finding", "/spot-checks"),
        ("/board/alerts/4b8c/handled", "/board/alerts/4b8c/handled", "/board"),
        ("/window", "/window", "/window"),
        ("https://evil.example/window", "/window", "/window"),
        ("//evil.example/", "/documents/notices", "/documents"),
        ("/\\evil.example", "/documents/notices", "/documents"),
        ("/login", "/documents/notices", "/documents"),
        ("/nowhere", "/nowhere/at/all", "/"),
    ],
)
def test_放弃_leads_to_a_page_of_the_console_never_an_action_nor_another_site(offered, target, back):
    assert page_to_return_to(offered, target, console_page) == back


def test_the_form_a_session_keeps_comes_back_as_it_was_held():
    held = hold("/window", TYPED, files_dropped=True)
    assert held is not None
    kept = replace(held, back="/window")

    assert from_kept(kept_text(kept)) == kept
    assert "form-key-of-the-ended-session" not in kept_text(kept)


@pytest.mark.parametrize("text", [None, "", "{", "[]", '{"target": "/window"}', '{"fields": 3}'])
def test_anything_else_kept_is_no_held_form(text):
    assert from_kept(text) is None


def test_a_held_form_opens_only_with_its_own_cookie_and_for_its_time():
    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    session = open_session("wang.fang", "t", now + timedelta(hours=8), now, "cookie-of-wang", "k", "张秀英", HELD_FOR)

    assert opened_held(session, "cookie-of-wang", now) == "张秀英"
    assert opened_held(session, "cookie-of-liu", now) is None
    assert opened_held(session, "cookie-of-wang", now + HELD_FOR) is None
    assert "张秀英" not in session.sealed_held
    moved = replace(session, digest=session_digest("cookie-of-liu"))  # copied onto another session's row
    assert opened_held(moved, "cookie-of-wang", now) is None


def test_a_held_form_is_never_kept_past_its_session():
    now = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    session = open_session("wang.fang", "t", now + timedelta(minutes=5), now, "cookie-of-wang", "k", "x", HELD_FOR)

    assert session.held_until == now + timedelta(minutes=5)
