"""Span processors: copy the case id from baggage onto every span, and scrub personal data."""

import re

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from shared.telemetry.propagation import CASE_ID_KEY, case_id_in

# 18-digit resident IDs and 11-digit mobiles, not part of a longer digit run.
PII_PATTERN = re.compile(r"(?<!\d)(\d{17}[\dXx]|1[3-9]\d{9})(?!\d)")


def redact(text: str) -> str:
    return PII_PATTERN.sub("[redacted]", text)


class CaseIdProcessor(SpanProcessor):
    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        case_id = case_id_in(parent_context)
        if case_id:
            span.set_attribute(CASE_ID_KEY, case_id)

    def on_end(self, span: ReadableSpan) -> None:
        pass


class RedactingProcessor(SpanProcessor):
    """Removes ID and phone numbers from string attributes before any exporter sees the span."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        attributes = getattr(span, "_attributes", None)
        if not attributes:
            return
        for key, value in list(attributes.items()):
            if isinstance(value, str) and PII_PATTERN.search(value):
                # BoundedAttributes is immutable once the span ended; write through its dict.
                attributes._dict[key] = redact(value)
