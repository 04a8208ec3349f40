"""Who petitioned: persons counted by keyed digests of their identity, and their earlier petitions."""

import hashlib
import hmac
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.petition_link.domain.model import Petition, Petitioner

# The ID number is the best identity, but the bureau's figures and its register must not hold it
# in clear. A plain hash would not do: ID numbers are few enough (region, birth date, sequence) to
# hash them all and read a stolen column back. So, as intake keys its party digests, every key is
# an HMAC-SHA256 under the service's own secret (WUYUAN_PETITION_KEY_SECRET), and means nothing
# without it. Without an ID number a person is known by name and mobile; by a name alone, nobody
# is: namesakes are common enough in a county that counting them as one would invent repeats.
# Versioned, so that a change of normalisation can live beside keys stored under the old one.
PERSON_KEY_PREFIX = "wuyuan.petitioner.v1:"
FINGERPRINT_PREFIX = "wuyuan.petition.v1:"
MIN_SECRET_BYTES = 32


def normalise_name(name: str) -> str:
    # NFKC folds full-width letters and digits, which different systems type differently.
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _digest(secret: bytes, text: str) -> str:
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the petition key secret must be at least {MIN_SECRET_BYTES} bytes, got {len(secret)}")
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def petitioner(name: str, id_number: str | None, phone: str | None, secret: bytes) -> Petitioner:
    """A petitioner as the register keeps them: name, mobile to reach them, and keys in place of the ID number."""
    id_key = _digest(secret, f"{PERSON_KEY_PREFIX}id:{id_number}") if id_number else None
    contact_key = _digest(secret, f"{PERSON_KEY_PREFIX}name+phone:{normalise_name(name)}|{phone}") if phone else None
    return Petitioner(name=name, phone=phone, id_key=id_key, contact_key=contact_key)


def fingerprint(registration: dict[str, Any], secret: bytes) -> str:
    """A keyed digest of a registration as sent: the same number sent again with the same content is a
    resend, with other content a clash. Keyed, because the registration holds ID numbers."""
    canonical = json.dumps(registration, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return _digest(secret, FINGERPRINT_PREFIX + canonical)


@dataclass(frozen=True)
class Mention:
    """An earlier petition naming one of the keys looked for: its number, matter, day and its petitioners' keys."""

    number: str
    matter: str
    received_on: date
    keys: frozenset[str]


@dataclass(frozen=True)
class EarlierPetitions:
    """One petitioner's earlier petitions in the window, and how many of them were on the same matter."""

    name: str
    identified: bool  # False: neither ID number nor mobile, so their earlier petitions cannot be found
    petitions: int
    on_same_matter: int


def earlier_petitions(petition: Petition, mentions: Iterable[Mention], since: date) -> list[EarlierPetitions]:
    """Per petitioner, the earlier petitions (received from `since`) that name them, and those on the same matter."""
    earlier = [m for m in mentions if m.number != petition.number and since <= m.received_on]
    counts = []
    for person in petition.petitioners:
        theirs = [m for m in earlier if m.keys & person.keys]
        counts.append(
            EarlierPetitions(
                name=person.name,
                identified=bool(person.keys),
                petitions=len(theirs),
                on_same_matter=sum(1 for m in theirs if m.matter == petition.matter),
            )
        )
    return counts


def all_keys(petition: Petition) -> frozenset[str]:
    return frozenset(key for person in petition.petitioners for key in person.keys)
