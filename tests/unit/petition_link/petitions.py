"""Petitions as the register keeps them, for the unit tests: realistic defaults, each test names what it cares about."""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.petition_link.domain import persons
from services.petition_link.domain.model import OtherSide, Petition, PetitionForm
from shared.contracts.vocabulary import Category, PartyKind

SECRET = b"a petition key secret of 32 byte"
DENG = persons.petitioner("邓小勇", "430426198507120012", "13786543210", SECRET)
LIU = persons.petitioner("刘桂香", None, "13907341122", SECRET)
WANG = persons.petitioner("王五", None, None, SECRET)  # neither ID number nor mobile


def petition(number: str, received_on: date = date(2026, 11, 2), **fields: Any) -> Petition:
    """A letter from Deng Xiaoyong about unpaid wages, against a construction company."""
    defaults: dict[str, Any] = {
        "unit": "petition:430426",
        "form": PetitionForm.LETTER,
        "petitioners": (DENG,),
        "group_size": 1,
        "category": Category.WAGES,
        "division_code": "430426105",
        "summary": "反映某建筑公司拖欠工资。",
        "litigation_reason": None,
        "repeat_of": None,
        "matter": number,
        "respondents": (OtherSide(PartyKind.ORGANISATION, "祁东县某建筑有限公司"),),
        "fingerprint": "f" * 64,
        "registered_by": "xu.jing",
        "registered_at": datetime(2026, 11, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
    }
    return Petition(number=number, received_on=received_on, **{**defaults, **fields})
