"""What the HTTP layer answers for an exception a handler raised, for service tests that call handlers directly."""

import json

from shared.http import PUBLIC, ApiHandler

# The one answer to a number another unit holds, whoever holds it: which input, and nothing of the holder or record.
NUMBER_TAKEN_MESSAGE = "number_taken: {field} is taken: it cannot be registered again"


def answered(exc: Exception) -> tuple[int, str]:
    """The status and body an API endpoint answers with for `exc`."""
    response = ApiHandler("POST", "/", access=PUBLIC).response_from_exception(exc)
    return response.status_code, response.get_data(as_text=True)


def number_taken(field: str) -> dict[str, object]:
    """The body of the 409 for a number another unit holds, sent in `field`."""
    message = NUMBER_TAKEN_MESSAGE.format(field=field)
    reason = message.removeprefix("number_taken: ")
    return {
        "error": "conflict",
        "message": message,
        "code": "number_taken",
        "detail": {"field": field},
        "fields": [{"field": field, "message": reason, "type": "number_taken"}],
    }


def number_taken_body(field: str) -> str:
    """`number_taken(field)` as the exact bytes sent, to compare answers byte for byte."""
    return json.dumps(number_taken(field), ensure_ascii=False)
