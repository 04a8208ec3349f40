"""What the load's window staff file (`make bench` and `make chaos`): walk-in disputes in one village."""

from collections.abc import Sequence


def walk_in_dispute(summary: str, party_tag: str, category: str, phone: str) -> dict[str, object]:
    """A walk-in dispute between two named parties; `party_tag` keeps their names apart from other filings'."""
    return {
        "source": "walk_in",
        "category": category,
        "division_code": "430426101203",
        "summary": summary,
        "parties": [
            {"role": "applicant", "name": f"申请人{party_tag}", "phone": phone},
            {"role": "respondent", "name": f"被申请人{party_tag}"},
        ],
    }


def in_turn(categories: Sequence[str], index: int) -> str:
    """The categories taken in turn, so a run's mix of single-unit and joint cases is the same every time."""
    return categories[index % len(categories)]
