"""Idempotency keys: which keys are taken, what makes two requests the same, and that every write endpoint takes one."""

import importlib
import inspect
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder

from shared.auth.principal import Principal, Role
from shared.http import PUBLIC, ApiHandler, BadInput, _keyed, allow
from shared.persistence.idempotency import (
    KEY_HEADER,
    MAX_KEY_LENGTH,
    BadKey,
    checked_key,
    fingerprint,
    should_keep,
)
from shared.runtime.dependencies import Database

REPO = Path(__file__).resolve().parents[3]
CLERK = Principal("wang.clerk", "王办事员", frozenset())

# Endpoints that change state but keep no answer, and why.
NOT_KEYED = {("identity", "POST", "/api/v1/sessions"): "a sign-in's answer is a bearer token, never stored"}


def keyed_request(key: str | None, body: bytes = b'{"a": 1}', path: str = "/api/v1/disputes"):
    headers = {KEY_HEADER: key} if key is not None else {}
    request = EnvironBuilder(
        method="POST", path=path, data=body, content_type="application/json", headers=headers
    ).get_request()
    return _keyed(request, CLERK)


# --- the key ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["a", "6f1d2c1e-8f0b-4a8e-9d7e-0c2b7f4d1a9b", "x" * MAX_KEY_LENGTH, "form 12/3 ~ok"])
def test_printable_ascii_keys_up_to_the_limit_are_taken(key):
    assert checked_key(key) == key


@pytest.mark.parametrize(
    ("key", "says"),
    [("", "empty"), ("x" * (MAX_KEY_LENGTH + 1), "at most"), ("键", "printable ASCII"), ("a\tb", "printable ASCII")],
)
def test_other_keys_are_refused_saying_why(key, says):
    with pytest.raises(BadKey, match=says):
        checked_key(key)


def test_a_bad_key_is_a_400_naming_the_header():
    with pytest.raises(BadInput) as refused:
        keyed_request("x" * 201)

    [field] = refused.value.fields
    assert field["field"] == KEY_HEADER
    assert ApiHandler("POST", "/x", access=PUBLIC).response_from_exception(refused.value).status_code == 400


def test_no_header_means_no_key():
    assert keyed_request(None) is None


def test_a_key_belongs_to_its_caller_and_names_its_request():
    keyed = keyed_request("k-1")

    assert keyed is not None
    assert (keyed.key, keyed.subject) == ("k-1", "wang.clerk")
    assert keyed.fingerprint == fingerprint("POST", "/api/v1/disputes", b'{"a": 1}')


def test_a_key_to_an_endpoint_whose_body_holds_secrets_keeps_no_hash_of_the_body():
    body = b'{"current_password": "wuyuan-2026-correct", "new_password": "wuyuan-2027-changed"}'
    request = EnvironBuilder(
        method="POST", path="/api/v1/me/password", data=body, content_type="application/json", headers={KEY_HEADER: "k"}
    ).get_request()

    keyed = _keyed(request, CLERK, with_body=False)

    assert keyed is not None and keyed.fingerprint == fingerprint("POST", "/api/v1/me/password", b"")


# --- what makes two requests the same ---------------------------------------------------------


def test_the_same_method_path_and_body_are_the_same_request():
    assert fingerprint("POST", "/p", b"{}") == fingerprint("post", "/p", b"{}")


@pytest.mark.parametrize(
    "other",
    [("PUT", "/p", b"{}"), ("POST", "/q", b"{}"), ("POST", "/p", b'{"a":1}'), ("POST", "/p{", b"}")],
)
def test_any_difference_is_another_request(other):
    assert fingerprint("POST", "/p", b"{}") != fingerprint(*other)


def test_a_server_error_undoes_the_change_and_anything_else_keeps_it():
    assert [should_keep(status) for status in (200, 201, 400, 409, 500, 503)] == [True] * 4 + [False] * 2


# --- every state-changing endpoint takes a key ----------------------------------------------


def write_endpoints() -> list[tuple[str, str, str, type, bool]]:
    """(service, method, url, service class, takes a key) for every @api that can change state, in every service."""
    modules = [*sorted(REPO.glob("services/*/service.py")), REPO / "shared/agency/service.py"]
    found: dict[tuple[str, str, str], tuple[str, str, str, type, bool]] = {}
    for path in modules:
        module = importlib.import_module(".".join(path.relative_to(REPO).with_suffix("").parts))
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for _, function in inspect.getmembers(cls, inspect.isfunction):
                for entrypoint in getattr(function, "nameko_entrypoints", ()):
                    if isinstance(entrypoint, ApiHandler) and entrypoint.method != "GET":
                        service = getattr(cls, "name", cls.__name__)
                        key = (service, entrypoint.method, entrypoint.url)
                        found[key] = (*key, cls, entrypoint.takes_key)
    return sorted(found.values(), key=lambda e: e[:3])


def test_every_state_changing_endpoint_takes_a_key_and_keeps_its_answer_in_its_own_database():
    endpoints = write_endpoints()

    assert len(endpoints) >= 35, "the enumeration missed services: it found too few endpoints"
    untaken = [(service, method, url) for service, method, url, _, takes in endpoints if not takes]
    assert set(untaken) == set(NOT_KEYED)
    without_database = [
        (service, url)
        for service, _, url, cls, _ in endpoints
        if not any(isinstance(value, Database) for value in vars(cls).values())
        and not any(isinstance(value, Database) for base in cls.__mro__ for value in vars(base).values())
    ]
    assert without_database == []


def test_reads_take_no_key_and_an_endpoint_can_opt_out():
    assert not ApiHandler("GET", "/x", access=PUBLIC).takes_key
    assert ApiHandler("PATCH", "/x", access=allow(Role.OPERATOR)).takes_key
    assert not ApiHandler("POST", "/x", access=PUBLIC, idempotent=False).takes_key
