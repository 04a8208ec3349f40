"""The embedded issuer's accounts and signing keys, managed from the operator's host (`wuyuan account`, `auth`)."""

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row
from pydantic import TypeAdapter, ValidationError

from services.identity import handlers
from services.identity.dependencies import Passwords
from services.identity.domain import AccountError
from services.identity.store import PostgresAccountStore
from shared import clock
from shared.auth.principal import Role
from shared.auth.signing import SigningKeys
from shared.centres import county_centres
from shared.contracts.identifiers import UnitCode
from shared.persistence.transaction import transaction
from shared.registry import CENTRE, load_registry
from shared.wording import load_places
from wuyuan.secrets import kept_secret
from wuyuan.settings import PlatformSettings

_UNIT = TypeAdapter(UnitCode)


@contextmanager
def account_store(settings: PlatformSettings) -> Iterator[PostgresAccountStore]:
    """The identity service's account store, in one transaction on its database."""

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(settings.database_url("identity"), row_factory=dict_row, connect_timeout=10)

    with transaction(connect) as tx:
        yield PostgresAccountStore(tx)


def checked_units(settings: PlatformSettings, units: list[str]) -> frozenset[str]:
    """Unit codes of agencies the registry knows, at divisions of the county, or AccountError naming the first
    that is not: an officer bound to a mistyped division would silently see nothing."""
    registry = load_registry(settings.config_dir)
    places = load_places(settings.config_dir)
    for unit in units:
        try:
            _UNIT.validate_python(unit)
            registry.service_for_unit(unit)
        except (ValidationError, KeyError):
            raise AccountError(
                f"units: {unit!r} is not a unit of a known agency ('<agency>:<division code>')"
            ) from None
        agency, _, division = unit.partition(":")
        if not places.in_county(division, settings.county):
            raise AccountError(f"units: {unit!r} is not at a division of county {settings.county} (divisions.toml)")
        if agency == CENTRE:  # a centre's staff are bound to a centre the county set up, at whatever level
            if county_centres(settings.config_dir, settings.county).get(division) is None:
                raise AccountError(f"units: {unit!r} is not a centre of county {settings.county} (centres.toml)")
            continue
        if registry.below_its_level(unit) is not None:  # a village police station no referral reaches
            raise AccountError(f"units: {unit!r} is finer than {agency}'s units, which stand at {agency}'s own level")
    return frozenset(units)


def add_account(
    settings: PlatformSettings, username: str, name: str, roles: list[str], units: list[str], password: str
) -> None:
    try:
        parsed_roles = frozenset(Role(role) for role in roles)
    except ValueError:
        raise AccountError(f"roles: each one of {', '.join(Role)}") from None
    with account_store(settings) as store:
        handlers.add_account(
            store,
            Passwords(offload=False),
            username,
            name,
            parsed_roles,
            checked_units(settings, units),
            password,
            clock.now(),
        )


def new_password() -> str:
    return secrets.token_urlsafe(18)


@dataclass(frozen=True)
class AccountSpec:
    name: str
    roles: frozenset[Role]
    units: frozenset[str] = frozenset()


def working_accounts(settings: PlatformSettings) -> dict[str, AccountSpec]:
    """One account per role for the demo, the bench and the end-to-end tests; each agency's officer
    acts for all of its units in the county."""
    county = settings.county
    accounts = {
        "demo.window": AccountSpec("窗口登记员", frozenset({Role.INTAKE_STAFF})),
        "demo.coordinator": AccountSpec("综合协调组", frozenset({Role.COORDINATOR})),
        "demo.supervisor": AccountSpec("检查督导组", frozenset({Role.SUPERVISOR})),
        "demo.leader": AccountSpec("中心领导", frozenset({Role.LEADER})),
        "demo.operator": AccountSpec("运维", frozenset({Role.OPERATOR})),
    }
    for agency in load_registry(settings.config_dir).agencies.values():
        if agency.service != "coordinator":
            accounts[f"demo.{agency.code}"] = AccountSpec(
                f"{agency.name_zh}办理人", frozenset({Role.OFFICER}), frozenset({f"{agency.code}:{county}"})
            )
    return accounts


def ensure_accounts(settings: PlatformSettings, specs: Mapping[str, AccountSpec]) -> dict[str, str]:
    """Each account made once with a random password kept in STATE_DIR/secrets/accounts/; username -> password."""
    passwords = {}
    with account_store(settings) as store:
        hasher = Passwords(offload=False)
        for username, spec in specs.items():
            password = kept_secret(settings.state_dir / "secrets" / "accounts" / username)
            if store.lock(username) is None:
                handlers.add_account(store, hasher, username, spec.name, spec.roles, spec.units, password, clock.now())
            passwords[username] = password
    return passwords


def signing_keys(settings: PlatformSettings) -> SigningKeys:
    return SigningKeys(settings.signing_key_dir)


def rotate_signing_key(settings: PlatformSettings, token_lifetime: timedelta) -> tuple[str, list[str]]:
    """A new key, published now and signing a minute later; keys no unexpired token can carry are deleted.
    (new id, retired ids)"""
    keys = signing_keys(settings)
    created = keys.create()
    return created.kid, keys.retire_expired(token_lifetime)
