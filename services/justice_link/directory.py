"""The county's mediation organisations and mediators, read from `mediation_organisations.toml` and checked.

An entry that cannot be read stops the service at start, with the entry named in Chinese as the file spells it
(`organisations[2].covers[0]：（code = “zt-xintang”）…`), rather than proposing assignments from half a list.
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_core import ErrorDetails

from services.justice_link.domain.assignment import Mediator, Organisation, OrganisationKind
from shared.config_errors import NOT_UTF8, WHOLE_FILE, ConfigFileError, quoted, toml_error_text
from shared.contracts.vocabulary import Category

FILE_NAME = "mediation_organisations.toml"

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,47}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Place = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")]
JusticeUnit = Annotated[str, StringConstraints(pattern=r"^justice:[0-9]{6}([0-9]{3}([0-9]{3})?)?$")]


E = TypeVar("E", bound="_Entry")


class DirectoryError(ConfigFileError):
    """The file names an entry that cannot be read: `field` names it as the file spells it
    (`mediators[3].organisation`), the message says in Chinese what is wrong, `code` says it for scripts."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrganisationEntry(_Entry):
    code: Code
    name: Name
    kind: OrganisationKind
    unit: JusticeUnit
    covers: list[Place] = Field(min_length=1)
    specialties: list[Category] = Field(min_length=1)
    active: bool = True


class MediatorEntry(_Entry):
    code: Code
    name: Name
    organisation: Code
    specialties: list[Category] = Field(min_length=1)
    active: bool = True


@dataclass(frozen=True)
class Directory:
    organisations: tuple[Organisation, ...]
    mediators: tuple[Mediator, ...]


def load_directory(config_dir: Path) -> Directory:
    """The directory in `config_dir`; DirectoryError naming the first entry wrong."""
    path = config_dir / FILE_NAME
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DirectoryError(WHOLE_FILE, "文件不存在", "unreadable", path) from None
    except OSError as exc:
        raise DirectoryError(WHOLE_FILE, f"无法读取（{exc.strerror or exc}）", "unreadable", path) from None
    except UnicodeDecodeError:
        raise DirectoryError(WHOLE_FILE, NOT_UTF8, "not_utf8", path) from None
    except tomllib.TOMLDecodeError as exc:
        raise DirectoryError(WHOLE_FILE, toml_error_text(exc), "invalid_toml", path) from None
    try:
        return read_directory(raw)
    except DirectoryError as refused:
        refused.file = str(path)
        raise


def read_directory(raw: dict[str, object]) -> Directory:
    unknown = sorted(set(raw) - {"organisations", "mediators"})
    if unknown:
        raise DirectoryError(
            unknown[0], "未知的键；本文件只有 [[organisations]] 和 [[mediators]] 两部分", "unknown_key"
        )
    organisations = [_entry(OrganisationEntry, e, "organisations", i) for i, e in _entries(raw, "organisations")]
    mediators = [_entry(MediatorEntry, e, "mediators", i) for i, e in _entries(raw, "mediators")]
    codes: dict[str, str] = {}
    listed = [("organisations", i, o.code) for i, o in enumerate(organisations)]
    listed += [("mediators", i, m.code) for i, m in enumerate(mediators)]
    for kind, i, code in listed:
        if code in codes:
            raise DirectoryError(
                f"{kind}[{i}].code", f"{quoted(code)} 已由 {codes[code]} 使用，每个代码只用一次", "duplicate"
            )
        codes[code] = f"{kind}[{i}]"
    known = {o.code for o in organisations}
    for i, m in enumerate(mediators):
        if m.organisation not in known:
            raise DirectoryError(
                f"mediators[{i}].organisation",
                f"（code = {quoted(m.code)}）没有代码为 {quoted(m.organisation)} 的调解组织；"
                "应为本文件 [[organisations]] 中某一个的 code",
                "unknown_organisation",
            )
    return Directory(
        tuple(
            Organisation(o.code, o.name, o.kind, o.unit, tuple(o.covers), frozenset(o.specialties), o.active)
            for o in organisations
        ),
        tuple(Mediator(m.code, m.name, m.organisation, frozenset(m.specialties), m.active) for m in mediators),
    )


def _entries(raw: dict[str, object], kind: str) -> list[tuple[int, object]]:
    entries = raw.get(kind, [])
    if not isinstance(entries, list):
        raise DirectoryError(kind, f"应为若干段 [[{kind}]]", "wrong_type")
    return list(enumerate(entries))


def _entry(model: type[E], entry: object, kind: str, index: int) -> E:
    try:
        return model.model_validate(entry)
    except ValidationError as exc:
        code = entry.get("code") if isinstance(entry, dict) else None
        error = exc.errors()[0]
        field = f"{kind}[{index}]" + "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
        )
        which = f"（code = {quoted(code)}）" if isinstance(code, str) and code else ""
        raise DirectoryError(
            field, which + _problem(model, kind, error), _CODES.get(error["type"], "invalid_value")
        ) from None


_KIND_WORDS = {
    OrganisationKind.VILLAGE_COMMITTEE: "村（居）人民调解委员会",
    OrganisationKind.TOWNSHIP_COMMITTEE: "乡镇（街道）人民调解委员会",
    OrganisationKind.INDUSTRY: "行业性专业性人民调解组织",
    OrganisationKind.STUDIO: "个人调解工作室",
}
# pydantic's error types by the codes every configuration file's refusal uses (shared/config_errors.py).
_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "bool_type": "wrong_type",
    "bool_parsing": "wrong_type",
    "list_type": "wrong_type",
    "string_type": "wrong_type",
    "model_type": "wrong_type",
    "dict_type": "wrong_type",
    "model_attributes_type": "wrong_type",
}
# What each field holds, said where it is wrong.
_SHAPES = {
    "code": "小写英文字母、数字和“-”，以字母或数字开头，至多48个字符，如 “zt-xintang”",
    "organisation": "所属调解组织的 code，如 “zt-xintang”",
    "covers": "6位（县）、9位（乡镇）或12位（村）数字的区划代码，加引号，如 “430426101203”",
    "unit": "司法所的单位代码 justice:<区划代码>，如 “justice:430426101”",
    "name": "调解组织或调解员的名称，如 “新塘村人民调解委员会”",
    "kind": " " + "、".join(f"{kind.value}（{_KIND_WORDS[kind]}）" for kind in OrganisationKind) + " 之一",
    "specialties": "纠纷类别 " + "、".join(category.value for category in Category) + " 之一",
}


def _problem(model: type[_Entry], table: str, error: ErrorDetails) -> str:
    """pydantic's error as the bureau's operator reads it: what the field should be, and what it is."""
    kind, context = error["type"], error.get("ctx") or {}
    name = next((str(part) for part in error["loc"] if isinstance(part, str)), "")
    given = error.get("input")
    now = f"；现为 {quoted(given)}" if isinstance(given, str | int | float) else ""
    if kind == "missing":
        return f"缺少此项：应为{_SHAPES.get(name, '')}" if name in _SHAPES else "缺少此项"
    if kind == "extra_forbidden":
        return f"未知的键；可写的是 {'、'.join(model.model_fields)}"
    if kind in ("string_pattern_mismatch", "enum") and name in _SHAPES:
        return f"应为{_SHAPES[name]}{now}"
    if kind == "string_too_short":
        return "不能为空"
    if kind == "string_too_long":
        return f"至多{context.get('max_length')}个字"
    if kind == "too_short":
        return f"至少要有一项：{_SHAPES.get(name, '')}".rstrip("：")
    if kind in ("bool_type", "bool_parsing"):
        return f"应为 true 或 false（不加引号）{now}"
    if kind == "list_type":
        return f'应为列表，如 ["{_EXAMPLES.get(name, "…")}"]{now}'
    if kind == "string_type":
        return f"应为加引号的文字{now}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"应为一段 [[{table}]]，其下写 {'、'.join(model.model_fields)}"
    return f"不合要求{now}"


_EXAMPLES = {"covers": "430426101203", "specialties": "neighbour"}
