"""What an agency record's details are refused for: each field pydantic names, with the kind of error."""

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError


def refused_fields(model: type[BaseModel], details: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as refusal:
        model.model_validate(details)
    return {".".join(map(str, error["loc"])): error["type"] for error in refusal.value.errors()}
