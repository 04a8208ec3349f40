"""Folders for secrets, keys and logs that only their owner may open, however many of them have to be made."""

from pathlib import Path

PRIVATE = 0o700


def private_directory(directory: Path) -> Path:
    """Make `directory` and any missing parents with mode 0700, and make `directory` itself 0700 if it was not.

    `Path.mkdir(parents=True, mode=0o700)` gives the mode to the last folder only: the parents it makes get the
    umask's (usually 0755), so a state directory's `secrets/` made on the way to `secrets/postgres/` could be listed
    by anyone. Folders that already existed above `directory` are left as they are (the state directory may be
    shared on purpose); `directory` itself is put right, also when an earlier version made it readable.
    """
    missing: list[Path] = []
    walk = directory
    while not walk.exists() and walk != walk.parent:
        missing.append(walk)
        walk = walk.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE, exist_ok=True)
        folder.chmod(PRIVATE)  # the umask may have taken bits off the mode asked for
    if directory.stat().st_mode & 0o777 != PRIVATE:
        directory.chmod(PRIVATE)
    return directory
