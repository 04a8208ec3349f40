"""A rule across fields, checked by a model validator, refused as an error of the one field it is about."""

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError


def field_error(field: str, message: str, value: object, error_type: str = "value_error") -> ValidationError:
    """What a model validator raises to refuse `field`: pydantic places the error at the field's own location
    (`size`, `parties.0.size` when the model is nested), as a field validator's would be, where a plain
    ValueError is placed at the model's (`(body)` over HTTP, `(message)` on a dead letter).

    `error_type` is the code a client words the refusal by: `missing` for a field the others make required.
    """
    # The message as a context value, never as the template itself: braces in it would be read as placeholders.
    error = PydanticCustomError(error_type, "{message}", {"message": message})
    details: InitErrorDetails = {"type": error, "loc": (field,), "input": value}
    return ValidationError.from_exception_data(field, [details])
