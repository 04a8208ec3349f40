"""Which kept secrets each service's data needs, and how a backup's copy compares with the ones kept here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from wuyuan.settings import PlatformSettings


@dataclass(frozen=True)
class NeededSecret:
    """A secret a service's data cannot be read (or matched, or verified) without.

    `path` is relative to STATE_DIR/secrets (where the platform keeps what it made) and to a backup's
    `secrets/` folder; `setting` is the WUYUAN_* variable that replaces the kept file when set.
    """

    path: str
    why: str
    setting: str | None = None


def needed_secrets(service: str) -> tuple[NeededSecret, ...]:
    """What a restored copy of this service's database needs besides the dump."""
    own_role = NeededSecret(f"postgres/{service}", "the service's database role password")
    return (*_DATA_SECRETS.get(service, ()), own_role)


_DATA_SECRETS: dict[str, tuple[NeededSecret, ...]] = {
    "intake": (
        NeededSecret("party-key", "keys the party digests repeats are linked by", "WUYUAN_PARTY_KEY_SECRET"),
        NeededSecret("personal-data-key", "seals parties' ID and mobile numbers at rest", "WUYUAN_PERSONAL_DATA_KEY"),
    ),
    "supervision": (NeededSecret("rating-link", "signs the citizens' single-use rating links"),),
    "petition_link": (NeededSecret("petition-key", "keys the petitioners' digests (persons, repeat petitions)"),),
    "stability": (NeededSecret("stability-key", "keys the digests of persons under attention"),),
    "identity": (NeededSecret("token-signing", "the embedded issuer's signing keys (a folder)"),),
}


def configured_by_environment(settings: PlatformSettings, secret: NeededSecret) -> bool:
    if secret.setting == "WUYUAN_PARTY_KEY_SECRET":
        return settings.party_key_secret is not None
    if secret.setting == "WUYUAN_PERSONAL_DATA_KEY":
        return settings.personal_data_key is not None
    return False


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
