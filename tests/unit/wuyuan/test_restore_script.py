"""What `wuyuan restore` sends psql when it restores a database in place: pg_restore's script without the setting an
older server refuses, and its table of contents without the extensions' comments (their owner's, not the role's)."""

import io
from pathlib import Path

import pytest

from wuyuan.backup import BackupError
from wuyuan.restore_script import feed_script, psql_beside, without_extension_comments

SCRIPT = (
    b"\\restrict abc\n"
    b"BEGIN;\n"  # pg_restore --single-transaction: psql has begun it already
    b"SET statement_timeout = 0;\n"
    b"SET transaction_timeout = 0;\n"
    b"SET lock_timeout = 0;\n"
    b"CREATE TABLE public.notes (note text);\n"
    b"COPY public.notes (note) FROM stdin;\n"
    b"SET transaction_timeout = 0;\n"  # a citizen's note that happens to read so, among the data: kept
    b"\\.\n"
)


def fed(script: bytes, server_major: int) -> bytes:
    into = io.BytesIO()
    assert feed_script(io.BytesIO(script), into, server_major)
    return into.getvalue()


def test_a_server_before_17_is_not_sent_the_newer_clients_transaction_timeout():
    sent = fed(SCRIPT, 16).splitlines()
    assert b"BEGIN;" not in sent
    assert sent[:3] == [b"\\restrict abc", b"SET statement_timeout = 0;", b"SET lock_timeout = 0;"]
    assert sent[-2:] == [b"SET transaction_timeout = 0;", b"\\."]  # the data line stays as it was


def test_a_server_of_17_or_later_gets_the_script_as_written_but_its_begin():
    assert fed(SCRIPT, 17) == SCRIPT.replace(b"BEGIN;\n", b"", 1)


def test_a_script_past_its_header_goes_through_whole():
    long = b"".join(b"INSERT INTO t VALUES (%d);\n" % n for n in range(10_000))
    expected = SCRIPT.replace(b"BEGIN;\n", b"", 1).replace(b"SET transaction_timeout = 0;\n", b"", 1)
    assert fed(SCRIPT + long + b"COMMIT;\n", 15) == expected + long + b"COMMIT;\n"


class StoppedReading(io.BytesIO):
    def write(self, data):  # psql met an error and exited
        raise BrokenPipeError


def test_psql_that_stopped_reading_is_told_apart():
    assert not feed_script(io.BytesIO(SCRIPT), StoppedReading(), 16)


def test_the_extensions_comments_are_left_out_of_the_table_of_contents_and_nothing_else():
    listing = (
        ";\n; Archive created at 2026-12-07 10:00:00 CST\n"
        "2; 3079 16385 EXTENSION - pg_trgm \n"
        "3520; 0 0 COMMENT - EXTENSION pg_trgm \n"
        "219; 1259 16400 TABLE public cases wyt_coordinator\n"
        "3521; 0 0 COMMENT public TABLE cases wyt_coordinator\n"
    )
    kept = without_extension_comments(listing).splitlines()
    assert kept[3] == ";3520; 0 0 COMMENT - EXTENSION pg_trgm "
    assert [line for n, line in enumerate(kept) if n != 3] == [
        line for n, line in enumerate(listing.splitlines()) if n != 3
    ]


def test_a_pg_restore_without_its_psql_is_refused_naming_the_service(tmp_path: Path):
    (tmp_path / "pg_restore").touch()
    with pytest.raises(BackupError) as missing:
        psql_beside(tmp_path / "pg_restore", "coordinator")
    assert missing.value.code == "client_missing" and str(missing.value).startswith("coordinator：")
    (tmp_path / "psql").touch()
    assert psql_beside(tmp_path / "pg_restore", "coordinator") == tmp_path / "psql"
