"""Secrets a local platform makes for itself once and keeps in its state directory."""

import os
import secrets
from pathlib import Path


def kept_secret(path: Path, min_length: int = 32) -> str:
    """The secret stored at `path`, made (64 hex digits, readable by this user only) the first time.

    Kept, not remade: intake's party keys are digests under this secret, so a new secret
    would stop every later report from matching the cases stored before it.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made by an earlier start, or by a start racing this one: read what is there
    else:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    value = path.read_text(encoding="ascii").strip()
    if len(value) < min_length:
        raise ValueError(f"{path}: the secret is shorter than {min_length} characters")
    return value
