"""The directory file: the sample reads, and an entry that cannot be read is named."""

from pathlib import Path

import pytest

from services.justice_link.directory import DirectoryError, load_directory, read_directory

ORG = {
    "code": "zt-xintang",
    "name": "新塘村人民调解委员会",
    "kind": "village_committee",
    "unit": "justice:430426101",
    "covers": ["430426101203"],
    "specialties": ["neighbour"],
}
MEDIATOR = {"code": "m1", "name": "陈国平", "organisation": "zt-xintang", "specialties": ["neighbour"]}


def test_the_sample_for_430426_reads() -> None:
    directory = load_directory(Path(__file__).parents[3] / "config")
    assert {o.kind.value for o in directory.organisations} == {
        "village_committee",
        "township_committee",
        "industry",
        "studio",
    }
    assert all(o.unit.startswith("justice:430426") for o in directory.organisations)


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"organisations": [{**ORG, "covers": ["4304"]}]}, "organisations[0] (zt-xintang).covers.0"),
        ({"organisations": [{**ORG, "specialties": ["gossip"]}]}, "organisations[0] (zt-xintang).specialties.0"),
        ({"organisations": [ORG, {**ORG, "name": "又一个"}]}, "organisations[1] (zt-xintang).code: used twice"),
        (
            {"organisations": [ORG], "mediators": [{**MEDIATOR, "organisation": "nowhere"}]},
            "mediators[0] (m1).organisation: unknown organisation 'nowhere'",
        ),
        ({"organisations": [ORG], "mediators": [{**MEDIATOR, "phone": "139"}]}, "mediators[0] (m1).phone"),
        ({"committees": []}, "unknown table 'committees'"),
    ],
)
def test_a_wrong_entry_is_named(raw: dict, named: str) -> None:
    with pytest.raises(
        DirectoryError, match=named.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")
    ):
        read_directory(raw)
