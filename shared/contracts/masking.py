"""Resident ID and mobile numbers typed into free text, masked before the text leaves intake."""

import re

# An 18-character resident ID (17 digits and a check character) or a mainland mobile, optionally
# written +86/0086-prefixed or in 3-4-4 groups, standing alone: not part of a longer run of digits,
# so case numbers, record ids and amounts are left as they are. Written as people type them: in
# full-width characters too (a Chinese input method in 全角 mode gives '１３８…' and 'Ｘ'; `\d` takes
# any decimal digit, the literal digits and letters here are spelled both ways), and grouped by
# spaces (a pasted no-break or thin space too), hyphens or dots, with or without spaces around them
# ('138 - 0013 - 8000', '138.0013.8000', an ID as '430426 19850312 0023' or '430426-1985-0312-0023').
_SPACE = r"[ \u00a0\u2009\u202f\u3000]"  # a space, a no-break or thin one (pasted), an ideographic one
SEPARATOR = rf"(?:{_SPACE}*[-.\u2010-\u2015\uff0d\uff0e\u00b7]{_SPACE}*|{_SPACE}+)?"
_ID = rf"(?P<id>\d{{6}}){SEPARATOR}\d{{4}}{SEPARATOR}\d{{4}}{SEPARATOR}(?P<id_tail>\d{{3}}[\dXx\uff38\uff58])"
_COUNTRY = rf"(?:(?:[+\uff0b]|00|\uff10\uff10)?[8\uff18][6\uff16]{SEPARATOR})?"
_MOBILE = rf"{_COUNTRY}(?P<m_head>[1\uff11][3-9\uff13-\uff19]\d){SEPARATOR}\d{{4}}{SEPARATOR}(?P<m_tail>\d{{4}})"
FREE_TEXT_NUMBER = re.compile(rf"(?<!\d)(?:{_ID}|{_MOBILE})(?!\d)")


def _mask(match: re.Match[str]) -> str:
    if match.group("id"):
        return f"{match.group('id')}{'*' * 8}{match.group('id_tail')}"
    return f"{match.group('m_head')}****{match.group('m_tail')}"


def mask_free_text(text: str) -> str:
    """'电话13800138000，身份证430426199005201239' -> '电话138****8000，身份证430426********1239'."""
    return FREE_TEXT_NUMBER.sub(_mask, text)


def mask_person_name(name: str) -> str:
    """A person's name as an alert may carry it: the first character kept, the rest starred ('张三丰' -> '张**').

    Enough for staff to tell two alerts apart, not to name the person outside intake; any number in it masked too.
    """
    text = mask_free_text(name.strip())
    return text[:1] + "*" * max(len(text) - 1, 1) if text else "*"
