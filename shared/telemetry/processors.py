"""The span processor: copy the case id from baggage onto every span, scrub personal data and credentials."""

import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Status, StatusCode

from shared.telemetry.propagation import CASE_ID_KEY, case_id_in
from shared.telemetry.round_trips import TALLIES

# 18-digit resident IDs and 11-digit mobiles, standing alone: not inside a longer run of digits
# or letters, so UUIDs and trace ids (hex) are left intact; typed in full-width characters or grouped too, as
# intake masks them in free text (shared/contracts/masking.py). In escaped text (a message body shown or
# logged as JSON, a value quoted in a validation error) a number typed after a line break, a tab or
# a character written as an escape follows the escape's last letter or hex digit ('\\n13912345678',
# '\\u300013912345678' after a full-width space): the escape does not join it to a longer run.
# What may stand between a mobile's groups: spaces, or a hyphen or dot with or without spaces around it. The same
# as intake's masking of free text (shared.contracts.masking.SEPARATOR, which a test holds this to); telemetry sits
# below the contracts and imports none of them.
_SPACE = r"[ \u00a0\u2009\u202f\u3000]"  # a space, a no-break or thin one (pasted), an ideographic one
SEPARATOR = rf"(?:{_SPACE}*[-.\u2010-\u2015\uff0d\uff0e\u00b7]{_SPACE}*|{_SPACE}+)?"
# A mobile may come with the country code before it, as intake takes one (+86, 0086 or 86, written in full width
# too): as intake's masking (shared.contracts.masking._COUNTRY), or '+8613800138000' would pass as one longer run.
COUNTRY = rf"(?:(?:[+\uff0b]|00|\uff10\uff10)?[8\uff18][6\uff16]{SEPARATOR})?"
PII_PATTERN = re.compile(
    r"(?:(?<![0-9A-Za-z])|(?<=\\[bfnrt])|(?<=\\x[0-9A-Fa-f]{2})|(?<=\\u[0-9A-Fa-f]{4})|(?<=\\U[0-9A-Fa-f]{8}))"
    rf"(\d{{6}}{SEPARATOR}\d{{4}}{SEPARATOR}\d{{4}}{SEPARATOR}\d{{3}}[\dXx\uff38\uff58]"
    rf"|{COUNTRY}[1\uff11][3-9\uff13-\uff19]\d{SEPARATOR}\d{{4}}{SEPARATOR}\d{{4}})(?![0-9A-Za-z])"
)


# The password of a URI that carries one (`amqp://user:password@host/vhost`): a library that names its connection
# in a span or a log line (nameko's OpenTelemetry instrumentation sets `nameko.amqp.amqp_uri` on every publish
# made inside a span) would hand the service's own broker password to whoever reads traces or logs.
CREDENTIALS = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)[^\s/?#]*@")
# The same in a query or a connection string: `password=…` (libpq's keyword form, a URL's query).
PASSWORD_SETTING = re.compile(r"\b((?:password|passwd|pwd)=)[^&\s]*", re.IGNORECASE)


# Every number PII_PATTERN finds starts with three digits in a row (\\d takes full-width ones too). This search
# has no lookbehind to try at every position, so it rules most texts out (names, statements, ids) at a fraction of
# the cost: every attribute of every span and every value of every log line passes here.
_THREE_DIGITS = re.compile(r"\d{3}")


def redact(text: str) -> str:
    """`text` without ID and mobile numbers, and without the password of any URI in it."""
    if _THREE_DIGITS.search(text) is not None:
        text = PII_PATTERN.sub("[redacted]", text)
    if "://" in text:
        text = CREDENTIALS.sub(r"\1***@", text)
    if "=" in text:
        text = PASSWORD_SETTING.sub(r"\1***", text)
    return text


# The fewest digits a mobile (11) or ID number (15 or 18) has: a smaller integer is a count, an id, a figure.
_SHORTEST_NUMBER = 10**10


def redact_integer(value: int) -> int | str:
    """`value` as it is, or `[redacted]` when its digits are a mobile or ID number (one logged or set as a number
    rather than as text): integers that long are seldom anything else, and the check is skipped for the rest."""
    if -_SHORTEST_NUMBER < value < _SHORTEST_NUMBER or isinstance(value, bool):
        return value
    text = str(value)
    redacted = redact(text)
    return value if redacted == text else redacted


def _redacted_value(value: object) -> object:
    if isinstance(value, str):
        return redact(value) if _needs_redacting(value) else value
    if isinstance(value, int):
        return redact_integer(value)
    return value


def _needs_redacting(text: str) -> bool:
    return (
        (_THREE_DIGITS.search(text) is not None and PII_PATTERN.search(text) is not None)
        or ("://" in text and CREDENTIALS.search(text) is not None)
        or ("=" in text and PASSWORD_SETTING.search(text) is not None)
    )


class CaseSpanProcessor(SpanProcessor):
    """Every span of the platform passes here once as it starts and once as it ends.

    On start it gets the case id the context's baggage carries. On end it writes the round trips the span
    made (shared.telemetry.round_trips), and removes ID and phone numbers, and the password of any URI,
    from its name, attributes and recorded exceptions before any exporter sees it.
    One processor rather than one per concern: the SDK calls each processor for every span,
    and on a busy service those calls add up.
    """

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        case_id = case_id_in(parent_context)
        if case_id:
            span.set_attribute(CASE_ID_KEY, case_id)
            BACKFILL.remember(span.get_span_context().trace_id, case_id)

    def on_end(self, span: ReadableSpan) -> None:
        if span.parent is not None:  # a trace with more than its root did something (IdleTicks)
            IDLE_TICKS.saw_work(span.parent.trace_id)
        # Ended spans are read-only through the API; the SDK's fields are written directly.
        name = getattr(span, "_name", None)
        if isinstance(name, str):
            span._name = redact(name)
        attributes = getattr(span, "_attributes", None)
        _scrub(attributes)
        context = span.get_span_context()
        tally = TALLIES.take(context.span_id) if context is not None else None
        target = getattr(attributes, "_dict", None)
        if tally is not None and isinstance(target, dict):
            target.update(tally)
        for event in getattr(span, "_events", None) or ():  # recorded exceptions carry messages
            _scrub(event.attributes)
        status = getattr(span, "_status", None)  # an error's description is its exception's text
        description = getattr(status, "description", None)
        if isinstance(status, Status) and isinstance(description, str) and _needs_redacting(description):
            span._status = Status(status.status_code, redact(description))


def _scrub(attributes: Mapping[str, object] | None) -> None:
    if not attributes:
        return
    # BoundedAttributes is immutable once the span ended; write through its dict.
    target: object = getattr(attributes, "_dict", attributes)
    if not isinstance(target, dict):
        return
    for key, value in list(target.items()):
        if isinstance(value, tuple | list):
            scrubbed = tuple(_redacted_value(v) for v in value)
            if scrubbed != tuple(value):
                # A sequence attribute holds one type: a redacted integer makes the whole of it text.
                target[key] = tuple(str(v) for v in scrubbed) if any(isinstance(v, str) for v in scrubbed) else scrubbed
        else:
            scrubbed_value = _redacted_value(value)
            if scrubbed_value is not value:
                target[key] = scrubbed_value


SEVERAL_CASES = ""  # what a trace that served several cases is remembered as: no case


class CaseIdBackfill:
    """Remembers which case a trace belongs to, for spans that ended before the case id was known.

    Intake looks for repeats and allocates the case number before the case exists; those
    few database spans are exported a moment later, when the trace's case is known.
    """

    def __init__(self, capacity: int = 20_000) -> None:
        self.capacity = capacity
        self._cases: OrderedDict[int, str] = OrderedDict()

    def remember(self, trace_id: int, case_id: str) -> None:
        if self._cases.get(trace_id) == SEVERAL_CASES:
            return  # a request that served several cases stays nobody's
        self._cases[trace_id] = case_id
        self._cases.move_to_end(trace_id)
        while len(self._cases) > self.capacity:
            self._cases.popitem(last=False)

    def case_of(self, trace_id: int) -> str | None:
        return self._cases.get(trace_id) or None

    def forget(self, trace_id: int) -> None:
        """The trace turned out to serve several cases: none of them is its spans' case, now or later."""
        self._cases[trace_id] = SEVERAL_CASES
        self._cases.move_to_end(trace_id)


BACKFILL = CaseIdBackfill()


class IdleTicks:
    """Tells a timer's tick that found nothing to do, whose span is not written.

    Supervision's timers alone tick several times a second: on an idle platform their spans were nine in ten of
    what it wrote, and pushed the spans of cases, which are read days later, out of the rotated trace files. A tick
    is idle when its span is its trace's only one (no slow round trip, no case's work, which goes on in the case's
    own trace), ended without an error or an exception, and took less than a second. The traces that had more than
    their root are remembered, a bounded number of them, as their spans end: before the root's.
    """

    TIMER_ATTRIBUTE = "nameko.timer.interval"  # what nameko's instrumentation sets on a timer's entrypoint span
    LONGEST_NS = 1_000_000_000

    def __init__(self, capacity: int = 20_000) -> None:
        self.capacity = capacity
        self._working: OrderedDict[int, None] = OrderedDict()

    def saw_work(self, trace_id: int) -> None:
        if trace_id in self._working:
            return
        self._working[trace_id] = None
        if len(self._working) > self.capacity:
            self._working.popitem(last=False)

    def idle(self, span: ReadableSpan) -> bool:
        attributes = span.attributes or {}
        context = span.get_span_context()
        return (
            span.parent is None
            and self.TIMER_ATTRIBUTE in attributes
            and span.status.status_code is not StatusCode.ERROR
            and not span.events
            and span.start_time is not None
            and span.end_time is not None
            and span.end_time - span.start_time < self.LONGEST_NS
            and context is not None
            and context.trace_id not in self._working
        )


IDLE_TICKS = IdleTicks()


class BackfillingExporter(SpanExporter):
    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        spans = [span for span in spans if not IDLE_TICKS.idle(span)]
        if not spans:
            return SpanExportResult.SUCCESS
        for span in spans:
            attributes = getattr(span, "_attributes", None)
            span_context = span.get_span_context()
            if attributes is not None and span_context is not None and CASE_ID_KEY not in attributes:
                case_id = BACKFILL.case_of(span_context.trace_id)
                if case_id:
                    attributes._dict[CASE_ID_KEY] = case_id
        return self.inner.export(spans)

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)
