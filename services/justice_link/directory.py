"""The county's mediation organisations and mediators, read from `mediation_organisations.toml` and checked.

An entry that cannot be read stops the service at start, with the entry named
(`organisations[2] (zt-xintang).covers[0]: …`), rather than proposing assignments from half a list.
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from services.justice_link.domain.assignment import Mediator, Organisation, OrganisationKind
from shared.contracts.vocabulary import Category

FILE_NAME = "mediation_organisations.toml"

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,47}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Place = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")]
JusticeUnit = Annotated[str, StringConstraints(pattern=r"^justice:[0-9]{6}([0-9]{3}([0-9]{3})?)?$")]


E = TypeVar("E", bound="_Entry")


class DirectoryError(ValueError):
    """The file names an entry that cannot be read; the message names it."""


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
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DirectoryError(f"{path}: {exc}") from None
    return read_directory(raw, str(path))


def read_directory(raw: dict[str, object], where: str = FILE_NAME) -> Directory:
    unknown = sorted(set(raw) - {"organisations", "mediators"})
    if unknown:
        raise DirectoryError(f"{where}: unknown table {unknown[0]!r}")
    organisations = [_entry(OrganisationEntry, e, "organisations", i, where) for i, e in _entries(raw, "organisations")]
    mediators = [_entry(MediatorEntry, e, "mediators", i, where) for i, e in _entries(raw, "mediators")]
    codes: set[str] = set()
    listed = [("organisations", i, o.code) for i, o in enumerate(organisations)]
    listed += [("mediators", i, m.code) for i, m in enumerate(mediators)]
    for kind, i, code in listed:
        if code in codes:
            raise DirectoryError(f"{where}: {kind}[{i}] ({code}).code: used twice")
        codes.add(code)
    known = {o.code for o in organisations}
    for i, m in enumerate(mediators):
        if m.organisation not in known:
            unknown_org = f"unknown organisation {m.organisation!r}"
            raise DirectoryError(f"{where}: mediators[{i}] ({m.code}).organisation: {unknown_org}")
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
        raise DirectoryError(f"{kind}: must be an array of tables ([[{kind}]])")
    return list(enumerate(entries))


def _entry(model: type[E], entry: object, kind: str, index: int, where: str) -> E:
    try:
        return model.model_validate(entry)
    except ValidationError as exc:
        code = entry.get("code") if isinstance(entry, dict) else None
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        raise DirectoryError(f"{where}: {kind}[{index}] ({code or '?'}).{field}: {error['msg']}") from None
