"""Resident ID and mobile numbers typed into free text, masked before the text leaves intake."""

import re

# An 18-character resident ID (17 digits and a check character) or a mainland mobile, optionally
# written +86/0086-prefixed or in 3-4-4 groups with spaces or hyphens, standing alone: not part
# of a longer run of digits, so case numbers, record ids and amounts are left as they are.
_ID = r"(?P<id>\d{6})\d{8}(?P<id_tail>\d{3}[\dXx])"
_MOBILE = r"(?:(?:\+|00)?86[ -]?)?(?P<m_head>1[3-9]\d)[ -]?\d{4}[ -]?(?P<m_tail>\d{4})"
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
