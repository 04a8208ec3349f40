"""structlog JSON logs carrying service, case and trace ids, with ID and phone numbers redacted."""

import json
import logging
import re
import sys
import time
from collections.abc import Callable
from typing import Any

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, Processor, WrappedLogger

from shared.telemetry.processors import redact, redact_integer
from shared.telemetry.propagation import CASE_ID_KEY, case_id_in, current_trace_ids


def _add_trace_context(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    trace_id, span_id = current_trace_ids()
    if trace_id:
        event_dict.setdefault("trace_id", trace_id)
        event_dict.setdefault("span_id", span_id)
    # nameko logs a worker's error after the handler's case scope has ended; the entrypoint's
    # span still knows the case then.
    case_id = case_id_in() or _case_id_of_current_span()
    if case_id:
        event_dict.setdefault("case_id", case_id)
    return event_dict


def _case_id_of_current_span() -> str | None:
    attributes = getattr(trace.get_current_span(), "attributes", None) or {}
    value = attributes.get(CASE_ID_KEY)
    return str(value) if value else None


def _redact_values(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    for key, value in event_dict.items():
        if not isinstance(value, _PLAIN) or isinstance(value, int):
            event_dict[key] = _redacted(value, _MAX_DEPTH)
    return event_dict


_PLAIN = (bool, int, float, type(None))
# Deeper than any field a line of ours carries; what lies below is written as its text, redacted.
_MAX_DEPTH = 8


def _redacted(value: object, depth: int) -> object:
    """`value` as the line will write it, with ID and mobile numbers and URI passwords taken out at every level: a
    field may be a list of refused fields, a message's headers, a model; anything JSON has no form for is written
    as its text (the renderer's `default=str`), so that text is what is redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int):  # a bool too, which redact_integer keeps
        return redact_integer(value)
    if isinstance(value, _PLAIN):
        return value
    if depth > 0 and isinstance(value, dict):
        return {redact(str(k)): _redacted(v, depth - 1) for k, v in value.items()}
    if depth > 0 and isinstance(value, list | tuple | set | frozenset):
        return [_redacted(v, depth - 1) for v in value]
    return redact(str(value))


def _add_stdlib_extras(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    record = event_dict.get("_record")
    if record is not None:
        for key, value in record.__dict__.items():
            if key not in _STANDARD_RECORD_KEYS and not key.startswith("_"):
                event_dict.setdefault(key, value)
    return event_dict


_STANDARD_RECORD_KEYS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


# Characters JSON may carry raw that line readers (Python's splitlines, some log shippers) take for a line
# break: a value holding one would cut a log line in two, or forge the next.
_LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def one_line_json(value: object, **dumps: Any) -> str:
    """json.dumps keeping Chinese readable (ensure_ascii=False) and every record on one line."""
    text = json.dumps(value, **dumps)
    for raw, escaped in _LINE_BREAKS.items():
        text = text.replace(raw, escaped)
    return text


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route structlog and the standard library (nameko, kombu) through one JSON renderer."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        lambda _l, _m, event_dict: {"service": service, **event_dict},
        _add_trace_context,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, _add_stdlib_extras, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redact_values,
            structlog.processors.JSONRenderer(serializer=one_line_json, ensure_ascii=False, default=str),
        ],
    )
    # No line carries the thread or process a record was made in, and under eventlet finding the
    # thread is the dearest part of a record: the green `threading.current_thread()` runs twice per
    # line (ProcessorFormatter copies the record). The logging cookbook's switches leave it out.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    # Nor the file, line and function a line was logged from: finding them walks the stack for every line
    # (structlog's own search, a sixth of a line's cost). The logging HOWTO's switch ("Optimization").
    logging._srcfile = None
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    handler.addFilter(RepeatedLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("kombu", "amqp", "urllib3", "psycopg.pool"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


class Throttle:
    """Repeated warnings, held to one line per event and key every `seconds`.

    The line that passes after a quiet spell says how many repeats were held back since the last
    one (`suppressed`), so an operator sees both that it goes on and how often.
    """

    MAX_KEYS = 1024  # distinct keys remembered; older ones are forgotten first

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if seconds <= 0:
            raise ValueError("seconds must be positive")
        self.seconds = seconds
        self.clock = clock
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}  # (event, key) -> (last written, held back)

    def admit(self, event: str, key: object = "") -> int | None:
        """None when this line is to be held back; else how many were held back before it."""
        now = self.clock()
        entry = (event, str(key))
        last = self._seen.get(entry)
        if last is not None and now - last[0] < self.seconds:
            self._seen[entry] = (last[0], last[1] + 1)
            return None
        self._seen.pop(entry, None)
        if len(self._seen) >= self.MAX_KEYS:
            del self._seen[next(iter(self._seen))]
        self._seen[entry] = (now, 0)
        return last[1] if last is not None else 0

    def warning(self, logger: logging.Logger, event: str, key: object = "", **fields: Any) -> bool:
        """Log `event` as a warning unless it was logged for `key` within the last `seconds`; True if written."""
        suppressed = self.admit(event, key)
        if suppressed is None:
            return False
        logger.warning(event, extra={**fields, "suppressed": suppressed, "repeat_seconds": self.seconds})
        return True


# Exceptions that say a dependency is away (the database, the broker) rather than that something is wrong with one
# piece of work: while it lasts, every worker and every reconnect attempt fails the same way.
_OUTAGES = (
    "OperationalError",
    "PoolTimeout",
    "StoreUnavailable",
    "StoreDown",
    "CalendarNotRead",
    "ConnectionError",
    "RecoverableConnectionError",
)
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_WORKER_ERRORS = ("error handling worker %s: %s", "(expected) error handling worker %s: %s")


class RepeatedLines(logging.Filter):
    """Lines that repeat themselves while a dependency is away, held to one a minute each, the next one saying how
    many were held back (`suppressed`): psycopg's pool (a line per reconnect attempt, one a second), a worker that
    failed because the database or broker is away (every worker of an outage), and the outbox relay's failed
    passes. An expected error (bad input, a refusal: the client's, answered 4xx) keeps its one line without the
    traceback nameko adds, which says nothing the line does not. Everything else passes untouched."""

    SECONDS = 60.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.throttle = Throttle(self.SECONDS, clock)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        failure = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        if record.msg == _WORKER_ERRORS[1]:  # nameko's traceback of an error the entrypoint expects
            record.exc_info, record.exc_text = None, None
        args = record.args if isinstance(record.args, tuple) else ()
        if record.name.startswith("psycopg.pool"):
            # The error: a refusal, then a wrong password, each written. Not which connection: a line per discarded
            # connection names its object's address, which would make each one new.
            key = _ADDRESS.sub("", str(args[-1]))[:120] if args else ""
        elif record.msg in _WORKER_ERRORS and failure in _OUTAGES:
            entrypoint = getattr(getattr(args[0] if args else None, "entrypoint", None), "method_name", "")
            key = f"{entrypoint}:{failure}"
        elif record.name == "shared.runtime.relay" and failure in _OUTAGES:
            key = failure
        else:
            return True
        held = self.throttle.admit(f"{record.name}:{record.msg}", key)
        if held is None:
            return False
        record.suppressed, record.repeat_seconds = held, self.SECONDS
        return True
