"""A backup folder's checks and secrets: the manifest's checksums, the secrets each service needs, and how a
backup's secrets compare with the ones kept here."""

import json
import re
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.wuyuan.backup_folders import backup_folder, service_entry, write, write_manifest
from wuyuan.backup import (
    FORMAT,
    MANIFEST,
    STAMP_FORMAT,
    BackupError,
    backup_services,
    backup_words,
    dumped_in_order,
    prune_backups,
    read_manifest,
    taken_at,
)
from wuyuan.backup_restore import _settle_secrets, verify_checksums
from wuyuan.backup_secrets import NeededSecret, SecretState, compare_secrets, needed_secrets, secret_files, sha256_of
from wuyuan.commands_backup import secret_lines
from wuyuan.settings import PlatformSettings


def test_intake_is_backed_up_with_both_of_its_keys_and_every_service_with_its_role_password():
    assert [s.path for s in needed_secrets("intake")] == ["party-key", "personal-data-key", "postgres/intake"]
    assert [s.path for s in needed_secrets("court_link")] == ["postgres/court_link"]
    assert "token-signing" in [s.path for s in needed_secrets("identity")]


def test_a_folder_secret_is_all_of_its_files(tmp_path):
    write(tmp_path / "token-signing" / "key-1.pem", "one")
    write(tmp_path / "token-signing" / "key-2.pem", "two")
    write(tmp_path / "token-signing" / ".key-3.pem.tmp", "half written")
    found = secret_files(tmp_path, NeededSecret("token-signing", "keys"))
    assert found == [Path("token-signing/key-1.pem"), Path("token-signing/key-2.pem")]
    assert secret_files(tmp_path, NeededSecret("party-key", "key")) == []


def test_a_backups_secrets_are_compared_one_by_one(tmp_path):
    backup, kept = tmp_path / "backup", tmp_path / "kept"
    write(backup / "party-key", "a" * 64)
    write(kept / "party-key", "a" * 64)
    write(backup / "personal-data-key", "b" * 64)
    write(kept / "personal-data-key", "c" * 64)
    write(backup / "postgres/intake", "d" * 64)
    states = compare_secrets(backup, kept, ["party-key", "personal-data-key", "postgres/intake", "rating-link"])
    assert [c.state for c in states] == [
        SecretState.SAME,
        SecretState.DIFFERENT,
        SecretState.MISSING_HERE,
        SecretState.NOT_IN_BACKUP,
    ]


def test_a_different_secret_is_reported_and_left_alone_without_the_flag():
    lines = secret_lines([{"file": "personal-data-key", "state": "different", "action": "none"}])
    assert lines == [
        "密钥 personal-data-key：与现用的不同！用现用密钥读备份中的数据可能失败"
        "（未改动；确认后加 --restore-secrets 换成备份中的）"
    ]


def test_a_dump_changed_after_the_backup_is_refused(tmp_path):
    entry = backup_folder(tmp_path, "court_link")["services"]["court_link"]
    dump = tmp_path / "court_link.dump"
    verify_checksums(tmp_path, entry)
    dump.write_text("PGDMP changed")
    with pytest.raises(BackupError, match=re.escape("court_link.dump 的 sha256 与清单不符")) as refused:
        verify_checksums(tmp_path, entry)
    assert refused.value.code == "checksum_mismatch"
    dump.unlink()
    with pytest.raises(BackupError, match=re.escape("缺少文件 court_link.dump")):
        verify_checksums(tmp_path, entry)


def test_a_folder_without_a_manifest_is_not_a_backup(tmp_path):
    with pytest.raises(BackupError, match=re.escape("缺少 manifest.json")) as refused:
        read_manifest(tmp_path)
    assert refused.value.code == "no_manifest"
    write(tmp_path / MANIFEST, json.dumps({"format": 99, "services": {}}))
    with pytest.raises(BackupError, match="不认识的备份格式 99"):
        read_manifest(tmp_path)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not json", "不是有效的 JSON"),
        ("[]", "应为 JSON 对象"),
        ("{}", "缺少 format 项"),
        (json.dumps({"format": FORMAT}), "services 项缺失"),
    ],
)
def test_a_damaged_manifest_is_refused_saying_what_is_wrong_in_chinese(tmp_path, text, says):
    write(tmp_path / MANIFEST, text)
    with pytest.raises(BackupError, match=says) as refused:
        read_manifest(tmp_path)
    assert refused.value.code == "bad_manifest" and "Expecting" not in str(refused.value)


def test_a_backup_folder_that_does_not_exist_is_said_to_be_missing(tmp_path):
    with pytest.raises(BackupError, match="不存在") as refused:
        read_manifest(tmp_path / "nowhere")
    assert refused.value.code == "no_backup_folder"


def whole_backup(folder: Path, *services: str, scope: str | None = "all") -> dict:
    return backup_folder(folder, *services, scope=scope)


def test_only_this_platforms_oldest_whole_backups_of_the_same_kind_beyond_keep_are_removed(tmp_path):
    names = [f"wuyuan-county-2026120{day}T020000000000Z" for day in range(1, 6)]
    for name in names[:2]:
        whole_backup(tmp_path / name, "intake", "court_link")
    for name in names[2:]:  # an agency joined since: still backups of every service
        latest = whole_backup(tmp_path / name, "intake", "court_link", "women_fed")
    whole_backup(tmp_path / "wuyuan-county-20261201T030000000000Z", "court_link", scope="chosen")  # taken apart
    write(tmp_path / "wuyuan-county-20261206T020000000000Z" / "court_link.dump", "being written")
    whole_backup(tmp_path / "wuyuan-other-20261101T020000000000Z", "intake", "court_link")
    removed = prune_backups(tmp_path, "county", keep=2, manifest=latest)
    assert [p.name for p in removed] == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "wuyuan-county-20261201T030000000000Z",
        *names[3:],
        "wuyuan-county-20261206T020000000000Z",
        "wuyuan-other-20261101T020000000000Z",
    ]


def test_a_backup_keeps_its_utc_name_and_is_shown_beside_it_in_beijing_time_the_next_day_after_16_utc():
    late_evening_utc = datetime(2026, 12, 7, 21, 30, 5, 123456, tzinfo=UTC)
    folder = Path("/var/backups") / f"wuyuan-county-{late_evening_utc:{STAMP_FORMAT}}"

    assert folder.name == "wuyuan-county-20261207T213005123456Z"
    assert taken_at(folder) == late_evening_utc
    assert backup_words(folder) == f"{folder}（北京时间 2026年12月8日 05:30）"
    assert backup_words(folder, folder.name) == "wuyuan-county-20261207T213005123456Z（北京时间 2026年12月8日 05:30）"


def test_a_folder_whose_name_carries_no_time_is_shown_as_it_is(tmp_path):
    for folder in (tmp_path / "backup", tmp_path / "wuyuan-county-20261399T000000000000Z"):
        assert (taken_at(folder), backup_words(folder)) == (None, str(folder))


def test_a_backup_folder_under_a_parent_that_does_not_exist_is_refused_before_anything_is_made(tmp_path):
    settings = PlatformSettings(state_dir=tmp_path / "state")
    with pytest.raises(BackupError, match="上级目录") as refused:
        backup_services(settings, ("court_link",), tmp_path / "typo" / "backups")
    assert refused.value.code == "folder_unusable"
    assert not (tmp_path / "typo").exists()


def test_a_backup_folder_that_cannot_be_made_is_the_commands_error_in_chinese(tmp_path):
    settings = PlatformSettings(state_dir=tmp_path / "state")
    # /proc takes no new folders, whoever asks (root included).
    with pytest.raises(BackupError, match="无法在 /proc/wuyuan-backups 中建立备份目录：路径不存在") as refused:
        backup_services(settings, ("court_link",), Path("/proc/wuyuan-backups"))
    assert refused.value.code == "folder_unusable"


def test_backups_of_chosen_services_count_only_against_those_of_the_same_services(tmp_path):
    older = whole_backup(tmp_path / "wuyuan-county-20261201T020000000000Z", "court_link", scope=None)
    whole_backup(tmp_path / "wuyuan-county-20261202T020000000000Z", "intake", scope="chosen")
    newer = whole_backup(tmp_path / "wuyuan-county-20261203T020000000000Z", "court_link", scope="chosen")
    assert older["services"] == newer["services"]

    removed = prune_backups(tmp_path, "county", keep=1, manifest=newer)

    assert [p.name for p in removed] == ["wuyuan-county-20261201T020000000000Z"]


def test_a_full_backup_written_before_scope_was_recorded_counts_with_the_full_ones(tmp_path):
    whole_backup(tmp_path / "wuyuan-county-20261201T020000000000Z", "intake", "coordinator", "supervision", scope=None)
    latest = whole_backup(tmp_path / "wuyuan-county-20261202T020000000000Z", "intake", "coordinator", "supervision")

    removed = prune_backups(tmp_path, "county", keep=1, manifest=latest)

    assert [p.name for p in removed] == ["wuyuan-county-20261201T020000000000Z"]


def secrets_entry(folder: Path, *names: str) -> dict:
    files = [{"file": f"secrets/{name}", "sha256": sha256_of(folder / "secrets" / name)} for name in names]
    return {"secrets": [{"name": "keys", "files": files}]}


def test_secrets_are_only_reported_unless_asked_and_then_the_one_in_use_is_kept_aside(tmp_path):
    folder, state = tmp_path / "backup", tmp_path / "state"
    write(folder / "secrets" / "party-key", "from the backup")
    write(folder / "secrets" / "rating-link", "from the backup too")
    write(state / "secrets" / "party-key", "in use")
    settings = PlatformSettings(state_dir=state)
    entry = secrets_entry(folder, "party-key", "rating-link")

    reported = _settle_secrets(settings, folder, entry, restore=False)
    assert reported == [
        {"file": "party-key", "state": "different", "action": "none"},
        {"file": "rating-link", "state": "missing_here", "action": "none"},
    ]
    assert (state / "secrets" / "party-key").read_text() == "in use"
    assert not (state / "secrets" / "rating-link").exists()

    restored = _settle_secrets(settings, folder, entry, restore=True)
    assert [r["action"] for r in restored][1] == "restored"
    assert restored[0]["action"] == "replaced" and restored[0]["kept_as"].startswith("party-key.replaced-")
    assert secret_lines(restored)[0].startswith(
        "密钥 party-key：与现用的不同（已换成备份中的；原用的另存为 party-key.replaced-"
    )
    assert (state / "secrets" / "party-key").read_text() == "from the backup"
    [aside] = (state / "secrets").glob("party-key.replaced-*")
    assert aside.read_text() == "in use"
    assert stat.S_IMODE((state / "secrets" / "rating-link").stat().st_mode) == 0o600


def test_the_coordinator_is_dumped_after_every_other_service_so_no_agency_of_a_backup_is_ahead_of_the_centre():
    platform = list(PlatformSettings().services)
    assert platform.index("coordinator") < platform.index("court_link")  # as the platform lists them
    order = dumped_in_order(platform)
    assert order[-1] == "coordinator"
    assert [s for s in order if s != "coordinator"] == [s for s in platform if s != "coordinator"]
    assert dumped_in_order(["court_link", "intake"]) == ["court_link", "intake"]


# --- a manifest read whole, every file inside the backup ---------------------------------------------------


def manifest_changed(folder: Path, change) -> None:
    """A backup of the court's database whose manifest `change` altered, as a damaged or forged copy would be."""
    manifest = backup_folder(folder, "court_link")
    change(manifest["services"]["court_link"])
    write_manifest(folder, manifest)


@pytest.mark.parametrize(
    ("change", "names"),
    [
        (lambda entry: entry.pop("dump"), "services.court_link.dump 缺失或不是对象"),
        (lambda entry: entry["dump"].pop("file"), "services.court_link.dump.file 缺失或不是文字"),
        (lambda entry: entry["dump"].update(sha256="not-a-digest"), "services.court_link.dump.sha256"),
        (lambda entry: entry.pop("time"), "services.court_link.time 缺失或不是文字"),
        (lambda entry: entry.update(time="2026-12-06 02:30:41"), "services.court_link.time 没有时区"),
        (lambda entry: entry.update(migrations="0001_initial"), "services.court_link.migrations"),
        (
            lambda entry: entry.update(secrets={"name": "postgres/court_link"}),
            "services.court_link.secrets 缺失或不是列表",
        ),
        (lambda entry: entry.update(database=None), "services.court_link.database"),
    ],
)
def test_a_manifest_entry_without_a_field_restore_reads_is_refused_naming_the_entry_and_the_field(
    tmp_path, change, names
):
    manifest_changed(tmp_path, change)

    with pytest.raises(BackupError) as refused:
        read_manifest(tmp_path)

    assert refused.value.code == "bad_manifest"
    assert names in str(refused.value) and "备份已损坏或被改动" in str(refused.value)


def test_a_manifest_of_another_service_than_its_own_entry_or_of_no_platform_is_refused(tmp_path):
    manifest = backup_folder(tmp_path, "court_link")
    manifest["services"]["court_link"]["service"] = "coordinator"
    write_manifest(tmp_path, manifest)
    with pytest.raises(BackupError, match=re.escape("services.court_link.service 与其所在的项（court_link）不符")):
        read_manifest(tmp_path)

    write_manifest(tmp_path, {**backup_folder(tmp_path, "court_link"), "vhost": ""})
    with pytest.raises(BackupError, match="中的 vhost 缺失或不是文字") as refused:
        read_manifest(tmp_path)
    assert refused.value.code == "bad_manifest"


# What a forged manifest would point at; never opened, whatever its checksum says.
SOME_DIGEST = "5f1e0c9b8a7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f5f1e0c9b8a7d6e5f4a3b2c1d"


@pytest.mark.parametrize(
    "outside", ["../../../../etc/hostname", "/etc/hostname", "secrets/../../../etc/hostname", "..\\..\\etc\\hostname"]
)
def test_a_dump_named_outside_the_backup_folder_is_refused_before_it_is_read(tmp_path, outside):
    folder = tmp_path / "backups" / "wuyuan-wuyuan-20261205T183000123456Z"
    manifest_changed(folder, lambda entry: entry["dump"].update(file=outside, sha256=SOME_DIGEST))

    with pytest.raises(BackupError) as refused:
        read_manifest(folder)

    assert refused.value.code == "bad_manifest"
    assert f"services.court_link.dump.file “{outside}”不在备份目录之内" in str(refused.value)


def test_a_symbolic_link_in_the_backup_that_leads_out_of_it_is_refused(tmp_path):
    outside = write(tmp_path / "elsewhere" / "hostname", "another machine's file")
    folder = tmp_path / "backup"
    manifest_changed(folder, lambda entry: entry["dump"].update(sha256=sha256_of(outside)))
    (folder / "court_link.dump").unlink()
    (folder / "court_link.dump").symlink_to(outside)

    with pytest.raises(BackupError, match=re.escape("“court_link.dump”经符号链接指向备份目录之外")) as refused:
        read_manifest(folder)
    assert refused.value.code == "bad_manifest"

    # A folder on the way counts as much as the file: secrets/ linked to the state directory's own keys.
    folder = tmp_path / "another-backup"
    state = tmp_path / "state" / "secrets"
    key = write(state / "postgres" / "court_link", "the password in use")
    files = [{"file": "secrets/postgres/court_link", "sha256": sha256_of(key)}]
    entry = service_entry(folder, "court_link", secrets=[{"name": "postgres/court_link", "files": files}])
    write_manifest(folder, {**backup_folder(folder, "court_link"), "services": {"court_link": entry}})
    (folder / "secrets").symlink_to(state)
    with pytest.raises(
        BackupError, match=re.escape("secrets[0].files[0].file “secrets/postgres/court_link”经符号链接")
    ):
        read_manifest(folder)


def test_a_secret_is_only_ever_one_the_service_needs_and_within_its_own_folder(tmp_path):
    """--restore-secrets writes each into STATE_DIR/secrets: a forged manifest must not reach another's password."""
    folder = tmp_path / "backup"
    other = write(folder / "secrets" / "postgres" / "coordinator", "a password of the coordinator's")
    listed = [{"file": "secrets/postgres/coordinator", "sha256": sha256_of(other)}]

    manifest_changed(folder, lambda entry: entry.update(secrets=[{"name": "postgres/court_link", "files": listed}]))
    with pytest.raises(BackupError, match="不在备份目录的 secrets/postgres/court_link/ 之内") as refused:
        read_manifest(folder)
    assert refused.value.code == "bad_manifest"

    manifest_changed(folder, lambda entry: entry.update(secrets=[{"name": "postgres/coordinator", "files": listed}]))
    with pytest.raises(BackupError, match="“postgres/coordinator”不是 court_link 的数据所需的密钥"):
        read_manifest(folder)


def test_a_whole_backup_as_wuyuan_backup_writes_it_is_read_as_it_is(tmp_path):
    key = write(tmp_path / "secrets" / "token-signing" / "key-1.pem", "a signing key")
    files = [{"file": "secrets/token-signing/key-1.pem", "sha256": sha256_of(key)}]
    identity = service_entry(
        tmp_path, "identity", secrets=[{"name": "token-signing", "source": "kept", "files": files}]
    )
    manifest = backup_folder(tmp_path, "court_link", "intake", county="430426")
    manifest["services"]["identity"] = identity
    write_manifest(tmp_path, manifest)

    assert read_manifest(tmp_path) == manifest
