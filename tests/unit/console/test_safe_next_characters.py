"""After signing in, a `next` holding a control character leads home: a browser drops tabs and line breaks from a
URL (`/%09/evil.example` is //evil.example to it), and a line break in the Location header failed the sign-in."""

import pytest

from services.console import domain
from services.console.pages import redirect


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/cases\r\nSet-Cookie: wy=1", "/cases\x00", "/\x7f"],
)
def test_a_next_holding_a_control_character_leads_home(target):
    assert domain.safe_next(target) == "/"


def test_a_line_break_in_next_no_longer_breaks_the_redirect():
    assert redirect(domain.safe_next("/cases\r\nSet-Cookie: wy=1")).headers["Location"] == "/"


def test_a_search_with_spaces_and_chinese_is_still_kept():
    assert domain.safe_next("/cases?q=王 秀英") == "/cases?q=王 秀英"
