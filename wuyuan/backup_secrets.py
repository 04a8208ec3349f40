"""Which kept secrets each service's data needs, and how a backup's copy compares with the ones kept here."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from wuyuan.settings import PlatformSettings


@dataclass(frozen=True)
class NeededSecret:
    """A secret a service's data cannot be read (or matched, or verified) without.

    `path` is relative to STATE_DIR/secrets (where a platform run by `wuyuan up` keeps what it made) and to a
    backup's `secrets/` folder; `setting` is the WUYUAN_* variable a service is given it by in a deployment
    (Kubernetes, compose); `platform_reads` says the `wuyuan` command reads that setting too, in place of the file.
    """

    path: str
    why: str
    setting: str | None = None
    platform_reads: bool = False


def needed_secrets(service: str) -> tuple[NeededSecret, ...]:
    """What a restored copy of this service's database needs besides the dump."""
    own_role = NeededSecret(
        f"postgres/{service}", "the service's database role password", "WUYUAN_DATABASE_PASSWORDS", platform_reads=True
    )
    return (*_DATA_SECRETS.get(service, ()), own_role)


_DATA_SECRETS: dict[str, tuple[NeededSecret, ...]] = {
    "intake": (
        NeededSecret(
            "party-key", "keys the party digests repeats are linked by", "WUYUAN_PARTY_KEY_SECRET", platform_reads=True
        ),
        NeededSecret(
            "personal-data-key",
            "seals parties' ID and mobile numbers at rest",
            "WUYUAN_PERSONAL_DATA_KEY",
            platform_reads=True,
        ),
    ),
    "supervision": (
        NeededSecret("rating-link", "signs the citizens' single-use rating links", "WUYUAN_RATING_LINK_SECRET"),
    ),
    "petition_link": (
        NeededSecret(
            "petition-key", "keys the petitioners' digests (persons, repeat petitions)", "WUYUAN_PETITION_KEY_SECRET"
        ),
    ),
    "stability": (
        NeededSecret("stability-key", "keys the digests of persons under attention", "WUYUAN_STABILITY_KEY_SECRET"),
    ),
    "identity": (
        NeededSecret(
            "token-signing", "the embedded issuer's signing keys (a folder)", "WUYUAN_IDENTITY_SIGNING_KEY_DIR"
        ),
    ),
}


class Source(StrEnum):
    """Where a needed secret was when the backup was taken (the manifest's `source` for it)."""

    KEPT = "kept"  # kept in STATE_DIR/secrets, and copied into the backup
    ENVIRONMENT = "environment"  # given to this process by its setting: not copied
    DATABASE_OWNER = "database_owner"  # the role and its password are the database operator's (CloudNativePG)
    NOT_GIVEN = "not_given"  # this process was not given its setting and keeps no copy: not in the backup
    NOT_MADE = "not_made"  # this state directory provisioned the service, and has not made this key yet


SOURCE_NOTES = {
    Source.KEPT: "kept in STATE_DIR/secrets: copied",
    Source.ENVIRONMENT: "given to this process by {setting}: not copied, keep it with the deployment's secrets",
    Source.DATABASE_OWNER: "the database operator's own (CloudNativePG's <cluster>-app Secret): not copied",
    Source.NOT_GIVEN: "not given to this process ({setting} unset) and not kept in STATE_DIR/secrets: not in this"
    " backup; the service has it from its deployment's secrets, keep it with them",
    Source.NOT_MADE: "not made yet: the platform of this state directory has not started the service, which makes"
    " it at its first start",
}


def secret_source(
    settings: PlatformSettings, service: str, secret: NeededSecret, environ: Mapping[str, str] = os.environ
) -> Source:
    """Where the secret is, as far as this process can tell, without guessing.

    A setting the `wuyuan` command reads replaces the kept file, so it comes first; a service's own setting
    (the rating link, the digest keys, identity's keys) is what a deployment gives that service, while a
    platform run here always uses the kept file, so that comes first for those. "Not made yet" is said only
    where this state directory provisioned the service's database (its role password is kept here): there,
    `wuyuan up` makes the key when it first starts the service. Anywhere else the key lives with the
    deployment's secrets, which this process was not given.
    """
    if secret.path.startswith("postgres/") and settings.admin_is_the_role(service):
        return Source.DATABASE_OWNER
    kept = settings.state_dir / "secrets"
    given = _given(settings, service, secret, environ)
    if secret.platform_reads and given:
        return Source.ENVIRONMENT
    if secret_files(kept, secret):
        return Source.KEPT
    if given:
        return Source.ENVIRONMENT
    if (kept / "postgres" / service).is_file():
        return Source.NOT_MADE
    return Source.NOT_GIVEN


def _given(settings: PlatformSettings, service: str, secret: NeededSecret, environ: Mapping[str, str]) -> bool:
    if secret.setting == "WUYUAN_PARTY_KEY_SECRET":
        return settings.party_key_secret is not None
    if secret.setting == "WUYUAN_PERSONAL_DATA_KEY":
        return settings.personal_data_key is not None
    if secret.setting == "WUYUAN_DATABASE_PASSWORDS":
        return service in settings.database_passwords
    return bool(secret.setting and environ.get(secret.setting))


def source_note(source: Source, secret: NeededSecret) -> str:
    return SOURCE_NOTES[source].format(setting=secret.setting or "its setting")


def secret_files(root: Path, secret: NeededSecret) -> list[Path]:
    """The files of a secret under `root` (one, or a folder's files), relative to `root`; [] when absent."""
    target = root / secret.path
    if target.is_dir():
        return sorted(p.relative_to(root) for p in target.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [Path(secret.path)] if target.is_file() else []


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class SecretState(StrEnum):
    SAME = "same"  # the file kept here is the backup's
    MISSING_HERE = "missing_here"  # the backup has it, this state directory does not
    DIFFERENT = "different"  # both have it and they differ: data restored would not match the key in use
    NOT_IN_BACKUP = "not_in_backup"  # configured by environment at backup time, or absent then


@dataclass(frozen=True)
class SecretComparison:
    file: str
    state: SecretState


def compare_secrets(backup_secrets: Path, kept_secrets: Path, files: list[str]) -> list[SecretComparison]:
    """Each of the backup's secret files (relative paths) against the one kept here."""
    out = []
    for name in files:
        theirs, ours = backup_secrets / name, kept_secrets / name
        if not theirs.is_file():
            state = SecretState.NOT_IN_BACKUP
        elif not ours.is_file():
            state = SecretState.MISSING_HERE
        elif theirs.read_bytes() == ours.read_bytes():
            state = SecretState.SAME
        else:
            state = SecretState.DIFFERENT
        out.append(SecretComparison(name, state))
    return out
