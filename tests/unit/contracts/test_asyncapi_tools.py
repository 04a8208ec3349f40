"""The official AsyncAPI parser accepts the generated contract, and Ajv (JSON Schema 2020-12) agrees with every example.

Runs `tools/asyncapi/check.mjs` under Node (installed by scripts/ensure-asyncapi.sh, which `make test` runs
first). Skipped only when there is no `node` at all; a Node without the tool's packages is a failure.
"""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shared.contracts.envelope import Envelope
from shared.contracts.examples import valid_example
from shared.contracts.export import ASYNCAPI_FILE, INVALID_DIR, message_schema, published_models, write
from shared.contracts.messages import (
    CalendarYearLoaded,
    CaseReopened,
    ClockPaused,
    DeadlineChanged,
    LinkRecordNoted,
    PauseReason,
    RegisterDispute,
    ResultReported,
)
from shared.contracts.vocabulary import Outcome, Rating, ReopenCause, ResultCode
from wuyuan.contracts_export import broker_facts

TOOL = Path(__file__).resolve().parents[3] / "tools" / "asyncapi"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed: run scripts/ensure-asyncapi.sh (make test does) to check the contract"
)


def run_check(contract_dir: Path) -> tuple[int, dict[str, Any]]:
    assert NODE is not None
    if not (TOOL / "node_modules" / "@asyncapi" / "parser").is_dir():
        pytest.fail(f"the AsyncAPI parser is not installed: run scripts/ensure-asyncapi.sh (npm ci in {TOOL})")
    done = subprocess.run(
        [NODE, str(TOOL / "check.mjs"), str(contract_dir)], capture_output=True, text=True, timeout=180, check=False
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"check.mjs printed no report (exit {done.returncode}): {done.stderr[-2000:]}")
    return done.returncode, report


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any]]:
    """The check's exit code and report on a freshly generated contract (the parser takes seconds: once)."""
    directory = tmp_path_factory.mktemp("contract")
    write(directory, broker_facts())
    return run_check(directory)


def test_the_asyncapi_parser_finds_no_error_in_the_contract(checked):
    returncode, report = checked

    errors = [d for d in report["document"]["diagnostics"] if d["severity"] == "error"]
    assert not errors, errors
    assert report["document"]["parsed"] is True
    assert report["document"]["messages"] == len(published_models())
    assert returncode == 0, report["wrong"]


def test_every_valid_example_passes_its_json_schema_and_every_invalid_one_fails_on_its_field(checked):
    _, report = checked

    by_type: dict[str, list[dict[str, Any]]] = {}
    for result in report["examples"]:
        by_type.setdefault(result["type"], []).append(result)
    assert set(by_type) == {model.TYPE for model in published_models()}
    for message_type, results in by_type.items():
        valid = [r for r in results if r["example"] == "valid"]
        assert [r["accepted"] for r in valid] == [True], (message_type, valid)
        invalid = [r for r in results if r["example"] != "valid"]
        assert len(invalid) >= 3, message_type
        for result in invalid:
            assert result["accepted"] is False, (message_type, result)
            assert result["expectedField"] in result["fields"], (message_type, result)
    assert report["wrong"] == []


def test_the_check_fails_on_a_broken_reference_and_on_an_invalid_example_that_passes(tmp_path):
    write(tmp_path, broker_facts())
    document = json.loads((tmp_path / ASYNCAPI_FILE).read_text(encoding="utf-8"))
    document["operations"]["coordinator.sendCaseClosed"]["channel"] = {"$ref": "#/channels/nowhere"}
    (tmp_path / ASYNCAPI_FILE).write_text(json.dumps(document), encoding="utf-8")
    invalid_file = tmp_path / INVALID_DIR / "CaseClosed.json"
    invalid = json.loads(invalid_file.read_text(encoding="utf-8"))
    valid_body = json.loads((tmp_path / "examples" / "valid" / "CaseClosed.json").read_text(encoding="utf-8"))
    invalid["examples"][0]["payload"] = valid_body  # claims to be invalid, but is not
    invalid_file.write_text(json.dumps(invalid), encoding="utf-8")

    returncode, report = run_check(tmp_path)

    assert returncode == 1
    assert any(d["code"] == "invalid-ref" for d in report["document"]["diagnostics"])
    assert [(w["type"], w["example"]) for w in report["wrong"]] == [("CaseClosed", invalid["examples"][0]["name"])]


# Ajv as the example agency and most JavaScript receivers run it: every schema, then one verdict per body.
_VERDICTS = """
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;
const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validators = {};
console.log(JSON.stringify(cases.map(([type, schema, body]) => {
  validators[type] ??= ajv.compile(schema);
  return validators[type](body);
})));
"""
_ABSENT = object()
# Times around the ends of the years 1900 to 2100 and of Python's calendar, in offsets either side of UTC.
_EDGE_TIMES = [
    f"{day}T{time}{offset}"
    for day in ("0001-01-01", "1899-12-31", "1900-01-01", "2026-12-01", "2100-12-31", "2101-01-01", "9999-12-31")
    for time in ("00:00:00", "23:59:59.999")
    for offset in ("Z", "+14:00", "-12:00", "+08:00")
]
_WHITESPACE = ["\t", "\n", "\x0b", "\x0c", "\r", " ", "\x85", "\xa0", "\u1680", "\u2000", "\u200a", "\u2028", "\u3000"]


def _with(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changed = {**body, **changes}
    return {key: value for key, value in changed.items() if value is not _ABSENT}


def _rule_bodies() -> list[tuple[type[Envelope], dict[str, Any]]]:
    """Bodies around each rule between fields, blank text and the years a time is written in, that the models
    refuse or take."""
    result = valid_example(ResultReported)
    agreement = result["agreement"]
    bodies: list[tuple[type[Envelope], dict[str, Any]]] = [
        (ResultReported, _with(result, result=code, outcome=outcome, agreement=given))
        for code in [*ResultCode, None, _ABSENT]
        for outcome in [*Outcome, None, _ABSENT]
        for given in (agreement, None, _ABSENT)
    ]
    pause = valid_example(ClockPaused)
    bodies += [
        (ClockPaused, _with(pause, reason=reason, note=note))
        for reason in PauseReason
        for note in ("等待当事人补交材料", " ", None, _ABSENT)
    ]
    deadline = valid_example(DeadlineChanged)
    bodies += [
        (DeadlineChanged, _with(deadline, paused=paused, paused_at=at, reason=reason))
        for paused in (True, False)
        for at in (deadline["due_at"], None, _ABSENT)
        for reason in ("appraisal", None, _ABSENT)
    ]
    reopened = valid_example(CaseReopened)
    bodies += [
        (CaseReopened, _with(reopened, cause=cause, rating=rating))
        for cause in [*ReopenCause, _ABSENT]
        for rating in [*Rating, None, _ABSENT]
    ]
    feed = valid_example(RegisterDispute)
    person = {"role": "respondent", "name": "李某", "id_number": "430426199001011235"}
    bodies += [
        (RegisterDispute, _with(feed, report={**feed["report"], "parties": parties}))
        for parties in (
            [{"role": "applicant", "name": "张某"}, person],
            [{"role": "applicant", "name": "张某"}, {**person, "kind": "organisation"}],
            [{"role": "applicant", "name": "张某"}, {**person, "role": "applicant"}],
            [{"role": "respondent", "name": "张某"}, person],
        )
    ]
    noted = valid_example(LinkRecordNoted)
    bodies += [(LinkRecordNoted, _with(noted, at=at)) for at in _EDGE_TIMES]
    bodies += [(ResultReported, _with(result, summary=f"{space}{space}")) for space in _WHITESPACE]
    bodies += [(ResultReported, _with(result, summary=f"{space}办结{space}")) for space in _WHITESPACE]
    return bodies


def _accepted_by_model(model: type[Envelope], body: dict[str, Any]) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


def _schema_verdicts(bodies: list[tuple[type[Envelope], dict[str, Any]]]) -> list[bool]:
    """Whether Ajv takes each body by its type's published schema."""
    cases = [(model.TYPE, message_schema(model), body) for model, body in bodies]
    assert NODE is not None
    done = subprocess.run(
        [NODE, "-e", _VERDICTS], input=json.dumps(cases), cwd=TOOL, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    verdicts: list[bool] = json.loads(done.stdout)
    return verdicts


def test_the_json_schemas_refuse_what_the_models_refuse_between_fields_in_blank_text_and_in_years():
    bodies = _rule_bodies()

    verdicts = _schema_verdicts(bodies)

    disagreements = [
        (model.TYPE, body, schema_says)
        for (model, body), schema_says in zip(bodies, verdicts, strict=True)
        if schema_says != _accepted_by_model(model, body)
    ]
    assert not disagreements, disagreements[:5]
    assert True in verdicts and False in verdicts
    dated = [says for (model, _), says in zip(bodies, verdicts, strict=True) if model is LinkRecordNoted]
    assert dated.count(True) == 3 * 2 * 4  # 1900-01-01, 2026-12-01 and 2100-12-31 in every offset, no other day


# Account ids (who acted): as long as a token's subject may be, and around the control characters refused in them.
_ACCOUNTS_TAKEN = [
    "liu.yang",
    "citizen:rating-link",
    "周敏",
    "zhou min",
    "zhou\u2028min",
    "a" * 50,
    "a" * 51,
    "w" * 64,
    "z" * 200,
    " liu.yang ",
    "\tliu.yang\r\n",
    "liu.yang \t \u3000",
    "\u0085liu.yang\u0085",
]
_ACCOUNTS_REFUSED = [
    "z" * 201,
    "",
    " ",
    "\t\n",
    "\u3000",
    "liu.yang\nadmin",
    "liu\tyang",
    "liu.yang\t x",
    "\x00liu.yang",
    "liu.yang\x7f",
    "liu\x85yang",
    "\x1b[31mliu.yang",
    "liu.yang\x9f",
]


def test_the_json_schemas_take_exactly_the_account_ids_the_models_take():
    result, feed, loaded = (valid_example(model) for model in (ResultReported, RegisterDispute, CalendarYearLoaded))
    accounts = _ACCOUNTS_TAKEN + _ACCOUNTS_REFUSED
    bodies: list[tuple[type[Envelope], dict[str, Any]]] = [
        *((ResultReported, _with(result, officer=account)) for account in accounts),
        *((RegisterDispute, _with(feed, fed_by=account)) for account in accounts),
        *((CalendarYearLoaded, _with(loaded, loaded_by=account)) for account in accounts),
    ]

    verdicts = _schema_verdicts(bodies)

    by_model = [_accepted_by_model(model, body) for model, body in bodies]
    expected = [account in _ACCOUNTS_TAKEN for account in accounts] * 3
    assert verdicts == by_model == expected
