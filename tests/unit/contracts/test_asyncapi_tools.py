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

from shared.contracts.export import ASYNCAPI_FILE, INVALID_DIR, published_models, write
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
