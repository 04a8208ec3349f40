"""A form held through signing in: its form key dropped, its action key kept, a console form path, in bounds."""

import pytest

from services.console.held_forms import (
    MAX_FIELDS,
    MAX_VALUE_CHARS,
    HeldForm,
    HeldFormRefused,
    held_in,
    hold,
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


@pytest.mark.parametrize("path", ["/login", "/logout", "/password"])
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
