"""The person-level warning file (三色预警档案, 一人一档): keyed identities and the colour a person's history calls for.

Pure rules: no nameko, psycopg or logging. The colour is never stored; it is computed whenever the file
is read from the person's history: what the platform says about the cases on their file (a petition,
violence or group flags, a unit that let its deadline pass) and what officers record by hand. A case
going overdue, a fact recorded today or a petition leaving the window changes it at once.
"""

import hashlib
import hmac
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from services.stability.domain import WarningColour
from shared.contracts.vocabulary import Flag, Source

# As the petition service keys its petitioners: an ID number hashed plainly could be read back by
# hashing every plausible number, so every key is an HMAC-SHA256 under the service's own secret
# (WUYUAN_STABILITY_KEY_SECRET). A mobile is keyed with the name, as a mobile can change hands.
PERSON_KEY_PREFIX = "wuyuan.stability.person.v1:"
MIN_SECRET_BYTES = 32

# The colour rule's thresholds (documented in the README).
PETITION_WINDOW = timedelta(days=90)
REPEAT_PETITIONS = 2  # a second petition in the window is a repeat petition: yellow
RED_PETITIONS = 3  # three or more in the window ...
RED_GROUP_SIZE = 5  # ... with a group of five or more behind them: red
GROUP_SIZE = 5  # a group of five or more alone: yellow


class EventKind(StrEnum):
    PETITION = "petition"  # 信访 (each petition, dated)
    VIOLENCE = "violence"  # 暴力倾向 on one of their cases; criminal_risk: 民转刑 risk
    GROUP = "group"  # a group dispute they are part of, with its size (人数)
    OVERDUE = "overdue"  # one of their cases went overdue


@dataclass(frozen=True)
class PersonKeys:
    id_key: str | None
    contact_key: str | None


def normalise_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _digest(secret: bytes, text: str) -> str:
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the stability key secret must be at least {MIN_SECRET_BYTES} bytes, got {len(secret)}")
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def person_keys(name: str, id_number: str | None, mobile: str | None, secret: bytes) -> PersonKeys:
    """The keys a person is matched by: neither the ID number nor the mobile is kept in clear."""
    id_key = _digest(secret, f"{PERSON_KEY_PREFIX}id:{id_number.upper()}") if id_number else None
    contact_key = _digest(secret, f"{PERSON_KEY_PREFIX}name+mobile:{normalise_name(name)}|{mobile}") if mobile else None
    return PersonKeys(id_key, contact_key)


@dataclass(frozen=True)
class Reason:
    colour: WarningColour
    code: str
    text: str

    def as_json(self) -> dict[str, str]:
        return {"colour": self.colour.value, "code": self.code, "text": self.text}


@dataclass(frozen=True)
class Assessment:
    colour: WarningColour
    reasons: list[Reason]


def facts_of_cases(cases: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The history the platform gives a person through the cases on their file, as facts like an officer's.

    A case from the petition bureau, or flagged 涉访, is a petition dated at its triage; `high_risk` (命案风险) is
    violence with 民转刑 risk and `violence_risk` violence; `group` is a group of five or more (集体访 and
    群体性纠纷 are flagged from five people up); each unit that let its deadline pass is an overdue fact.
    """
    facts: list[dict[str, Any]] = []
    for case in cases:
        case_id, flags, at = case["case_id"], set(case["flags"]), case["assigned_at"]
        if at is not None:
            if case["source"] == Source.PETITION or Flag.PETITION_INVOLVED in flags:
                facts.append(_case_fact(EventKind.PETITION, case_id, at, "信访案件"))
            if Flag.HIGH_RISK in flags:
                facts.append(_case_fact(EventKind.VIOLENCE, case_id, at, "案件标记命案风险", criminal_risk=True))
            elif Flag.VIOLENCE_RISK in flags:
                facts.append(_case_fact(EventKind.VIOLENCE, case_id, at, "案件标记有暴力倾向"))
            if Flag.GROUP in flags:
                facts.append(_case_fact(EventKind.GROUP, case_id, at, "群体性纠纷（5人以上）", size=GROUP_SIZE))
        # Worded as what happened at the deadline: the service never hears a case close, and "未结" would be
        # false of a late case resolved since.
        for late in case["overdue"]:
            facts.append(_case_fact(EventKind.OVERDUE, case_id, late["due_at"], "承办单位逾期", unit=late["unit"]))
    return sorted(facts, key=lambda f: (f["at"], f["case_id"], f["kind"]))


def _case_fact(kind: EventKind, case_id: str, at: datetime, detail: str, **fields: Any) -> dict[str, Any]:
    return {"kind": kind.value, "case_id": case_id, "at": at, "detail": detail, "from_case": True, **fields}


def _one_per_case(events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A case counts once for each kind of fact: the platform's and an officer's record of the same case agree."""
    kept: dict[str, Mapping[str, Any]] = {}
    for number, event in enumerate(events):
        kept.setdefault(event.get("case_id") or f"#{number}", event)
    return list(kept.values())


def assess(events: Iterable[Mapping[str, Any]], now: datetime) -> Assessment:
    """A person's colour from their recorded history, with every reason that raised it (gravest first).

    red:    violence with 民转刑 risk; or ≥3 petitions in the last 90 days with a group of ≥5 behind them
    yellow: violence; or ≥2 petitions in the last 90 days (repeat petitions); or a case that went overdue, even
            if it has closed since (a grievance the delay left is still one to watch); or a group dispute of ≥5
    green:  none of these
    """
    events = list(events)
    since = now - PETITION_WINDOW
    petitions = len(_one_per_case(e for e in events if e["kind"] == EventKind.PETITION and since <= e["at"] <= now))
    criminal = _one_per_case(e for e in events if e["kind"] == EventKind.VIOLENCE and e.get("criminal_risk"))
    violence = _one_per_case(e for e in events if e["kind"] == EventKind.VIOLENCE)
    largest_group = max((int(e.get("size") or 0) for e in events if e["kind"] == EventKind.GROUP), default=0)
    overdue = len(_one_per_case(e for e in events if e["kind"] == EventKind.OVERDUE))

    reasons: list[Reason] = []
    red, yellow = WarningColour.RED, WarningColour.YELLOW
    if criminal:
        reasons.append(Reason(red, "criminal_risk", f"暴力倾向且有民转刑风险 ({len(criminal)})"))
    if petitions >= RED_PETITIONS and largest_group >= RED_GROUP_SIZE:
        text = f"90日内信访{petitions}次，涉及{largest_group}人群体纠纷"
        reasons.append(Reason(red, "repeat_petitions_in_group", text))
    if violence and not criminal:
        reasons.append(Reason(yellow, "violence", f"有暴力倾向 ({len(violence)})"))
    if petitions >= REPEAT_PETITIONS and not any(r.code == "repeat_petitions_in_group" for r in reasons):
        reasons.append(Reason(yellow, "repeat_petitions", f"90日内重复信访{petitions}次"))
    if overdue:
        # "曾": the service is not told when a case closes, so it says only what is true of a closed one too.
        reasons.append(Reason(yellow, "overdue", f"所涉案件曾逾期 ({overdue})"))
    if largest_group >= GROUP_SIZE and not any(r.code == "repeat_petitions_in_group" for r in reasons):
        reasons.append(Reason(yellow, "group", f"涉及{largest_group}人群体纠纷"))
    colour = red if any(r.colour is red for r in reasons) else yellow if reasons else WarningColour.GREEN
    return Assessment(colour, reasons)


def missing_leader(colour: WarningColour, leader: Mapping[str, Any] | None) -> bool:
    """一人一案: a red person without a responsible leader (包案领导) and a plan is a gap in the file."""
    return colour is WarningColour.RED and not leader
