"""`wuyuan reconcile` as an operator runs it from the ops pod: the services at their configured addresses, signed
in as a person or with a token, and no database or state directory touched on the way."""

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SINCE = "2026-12-04T02:30:00+08:00"
ANSWER = {"service": "court_link", "agency": "court", "since": SINCE, "resent": 2, "referrals": []}


class Centre:
    """identity and the coordinator on one loopback port, as the cluster's Services would answer; records
    every request it is sent."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], dict]] = []
        centre = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                centre.requests.append((self.path, dict(self.headers), body))
                if self.path == "/identity/api/v1/sessions":
                    signed_in = body == {"username": "wang.yunwei", "password": "Yunwei-2026-pass"}
                    self.answer(201, {"token": "tok-wang"}) if signed_in else self.answer(401, {"error": "no"})
                elif self.path == "/coordinator/api/v1/reconcile":
                    known = self.headers["Authorization"] in ("Bearer tok-wang", "Bearer eyJ.county-idp.sig")
                    self.answer(200, ANSWER) if known else self.answer(401, {"error": "unauthorized"})
                else:
                    self.answer(404, {"error": "not_found"})

            def answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.requests]


@pytest.fixture
def centre() -> Iterator[Centre]:
    served = Centre()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()


def ops_pod(centre: Centre, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The ops pod's environment: addresses configured, a state directory nothing may be written to, and a
    database server that answers nobody, so the identity database cannot have been used."""
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    keep = {k: v for k, v in os.environ.items() if not k.startswith("WUYUAN_")}
    return {
        **keep,
        "WUYUAN_SERVICE_URLS": json.dumps(
            {"identity": f"{centre.url}/identity", "coordinator": f"{centre.url}/coordinator"}
        ),
        "WUYUAN_STATE_DIR": str(state),
        "WUYUAN_PG_ADMIN_URL": "postgresql://nobody@127.0.0.1:9/postgres",
        **extra,
    }


def reconcile(environment: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wuyuan.cli", "reconcile", "court_link", "--since", SINCE, "--json"],
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_operator_signs_in_at_the_configured_identity_and_reconciles_at_the_configured_coordinator(centre, tmp_path):
    password = tmp_path / "password"
    password.write_text("Yunwei-2026-pass\n", encoding="utf-8")
    environment = ops_pod(centre, tmp_path, WUYUAN_CLI_USERNAME="wang.yunwei", WUYUAN_CLI_PASSWORD_FILE=str(password))

    done = reconcile(environment)

    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["resent"] == 2
    assert centre.paths() == ["/identity/api/v1/sessions", "/coordinator/api/v1/reconcile"]
    _, headers, body = centre.requests[1]
    assert headers["Authorization"] == "Bearer tok-wang"
    assert body == {"service": "court_link", "since": SINCE}
    assert list((tmp_path / "state").iterdir()) == []  # no working account's password kept


def test_a_token_given_on_standard_input_is_sent_with_no_sign_in(centre, tmp_path):
    environment = ops_pod(centre, tmp_path, WUYUAN_CLI_TOKEN_FILE="/dev/stdin")

    done = reconcile(environment, stdin="eyJ.county-idp.sig\n")

    assert done.returncode == 0, done.stdout + done.stderr
    assert centre.paths() == ["/coordinator/api/v1/reconcile"]
    assert centre.requests[0][1]["Authorization"] == "Bearer eyJ.county-idp.sig"


def test_without_credentials_it_names_the_settings_and_calls_nothing(centre, tmp_path):
    done = reconcile(ops_pod(centre, tmp_path))

    assert done.returncode == 1
    refusal = json.loads(done.stdout)
    assert refusal["error"] == "sign_in_not_configured"
    assert "WUYUAN_CLI_USERNAME" in refusal["message"] and "WUYUAN_CLI_TOKEN_FILE" in refusal["message"]
    assert centre.requests == []


def test_a_wrong_password_and_an_unreachable_coordinator_have_their_own_codes(centre, tmp_path):
    password = tmp_path / "password"
    password.write_text("not-the-password", encoding="utf-8")
    person = {"WUYUAN_CLI_USERNAME": "wang.yunwei", "WUYUAN_CLI_PASSWORD_FILE": str(password)}

    refused = reconcile(ops_pod(centre, tmp_path, **person))
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["error"] == "sign_in_refused"

    nowhere = ops_pod(centre, tmp_path, WUYUAN_CLI_TOKEN="eyJ.county-idp.sig")
    nowhere["WUYUAN_SERVICE_URLS"] = json.dumps({"coordinator": "http://127.0.0.1:9"})
    unreachable = reconcile(nowhere)
    assert unreachable.returncode == 1
    answer = json.loads(unreachable.stdout)
    assert answer["error"] == "coordinator_unreachable"
    assert "http://127.0.0.1:9" in answer["message"] and "WUYUAN_SERVICE_URLS.coordinator" in answer["message"]


def test_a_bad_setting_is_named_without_the_values_given(centre, tmp_path):
    environment = ops_pod(centre, tmp_path, WUYUAN_CLI_TOKEN="eyJ.secret-token.sig", WUYUAN_CLI_USERNAME="wang.yunwei")

    done = reconcile(environment)

    assert done.returncode == 1
    answer = json.loads(done.stdout)
    assert answer["error"] == "invalid_setting"
    assert "WUYUAN_CLI_USERNAME 与 WUYUAN_CLI_TOKEN" in answer["message"]
    assert "secret-token" not in done.stdout + done.stderr
