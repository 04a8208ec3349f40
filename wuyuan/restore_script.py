"""A service's database restored from its dump through psql, in one transaction committed only once the whole backup has
gone in; in place, for a role that owns its database but may create none (CloudNativePG), emptied first."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import IO

from wuyuan.backup import DUMP_TIMEOUT_S, BackupError, client_connection, database_backup_error
from wuyuan.database_words import without_passwords

# pg_restore 17 and later opens every script with this setting, which a server before 17 refuses as unknown (the
# Kubernetes image's client is 17 for servers of 16). It is only ever among the settings the script opens with.
NEWER_SETTING = b"SET transaction_timeout = 0;\n"
HEADER_LINES = 64
BEGIN = b"BEGIN;\n"  # pg_restore --single-transaction opens its script with it, and ends it with COMMIT
_HEADER = (b"\n", b"--", b"SET ", b"SELECT pg_catalog.set_config(", b"\\restrict ", BEGIN)
# How long emptying the database may wait for a lock that a session still connected holds (a restore with --force).
LOCK_WAIT = "60s"
NEWER_SETTING_SINCE = 17
# A comment on an extension belongs to the extension's owner: when that is not the role (an extension created by the
# cluster's superuser), restoring it fails. CREATE EXTENSION gives the stock comment back anyway.
_EXTENSION_COMMENT = re.compile(r"^\d+; \d+ \d+ COMMENT - EXTENSION ")
ROLLED_BACK = "；已整体回滚，数据库未做任何改动"


def psql_beside(pg_restore: Path, named: str) -> Path:
    """The psql of pg_restore's own client (the same package installs both); else `client_missing`, naming the
    service as `named` (法院（court_link）)."""
    psql = pg_restore.with_name("psql")
    if not psql.is_file():
        missing = f"{named}：找不到与 {pg_restore} 同目录的 psql，无法恢复：请安装与之同版本的 postgresql-client"
        raise BackupError("client_missing", missing)
    return psql


def without_extension_comments(listing: str) -> str:
    """A `pg_restore --list` with the extensions' comments taken out (`;` marks a line pg_restore skips)."""
    return "\n".join(f";{line}" if _EXTENSION_COMMENT.match(line) else line for line in listing.splitlines()) + "\n"


def feed_script(script: IO[bytes], into: IO[bytes], server_major: int) -> bool:
    """Copy pg_restore's script into psql, without its opening BEGIN (psql has begun the transaction already, to empty
    the database in it first) and without the setting a server older than 17 refuses; False when psql has stopped
    reading (it met an error and gave up)."""
    began = False
    try:
        for _ in range(HEADER_LINES):
            line = script.readline()
            if not line:
                return True
            if line == BEGIN and not began:
                began = True
            elif not (line == NEWER_SETTING and server_major < NEWER_SETTING_SINCE):
                into.write(line)
            if not line.startswith(_HEADER):
                break  # the first object: what follows, data included, goes as it is
        shutil.copyfileobj(script, into, 1 << 20)
    except BrokenPipeError:
        return False
    return True


def restore_through_psql(
    database_url: str,
    database: str,
    named: str,
    dump: Path,
    pg_restore: Path,
    server_major: int,
    *,
    foreign_roles: bool,
    empty_first: bool,
) -> None:
    """The backup made again in the database in one psql transaction; with `empty_first`, everything the connecting
    role owns there dropped first, in the same transaction (restoring in place, as the database's own role).

    pg_restore's `--clean` would drop only what the dump holds: a table or function a later migration made would
    outlive it and stop that migration when it runs again. The script goes straight from pg_restore into psql (nothing
    of the data lands on disk), and the transaction psql begins commits only with the COMMIT pg_restore writes once it
    has written everything else (`--single-transaction`, which also keeps large objects from committing on their own).
    A restore that stops half-way, whoever stops it (pg_restore failing, psql meeting an error, this process killed
    or out of time), ends psql's input without it: the transaction is rolled back and the database is as it was."""
    psql = psql_beside(pg_restore, named)
    owners = ["--no-owner", "--no-privileges"] if foreign_roles else []
    emptying = (
        [
            f"--command=SET lock_timeout = '{LOCK_WAIT}'",  # the script's own settings put it back to 0 after
            "--command=DROP OWNED BY CURRENT_USER",
            # A role that owned the public schema has just dropped it too, and no dump makes it (initdb does).
            "--command=CREATE SCHEMA IF NOT EXISTS public",
        ]
        if empty_first
        else []
    )
    environment, dbname = client_connection(database_url)
    with tempfile.TemporaryDirectory(prefix="wuyuan-restore-") as private, tempfile.TemporaryFile() as writer_errors:
        listing = Path(private) / "toc.list"  # the backup's table of contents: names, no data
        listed = subprocess.run(
            [str(pg_restore), "--list", str(dump)], capture_output=True, text=True, timeout=DUMP_TIMEOUT_S, check=False
        )
        if listed.returncode != 0:
            raise BackupError(
                "tool_failed",
                f"{named}：pg_restore 读不了备份文件 {dump}（已损坏，或由更新版本的 pg_dump 生成）；数据库未做任何改动",
                without_passwords(listed.stderr.strip(), database_url),
            )
        listing.write_text(without_extension_comments(listed.stdout), encoding="utf-8")
        with tempfile.TemporaryFile() as reader_errors:
            _restore(
                [
                    str(pg_restore),
                    "--exit-on-error",
                    "--single-transaction",
                    *owners,
                    f"--use-list={listing}",
                    "--file=-",
                    str(dump),
                ],
                [
                    str(psql),
                    "--no-psqlrc",
                    "--quiet",
                    "--no-password",
                    "--set=ON_ERROR_STOP=1",
                    "--command=SET client_min_messages = warning",
                    "--command=BEGIN",
                    *emptying,
                    "--file=-",
                    dbname,
                ],
                environment,
                (writer_errors, reader_errors),
                server_major,
                (named, database, database_url),
            )


def _restore(
    writer_command: list[str],
    reader_command: list[str],
    environment: dict[str, str],
    errors: tuple[IO[bytes], IO[bytes]],
    server_major: int,
    target: tuple[str, str, str],
) -> None:
    """`target`: the service as an error names it, its database and the URL it is reached by (for naming its server
    in an error)."""
    named, database, database_url = target
    what = f"{named}：数据库 {database}"
    writer_errors, reader_errors = errors
    fed, timed_out = False, threading.Event()
    with (
        subprocess.Popen(writer_command, stdout=subprocess.PIPE, stderr=writer_errors) as writer,
        subprocess.Popen(
            reader_command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=reader_errors, env=environment
        ) as reader,
    ):
        assert writer.stdout is not None and reader.stdin is not None

        def out_of_time() -> None:
            timed_out.set()
            for process in (writer, reader):
                with contextlib.suppress(ProcessLookupError):
                    process.kill()  # psql's input ends without the COMMIT: its transaction is rolled back

        watchdog = threading.Timer(DUMP_TIMEOUT_S, out_of_time)
        watchdog.start()
        try:
            fed = feed_script(writer.stdout, reader.stdin, server_major)
            if fed and writer.wait() == 0:
                _close(reader.stdin)  # the script ended with pg_restore's COMMIT
                reader.wait()
        finally:
            watchdog.cancel()
            for process in (writer, reader):
                if process.poll() is None:
                    process.kill()
                    process.wait()
            _close(reader.stdin)
    if timed_out.is_set():
        late = f"{what} 恢复未在 {DUMP_TIMEOUT_S} 秒内完成，已中止{ROLLED_BACK}"
        raise BackupError("tool_failed", late)
    if fed and writer.returncode != 0:  # the backup could not be read to its end; psql was stopped before committing
        said = f"pg_restore exit {writer.returncode}: {_read(writer_errors)}"
        tool = f"pg_restore（退出码 {writer.returncode}）"
        raise database_backup_error("tool_failed", named, database, database_url, said, ROLLED_BACK, tool)
    if reader.returncode != 0:
        said = f"psql exit {reader.returncode}: {_read(reader_errors)}"
        tool = f"psql（退出码 {reader.returncode}）"
        raise database_backup_error("tool_failed", named, database, database_url, said, ROLLED_BACK, tool)


def _close(stream: IO[bytes]) -> None:
    """Close psql's input; one that stopped reading has its error in its own output."""
    with contextlib.suppress(BrokenPipeError):
        stream.close()


def _read(errors: IO[bytes]) -> str:
    errors.seek(0)
    return errors.read().decode(errors="replace").strip()
