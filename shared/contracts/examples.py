"""Example messages of every contract type, valid and invalid, built from the models so they stay true.

A valid example is generated from the type's JSON Schema (sample values by field name, then the
schema's own enums, constants, formats and bounds) and then validated by the model itself, so a
new message type gets an example without anyone writing one. `OVERRIDES` supplies what the
schema cannot say (a result's agreement, a reopened case's rating). Each invalid example breaks
one rule and names the field a receiver's refusal names.
"""

import copy
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from pydantic import ValidationError

from shared.contracts.dates import YEARS_PATTERN, YEARS_TEXT
from shared.contracts.disputes import NOT_BLANK_PATTERN
from shared.contracts.envelope import Envelope
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH, ACCOUNT_ID_PATTERN, SINGLE_LINE_PATTERN
from shared.contracts.messages import TO_RECIPIENT_AGENCY, Document

COUNTY = "430426"  # 祁东县's statistical division code
CENTRE_UNIT = f"centre:{COUNTY}"  # the county centre (综治中心): the recipient of every report to the centre
AGENCY_UNIT = f"court:{COUNTY}"  # the county court, standing for any agency's unit
CENTRE_SERVICES = frozenset({"intake", "coordinator", "supervision"})
SHANGHAI = timezone(timedelta(hours=8))
OCCURRED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
DUE_AT = datetime(2026, 3, 16, 17, 30, tzinfo=SHANGHAI)
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
_NAMESPACE = uuid5(NAMESPACE_URL, "urn:wuyuan:contracts:examples")

# Values by field name, wherever the field occurs; enums and constants in the schema come first.
FIELD_SAMPLES: dict[str, Any] = {
    "case_id": f"{COUNTY}-20260302-00017",
    "sender": CENTRE_UNIT,  # the envelope's units are set by envelope_units
    "recipient": AGENCY_UNIT,
    "division_code": f"{COUNTY}101",
    "unit": AGENCY_UNIT,
    "successor": f"court:{COUNTY}101",
    "about_unit": AGENCY_UNIT,
    "lead_unit": AGENCY_UNIT,
    "co_units": [f"police:{COUNTY}101"],
    "case_ids": [f"{COUNTY}-20260302-00017", f"{COUNTY}-20260215-00009"],
    "refused_by": "coordinator",
    "summary": "两户村民因宅基地边界发生争执，申请调解。",
    "reason": "宅基地确权不属于本单位职责，建议转自然资源部门。",
    "note": "已约双方当事人3月5日到庭前调解室调解。",
    "comment": "调解及时，结果满意。",
    "terms": "双方确认以现有围墙为界，李某赔偿张某修缮费800元。",
    "name": "张某",
    "masked_name": "张*",
    "officer": "zhou.min",
    "fed_by": "zhou.min",
    "registered_by": "window.li",
    "rated_by": "citizen:rating-link",
    "checked_by": "supervisor.wang",
    "loaded_by": "operator.chen",
    "source_record_id": "(2026)湘0426民诉前调123号",
    "record_id": "(2026)湘0426民诉前调123号",
    "document_number": "祁综治督〔2026〕7号",
    "person_ref": "9f2c4e1a7b3d4c5e8f60718293a4b5c6",
    "due_at": DUE_AT.isoformat(),
    "issued_at": OCCURRED_AT.isoformat(),
    "at": OCCURRED_AT.isoformat(),
    "window_start": datetime(2026, 2, 1, 0, 0, tzinfo=SHANGHAI).isoformat(),
    "signed_on": "2026-03-01",
    "period_from": "2026-02-01",
    "period_to": "2026-02-28",
    "year": 2026,
    "round": 1,
    "revision": 1,
    "pause_number": 1,
    "count": 5,
    "threshold": 3,
    "window_days": 30,
    "overdue_working_days": 3,
}

# What the schema cannot say: fields whose rules depend on other fields.
OVERRIDES: dict[str, dict[str, Any]] = {
    "ResultReported": {
        "result": "mediated",
        "agreement": {"signed_on": "2026-03-01", "terms": FIELD_SAMPLES["terms"]},
    },
    "CaseReopened": {"cause": "dissatisfied", "rating": "dissatisfied", "round": 2},
    "FollowUpRated": {"rating": "satisfied", "round": 1},
    "CalendarYearLoaded": {
        "source": "国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）",
        "holidays": [{"name": "元旦", "days": ["2026-01-01", "2026-01-02", "2026-01-03"]}],
        "working_weekends": ["2026-01-04"],
    },
    "MessageRejected": {
        "rejected_type": "ResultReported",
        "reason": "wrong_unit",
        "detail": f"wrong_unit: the referral was issued to court:{COUNTY}, not to police:{COUNTY}101",
    },
    "RecordLinked": {"reason": "same parties and category within 30 days"},
    "RegisterDispute": {
        "report": {
            "source": "court_filing",
            "category": "neighbour",
            "division_code": f"{COUNTY}101",
            "summary": FIELD_SAMPLES["summary"],
            "parties": [
                {"role": "applicant", "name": "张某"},
                {"role": "respondent", "name": "李某"},
            ],
        }
    },
}


_DROP = object()  # in RULE_BREAKERS: the field is left out
# Bodies that break a rule between fields, which the schemas state too: (name, field refused, reason, changes).
RULE_BREAKERS: dict[str, list[tuple[str, str, str, dict[str, Any]]]] = {
    "ResultReported": [
        (
            "no-result",
            "result",
            "`result` is missing and so is `outcome`: a report names what the handling came to",
            {"result": _DROP, "agreement": _DROP},
        ),
        (
            "outcome-contradicts-result",
            "result",
            "`result` mediated is resolved, but `outcome` says unresolved",
            {"outcome": "unresolved"},
        ),
        (
            "mediated-without-agreement",
            "agreement",
            "`agreement` is missing: a mediated or judicially confirmed result carries the signed agreement",
            {"agreement": _DROP},
        ),
        (
            "handled-with-agreement",
            "agreement",
            "`agreement` is given with a handled result: only a mediated or judicially confirmed one carries it",
            {"result": "handled"},
        ),
        (
            "confirmed-oral-agreement",
            "agreement",
            "`agreement` is oral (`form`) with a judicially confirmed result: 司法确认 is of a written agreement only",
            {
                "result": "judicially_confirmed",
                "agreement": {"signed_on": "2026-03-01", "terms": FIELD_SAMPLES["terms"], "form": "oral"},
            },
        ),
    ],
    "ClockPaused": [
        (
            "other-without-note",
            "note",
            "`note` is missing: a pause for another reason says what the unit waits for",
            {"reason": "other", "note": _DROP},
        ),
    ],
    "RegisterDispute": [
        (
            "no-respondent",
            "report",
            "`report` names no respondent among its parties: a dispute has an applicant and a respondent",
            {
                "report": {
                    **OVERRIDES["RegisterDispute"]["report"],
                    "parties": [{"role": "applicant", "name": "张某"}] * 2,
                }
            },
        ),
    ],
}


# Text that must keep a character once stripped: free and short text, names and numbers, and account ids.
_TEXT_PATTERNS = (NOT_BLANK_PATTERN, SINGLE_LINE_PATTERN, ACCOUNT_ID_PATTERN)


class ExampleError(ValueError):
    """A message type for which no valid example could be built: add what it lacks to OVERRIDES."""


@dataclass(frozen=True)
class InvalidExample:
    name: str
    field: str  # the field a receiver's refusal names
    reason: str
    payload: dict[str, Any]


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _not_null(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """The first branch of an `anyOf` that is not null (an optional field's own schema)."""
    schema = _resolve(schema, root)
    for branch in schema.get("anyOf", ()):
        if _resolve(branch, root).get("type") != "null":
            return _resolve(branch, root)
    return schema


def _fits(sample: Any, schema: dict[str, Any]) -> bool:
    """A sample by name fits only a field of its shape: a `reason` code is not a `reason` sentence."""
    if isinstance(sample, str) and "pattern" in schema:
        return re.search(schema["pattern"], sample) is not None
    return True


def _value(name: str, schema: dict[str, Any], root: dict[str, Any], where: str) -> Any:
    schema = _not_null(schema, root)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("examples"):
        return copy.deepcopy(schema["examples"][0])
    if name in FIELD_SAMPLES and _fits(FIELD_SAMPLES[name], schema):
        return copy.deepcopy(FIELD_SAMPLES[name])
    kind = schema.get("type")
    if kind == "object":
        return _object(schema, root, where)
    if kind == "array":
        return [_value(name, schema.get("items", {}), root, where) for _ in range(max(1, schema.get("minItems", 1)))]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), 1) if kind == "integer" else schema.get("minimum", 0)
    if kind == "string":
        if schema.get("format") == "uuid":
            return str(uuid5(_NAMESPACE, where))
        if schema.get("format") == "date-time":
            return OCCURRED_AT.isoformat()
        if schema.get("format") == "date":
            return OCCURRED_AT.date().isoformat()
        if schema.get("pattern", NOT_BLANK_PATTERN) in _TEXT_PATTERNS:
            return "示例"
    raise ExampleError(f"{where}: no sample for a {kind} field {schema}; add one to FIELD_SAMPLES or OVERRIDES")


def _object(
    schema: dict[str, Any], root: dict[str, Any], where: str, given: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The required properties only (an optional field shows only where OVERRIDES adds it), less those given."""
    if "properties" not in schema:
        return {}
    required = set(schema.get("required", ())) - given
    return {
        name: _value(name, sub, root, f"{where}.{name}")
        for name, sub in schema["properties"].items()
        if name in required
    }


def sends_to_centre_from_agency(model: type[Envelope]) -> bool:
    """A report an agency sends to the centre: addressed to a centre service, by an agency's unit."""
    if not issubclass(model, Document) or model.DESTINATION not in CENTRE_SERVICES:
        return False
    fields = model.model_fields
    return "officer" in fields or "report" in fields or "record_id" in fields


def envelope_units(model: type[Envelope]) -> tuple[str, str]:
    """(sender, recipient): an agency reports to the centre unit; the centre writes to an agency's unit or itself."""
    if sends_to_centre_from_agency(model):
        return AGENCY_UNIT, CENTRE_UNIT
    if issubclass(model, Document) and model.DESTINATION == TO_RECIPIENT_AGENCY:
        return CENTRE_UNIT, AGENCY_UNIT
    return CENTRE_UNIT, CENTRE_UNIT


def valid_example(model: type[Envelope]) -> dict[str, Any]:
    """One valid body of this type, as JSON; raises ExampleError when the model refuses it."""
    schema = model.model_json_schema()
    overrides = copy.deepcopy(OVERRIDES.get(model.TYPE, {}))
    body = _object(schema, schema, model.TYPE, frozenset(overrides))
    sender, recipient = envelope_units(model)
    body.update(
        message_id=str(uuid5(_NAMESPACE, model.TYPE)),
        type=model.TYPE,
        schema_version=model.VERSION,
        sender=sender,
        recipient=recipient,
        occurred_at=OCCURRED_AT.isoformat(),
    )
    if "case_id" in schema.get("required", ()):
        case_schema = _resolve(schema["properties"]["case_id"], schema)
        body["case_id"] = None if case_schema.get("type") == "null" else FIELD_SAMPLES["case_id"]
    body.update(overrides)
    try:
        model.model_validate(body)
    except ValidationError as exc:
        raise ExampleError(f"the generated {model.TYPE} is refused by its model: {exc}") from None
    order = list(schema["properties"])  # the envelope first, as the schema lists the fields
    return dict(sorted(body.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))


def _enum_field(model: type[Envelope]) -> tuple[str, list[str]] | None:
    """The first field of the body (after `type`) whose values are a list of codes, and those codes."""
    schema = model.model_json_schema()
    for name, sub in schema["properties"].items():
        codes = _not_null(sub, schema).get("enum")
        if name != "type" and codes:
            return str(name), [str(code) for code in codes]
    return None


def _first_field(model: type[Envelope], patterns: tuple[str, ...]) -> str | None:
    """The first required field of the body (after the envelope) whose text has one of these patterns."""
    schema = model.model_json_schema()
    envelope = set(Envelope.model_fields)
    for name in schema.get("required", ()):
        if name not in envelope and _not_null(schema["properties"][name], schema).get("pattern") in patterns:
            return str(name)
    return None


def _years_field(model: type[Envelope]) -> str | None:
    """The first required field of the body whose time must be written in one of the accepted years."""
    schema = model.model_json_schema()
    for name in schema.get("required", ()):
        if _not_null(schema["properties"][name], schema).get("pattern") == YEARS_PATTERN:
            return str(name)
    return None


def invalid_examples(model: type[Envelope]) -> list[InvalidExample]:
    """Bodies a receiver refuses (dead letter, reason naming the field): one rule broken in each."""
    valid = valid_example(model)
    envelope = set(Envelope.model_fields)
    required = [name for name in model.model_json_schema().get("required", ()) if name not in envelope]
    missing = required[0] if required else "occurred_at"
    examples = [
        InvalidExample(
            f"missing-{missing}",
            missing,
            f"`{missing}` is required and missing",
            {key: value for key, value in valid.items() if key != missing},
        ),
    ]
    enum_field = _enum_field(model)
    if enum_field:
        name, codes = enum_field
        examples.append(
            InvalidExample(
                f"unknown-{name}",
                name,
                f"`{name}` is 'no_such_code', not one of the codes its schema lists: {', '.join(codes)}",
                {**valid, name: "no_such_code"},
            )
        )
    else:
        examples.append(
            InvalidExample(
                "wrong-type",
                "type",
                f"`type` must be {model.TYPE!r}: a body of another type on this channel is refused",
                {**valid, "type": f"{model.TYPE}Draft"},
            )
        )
    blank = _first_field(model, _TEXT_PATTERNS)
    if blank:
        examples.append(
            InvalidExample(
                f"blank-{blank}",
                blank,
                f"`{blank}` is only spaces: text is read with its surrounding whitespace stripped, and must keep "
                "a character",
                {**valid, blank: " \u3000 "},
            )
        )
    line = _first_field(model, (SINGLE_LINE_PATTERN,))
    if line:
        examples.append(
            InvalidExample(
                f"control-character-{line}",
                line,
                f"`{line}` holds an escape sequence: a name or a number is one line, without control or "
                "bidirectional override characters",
                {**valid, line: "\u001b[31m示例"},
            )
        )
    account = _first_field(model, (ACCOUNT_ID_PATTERN,))
    if account:
        examples += [
            InvalidExample(
                f"control-character-{account}",
                account,
                f"`{account}` holds a line break: an account id has no control character",
                {**valid, account: "zhou.min\nadmin"},
            ),
            InvalidExample(
                f"too-long-{account}",
                account,
                f"`{account}` is {ACCOUNT_ID_MAX_LENGTH + 1} characters: an account id has at most "
                f"{ACCOUNT_ID_MAX_LENGTH}",
                {**valid, account: "z" * (ACCOUNT_ID_MAX_LENGTH + 1)},
            ),
        ]
    dated = _years_field(model)
    if dated:
        examples.append(
            InvalidExample(
                f"out-of-years-{dated}",
                dated,
                f"`{dated}` is in the year 9999: a time must be written {YEARS_TEXT}",
                {**valid, dated: "9999-12-31T23:00:00+08:00"},
            )
        )
    for name, field, reason, changes in RULE_BREAKERS.get(model.TYPE, ()):
        body = {**valid, **changes}
        examples.append(
            InvalidExample(name, field, reason, {key: value for key, value in body.items() if value is not _DROP})
        )
    examples.append(
        InvalidExample(
            "newer-schema_version",
            "schema_version",
            f"`schema_version` {model.VERSION + 1} is newer than this contract's version {model.VERSION} of "
            f"{model.TYPE}: a receiver refuses a version it does not know",
            {**valid, "schema_version": model.VERSION + 1},
        )
    )
    return examples


def example_headers() -> dict[str, str]:
    """AMQP headers of an example: the W3C trace context of the case's trace."""
    return {"traceparent": TRACEPARENT}
