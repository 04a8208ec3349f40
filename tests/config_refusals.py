"""What a configuration file's refusal must be: the key as the file spells it, a stable code, and a Chinese sentence
with no English left in it but the keys and values the operator types."""

import re

from shared.config_errors import ConfigFileError

# What the operator types stays as typed: quoted values, and keys and codes, which are single words.
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|'[^']*'")
_TOML_OWN_WORDS = re.compile(r"（[^）]*）$")  # tomllib's description of a syntax error, kept in brackets
_ENGLISH_PROSE = re.compile(r"[A-Za-z]+ +[A-Za-z]+")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def english_left(problem: str) -> list[str]:
    """Runs of English words in a refusal's sentence (outside quotes): a message half translated."""
    return _ENGLISH_PROSE.findall(_QUOTED.sub("", problem))


def assert_refusal(error: ConfigFileError, field: str, code: str, says: str = "") -> None:
    """`error` names `field` first, says `says`, in Chinese through and through, and carries `code`."""
    assert (error.field, error.code) == (field, code), str(error)
    assert str(error) == (f"{field}：{error.problem}" if field else error.problem)
    assert _CHINESE.search(error.problem), error.problem
    problem = _TOML_OWN_WORDS.sub("", error.problem) if code == "invalid_toml" else error.problem
    assert not english_left(problem), error.problem
    assert says in error.problem, error.problem
