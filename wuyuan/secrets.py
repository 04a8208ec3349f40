"""Secrets a local platform makes for itself once and keeps in its state directory."""

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from shared.private_dirs import private_directory


def kept_secret(path: Path, min_length: int = 32) -> str:
    """The secret stored at `path`, made (64 hex digits, readable by this user only) the first time.

    Kept, not remade: intake's party keys are digests under this secret, so a new secret
    would stop every later report from matching the cases stored before it, and a broker
    user's password must stay what provisioning set. Deleting the file is how one is rotated.
    Hex digits only, so a secret goes into a URL (an amqp:// URI) as it is.
    """
    private_directory(path.parent)
    if not path.exists():
        # Written whole beside it, then linked into place: a start racing this one either
        # wins the link or reads the winner's complete file, never a half-written one.
        fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            with contextlib.suppress(FileExistsError):  # another start linked its own first
                os.link(draft, path)
        finally:
            os.unlink(draft)
    value = path.read_text(encoding="ascii").strip()
    if len(value) < min_length:
        raise ValueError(f"{path}: the secret is shorter than {min_length} characters")
    return value
