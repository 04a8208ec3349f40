"""Where a backup says each needed secret was, and what `wuyuan restore` refuses before it replaces anything: a
missing personal data key for intake, a database server it cannot reach, each as a code under --json."""

import json
from datetime import date
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from tests.unit.wuyuan.backup_folders import backup_folder, service_entry, write, write_manifest
from wuyuan.backup import BackupError, _copy_secrets
from wuyuan.backup_restore import _as_backup_errors, require_sealing_key
from wuyuan.backup_secrets import Source, needed_secrets, secret_source, sha256_of
from wuyuan.commands_backup import restore_command
from wuyuan.provision_db import SealingKeyMissing
from wuyuan.settings import PlatformSettings

PERSONAL_DATA_KEY = "q7Jr8xvQpVnD2b0cT6mH1sKfL9aYwE3uZgN5oRiPjXk="
PARTY_KEY = "5f1e0c9b8a7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f"
# Nothing listens on port 1: a database server that does not answer.
NO_SERVER = "postgresql://postgres@127.0.0.1:1/postgres"


def sources(settings: PlatformSettings, service: str, environ: dict[str, str] | None = None) -> dict[str, Source]:
    return {s.path: secret_source(settings, service, s, environ or {}) for s in needed_secrets(service)}


def in_kubernetes(state: Path, **keys: str) -> PlatformSettings:
    """The backup pod: an empty state directory, each database reached as its own CloudNativePG owner."""
    owner = "postgresql://wuyuan_intake:pw@intake-db-rw:5432/wuyuan_intake"
    return PlatformSettings(state_dir=state, pg_admin_urls={"intake": owner}, **keys)


def test_a_backup_pod_given_intakes_keys_says_so_and_one_not_given_them_does_not_say_not_made(tmp_path):
    given = in_kubernetes(tmp_path, personal_data_key=PERSONAL_DATA_KEY, party_key_secret=PARTY_KEY)
    assert sources(given, "intake") == {
        "party-key": Source.ENVIRONMENT,
        "personal-data-key": Source.ENVIRONMENT,
        "postgres/intake": Source.DATABASE_OWNER,
    }
    assert sources(in_kubernetes(tmp_path), "intake") == {
        "party-key": Source.NOT_GIVEN,
        "personal-data-key": Source.NOT_GIVEN,
        "postgres/intake": Source.DATABASE_OWNER,
    }


def test_not_made_is_said_only_where_this_state_directory_provisioned_the_service(tmp_path):
    local = PlatformSettings(state_dir=tmp_path)
    write(tmp_path / "secrets" / "postgres" / "supervision", "a" * 64)
    assert sources(local, "supervision") == {"rating-link": Source.NOT_MADE, "postgres/supervision": Source.KEPT}
    write(tmp_path / "secrets" / "rating-link", "b" * 64)
    # The platform run here uses its kept link secret whatever this shell's environment holds.
    given = {"WUYUAN_RATING_LINK_SECRET": "c" * 64}
    assert sources(local, "supervision", given)["rating-link"] is Source.KEPT
    assert sources(PlatformSettings(state_dir=tmp_path / "elsewhere"), "supervision", given)["rating-link"] is (
        Source.ENVIRONMENT
    )


def test_the_manifest_names_each_secrets_source_as_a_code_with_its_setting_and_copies_only_kept_ones(tmp_path):
    state, folder = tmp_path / "state", tmp_path / "backup"
    folder.mkdir()
    write(state / "secrets" / "postgres" / "intake", "d" * 64)
    settings = PlatformSettings(state_dir=state, personal_data_key=PERSONAL_DATA_KEY)

    entries = {e["name"]: e for e in _copy_secrets(settings, "intake", folder)}

    assert entries["personal-data-key"]["source"] == "environment"
    assert entries["personal-data-key"]["setting"] == "WUYUAN_PERSONAL_DATA_KEY"
    assert "given to this process by WUYUAN_PERSONAL_DATA_KEY" in entries["personal-data-key"]["note"]
    assert entries["party-key"]["source"] == "not_made"
    assert entries["postgres/intake"]["source"] == "kept"
    assert [f["file"] for f in entries["postgres/intake"]["files"]] == ["secrets/postgres/intake"]
    assert not (folder / "secrets" / "personal-data-key").exists()


def intake_backup(folder: Path, *, with_key: bool) -> dict:
    secrets = []
    if with_key:
        key = write(folder / "secrets" / "personal-data-key", "e" * 64)
        files = [{"file": "secrets/personal-data-key", "sha256": sha256_of(key)}]
        secrets.append({"name": "personal-data-key", "source": "kept", "files": files})
    entry = service_entry(folder, "intake", secrets=secrets, time="2026-12-04T18:30Z")
    write_manifest(folder, {**backup_folder(folder, "intake"), "services": {"intake": entry}})
    return entry


def test_intake_is_not_restored_without_the_key_its_rows_are_sealed_under(tmp_path):
    folder = tmp_path / "backup"
    entry = intake_backup(folder, with_key=True)
    bare = PlatformSettings(state_dir=tmp_path / "state")

    with pytest.raises(BackupError, match="WUYUAN_PERSONAL_DATA_KEY") as refused:
        require_sealing_key(bare, "intake", folder, entry, restore_secrets=False)
    assert refused.value.code == "personal_data_key_missing"
    assert "--restore-secrets" in str(refused.value) and "数据库未做任何改动" in str(refused.value)

    require_sealing_key(bare, "intake", folder, entry, restore_secrets=True)  # the backup's key is put back
    given = PlatformSettings(state_dir=tmp_path / "state", personal_data_key=PERSONAL_DATA_KEY)
    require_sealing_key(given, "intake", folder, entry, restore_secrets=False)
    require_sealing_key(bare, "court_link", folder, entry, restore_secrets=False)  # no sealed data there
    never_ran = {**entry, "secrets": [{"name": "personal-data-key", "source": "not_made"}]}
    require_sealing_key(bare, "intake", folder, never_ran, restore_secrets=False)  # nothing sealed in that backup


def restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, service: str, folder: Path, *options: str, **settings: str
) -> tuple[int, dict]:
    """`wuyuan restore SERVICE --from FOLDER --json` on the default platform (vhost wuyuan, prefix wuyuan_), its
    database server not answering: a refusal before it is the check that refused."""
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("WUYUAN_PG_ADMIN_URL", NO_SERVER)
    for name in ("PG_ADMIN_URLS", "PERSONAL_DATA_KEY", "VHOST", "DB_PREFIX", "COUNTY", "AMQP_ADMIN_URI"):
        monkeypatch.delenv(f"WUYUAN_{name}", raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(f"WUYUAN_{name.upper()}", value)
    result = CliRunner().invoke(restore_command, [service, "--from", str(folder), "--json", *options])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.output)


def test_restoring_intake_without_its_key_is_refused_with_a_code_before_the_database_is_touched(tmp_path, monkeypatch):
    folder = tmp_path / "backup"
    intake_backup(folder, with_key=False)

    status, answer = restore(tmp_path, monkeypatch, "intake", folder)

    assert status == 1
    assert answer["error"] == "personal_data_key_missing"
    assert "personal-data-key" in answer["message"]


def test_a_database_server_that_does_not_answer_is_the_commands_error_not_a_traceback(tmp_path, monkeypatch):
    folder = tmp_path / "backup"
    backup_folder(folder, "court_link")

    status, answer = restore(tmp_path, monkeypatch, "court_link", folder)

    assert status == 1
    assert answer["error"] == "database_unreachable"
    assert "连不上数据库服务器 127.0.0.1:1（数据库 wuyuan_court_link）" in answer["message"]
    assert "数据库未做任何改动" in answer["message"]
    assert answer["reason"] == "unreachable" and answer["server"] == "127.0.0.1:1"
    assert "Connection refused" in answer["detail"] and "Connection refused" not in answer["message"]


def test_provisioning_missing_the_sealing_key_mid_restore_is_the_commands_error_saying_what_is_left():
    settings = PlatformSettings()
    with pytest.raises(BackupError) as refused, _as_backup_errors(settings, "intake", "replace"):
        raise SealingKeyMissing("intake holds cases but no personal data key is known")
    assert refused.value.code == "personal_data_key_missing"
    assert "重新运行本命令" in str(refused.value)


def test_a_missing_key_goes_back_before_the_database_is_replaced_and_stays_the_backups_if_that_fails(
    tmp_path, monkeypatch
):
    """Provisioning, which the replacement runs first, would otherwise make a new personal data key."""
    import wuyuan.backup_restore as restoring

    folder = tmp_path / "backup"
    intake_backup(folder, with_key=True)
    settings = PlatformSettings(state_dir=tmp_path / "state")
    kept = tmp_path / "state" / "secrets" / "personal-data-key"
    seen_at_replacement: list[bytes] = []

    def replace(settings, service, dump, pg_restore, server_major, **how):
        seen_at_replacement.append(kept.read_bytes())
        raise BackupError("tool_failed", "pg_restore 失败")

    monkeypatch.setattr(restoring, "server_info", lambda url: type("Server", (), {"major": 15})())
    monkeypatch.setattr(restoring, "client_binary", lambda name, major: Path("/usr/bin/true"))
    monkeypatch.setattr(restoring, "_replace_database", replace)
    monkeypatch.setattr(restoring, "centre_numbers", lambda settings, since: restoring.CentreNumbers([], []))

    with pytest.raises(BackupError, match="pg_restore 失败"):
        restoring.restore_service(settings, "intake", folder, force=True, restore_secrets=True)

    assert seen_at_replacement == [(folder / "secrets" / "personal-data-key").read_bytes()]
    assert kept.read_bytes() == (folder / "secrets" / "personal-data-key").read_bytes()
    assert list(kept.parent.glob("personal-data-key.replaced-*")) == []


def test_restoring_intake_while_the_coordinators_database_cannot_be_read_changes_nothing(tmp_path, monkeypatch):
    folder = tmp_path / "backup"
    intake_backup(folder, with_key=True)
    monkeypatch.setattr("wuyuan.restore_case_numbers.messages_waiting_at_the_centre", lambda settings: 0)
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("WUYUAN_PG_ADMIN_URL", NO_SERVER)
    monkeypatch.delenv("WUYUAN_PG_ADMIN_URLS", raising=False)
    monkeypatch.delenv("WUYUAN_PERSONAL_DATA_KEY", raising=False)

    result = CliRunner().invoke(restore_command, ["intake", "--from", str(folder), "--restore-secrets", "--json"])

    assert result.exit_code == 1
    answer = json.loads(result.output)
    assert answer["error"] == "case_numbers_unreadable" and "数据库未做任何改动" in answer["message"]
    assert not (tmp_path / "state" / "secrets" / "personal-data-key").exists()  # no secret put back either


def test_the_coordinators_numbers_read_before_the_restore_stand_when_they_cannot_be_read_again(monkeypatch):
    import wuyuan.backup_restore as restoring
    from wuyuan.restore_case_numbers import CentreNumbers

    before = CentreNumbers([("430426", date(2026, 12, 6), 5)], ["430426-20261206-00005"])

    def unreadable(settings, since):
        raise BackupError("case_numbers_unreadable", "读不到")

    monkeypatch.setattr(restoring, "centre_numbers", unreadable)

    assert restoring._read_again(PlatformSettings(), date(2026, 12, 5), before) is before


class Queue:
    """The coordinator's inbox queue as the management API counts it, call after call, on a clock of its own."""

    def __init__(self, *counts: int) -> None:
        self.counts = list(counts)
        self.now = 0.0
        self.asked = 0

    def waiting(self, settings: PlatformSettings) -> int:
        self.asked += 1
        return self.counts.pop(0) if len(self.counts) > 1 else self.counts[0]

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_intake_is_restored_once_the_coordinator_has_taken_in_what_waited_in_its_queue():
    from wuyuan.restore_case_numbers import require_coordinator_drained

    queue = Queue(3, 1, 0)
    require_coordinator_drained(PlatformSettings(), 30, queue.waiting, queue.sleep, lambda: queue.now)
    assert queue.asked == 3


def test_intake_is_not_restored_while_registrations_wait_numbered_in_the_coordinators_queue():
    from wuyuan.restore_case_numbers import require_coordinator_drained

    queue = Queue(2)  # a coordinator that is stopped: nothing moves
    with pytest.raises(BackupError) as refused:
        require_coordinator_drained(PlatformSettings(), 30, queue.waiting, queue.sleep, lambda: queue.now)
    assert refused.value.code == "registrations_waiting"
    assert "还有 2 条消息未处理" in str(refused.value) and "数据库未做任何改动" in str(refused.value)
    assert 30 <= queue.now <= 31


def test_a_broker_that_cannot_be_asked_stops_the_restore_of_intake_before_anything_changes():
    from wuyuan.restore_case_numbers import require_coordinator_drained

    def unreachable(settings: PlatformSettings) -> int:
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(BackupError) as refused:
        require_coordinator_drained(PlatformSettings(), 30, unreachable, lambda s: None, lambda: 0.0)
    assert refused.value.code == "centre_queue_unreadable" and "--skip-queue-check" in str(refused.value)
    assert "Connection refused" not in str(refused.value) and "Connection refused" in (refused.value.detail or "")


# --- another platform's backup -----------------------------------------------------------------------------


def another_platforms(folder: Path, **names: str) -> None:
    """A backup of the court's database of the platform `names` says (vhost, db_prefix, county)."""
    backup_folder(folder, "court_link", **names)


def test_another_platforms_backup_is_refused_naming_both_platforms_before_anything_is_touched(tmp_path, monkeypatch):
    folder = tmp_path / "wuyuan-linli-20261207T133000123456Z"
    another_platforms(folder, vhost="linli", db_prefix="linli_")

    status, answer = restore(tmp_path, monkeypatch, "court_link", folder)

    assert status == 1 and answer["error"] == "other_platform"
    said = answer["message"]
    assert f"备份 {folder}（北京时间 2026年12月7日 21:30） 是另一个平台的" in said
    assert "vhost linli、数据库前缀 linli_、法院（court_link）的数据库 linli_court_link" in said
    assert "本平台（WUYUAN_VHOST、WUYUAN_DB_PREFIX、WUYUAN_COUNTY）为 vhost wuyuan、数据库前缀 wuyuan_" in said
    assert "数据库未做任何改动" in said and "--from-other-platform" in said


def test_only_the_database_names_changed_to_another_platforms_is_refused_as_well(tmp_path, monkeypatch):
    folder = tmp_path / "backup"
    manifest = backup_folder(folder, "court_link")
    manifest["services"]["court_link"]["database"] = "linli_court_link"
    write_manifest(folder, manifest)

    assert restore(tmp_path, monkeypatch, "court_link", folder)[1]["error"] == "other_platform"


def test_a_backup_of_another_county_under_the_same_names_is_another_platforms(tmp_path, monkeypatch):
    folder = tmp_path / "backup"
    another_platforms(folder, county="430481")

    answer = restore(tmp_path, monkeypatch, "court_link", folder)[1]

    assert answer["error"] == "other_platform" and "区划 430481" in answer["message"]
    assert "区划 430426" in answer["message"]


def test_another_platforms_backup_is_restored_when_the_flag_says_it_is_meant(tmp_path, monkeypatch):
    folder = tmp_path / "backup"
    another_platforms(folder, vhost="linli", db_prefix="linli_")

    answer = restore(tmp_path, monkeypatch, "court_link", folder, "--from-other-platform")[1]

    assert answer["error"] == "database_unreachable"  # past the check, on to the database server


def test_the_same_platform_moved_to_another_host_restores_its_own_backups(tmp_path, monkeypatch):
    """Same vhost and database prefix, another database server and broker: its backups are its own."""
    folder = tmp_path / "backup"
    backup_folder(folder, "court_link", county="430426")

    moved = "postgresql://postgres@127.0.0.2:1/postgres"  # another server, which does not answer here
    answer = restore(tmp_path, monkeypatch, "court_link", folder, pg_admin_url=moved)[1]

    assert answer["error"] == "database_unreachable"  # past the check, on to the new host's database server


# --- a damaged manifest ------------------------------------------------------------------------------------


def test_a_manifest_without_the_services_dump_is_the_commands_error_not_a_traceback(tmp_path, monkeypatch):
    folder = tmp_path / "backup"
    manifest = backup_folder(folder, "court_link")
    del manifest["services"]["court_link"]["dump"]
    write_manifest(folder, manifest)

    status, answer = restore(tmp_path, monkeypatch, "court_link", folder)

    assert status == 1 and answer["error"] == "bad_manifest"
    assert "services.court_link.dump" in answer["message"]


def test_a_dump_named_outside_the_backup_is_never_restored_from(tmp_path, monkeypatch):
    folder = tmp_path / "backups" / "wuyuan-wuyuan-20261205T183000123456Z"
    elsewhere = write(tmp_path / "etc" / "hostname", "vm")
    manifest = backup_folder(folder, "court_link")
    manifest["services"]["court_link"]["dump"].update(file="../../etc/hostname", sha256=sha256_of(elsewhere))
    write_manifest(folder, manifest)

    status, answer = restore(tmp_path, monkeypatch, "court_link", folder)

    assert status == 1 and answer["error"] == "bad_manifest"
    assert "“../../etc/hostname”不在备份目录之内" in answer["message"]


# --- the coordinator's queue ---------------------------------------------------------------------------------


def test_the_broker_that_cannot_be_asked_is_named_by_its_setting_and_address_never_its_password():
    from wuyuan.restore_case_numbers import require_coordinator_drained

    def unreachable(settings: PlatformSettings) -> int:
        raise ConnectionRefusedError(111, "Connection refused")

    settings = PlatformSettings(amqp_admin_uri="amqp://admin:Broker-Secret-7f3a9c@rabbitmq:5672/")
    with pytest.raises(BackupError) as refused:
        require_coordinator_drained(settings, 30, unreachable, lambda s: None, lambda: 0.0)

    said = str(refused.value)
    assert refused.value.code == "centre_queue_unreadable"
    assert "WUYUAN_AMQP_ADMIN_URI" in said and "RabbitMQ（rabbitmq:5672）" in said
    assert "Broker-Secret-7f3a9c" not in said
    assert "--skip-queue-check" in said and "数据库未做任何改动" in said


def test_a_broker_left_at_its_default_says_the_setting_is_not_set():
    """The Kubernetes restore Job made from a CronJob without it: 127.0.0.1 is nobody in a pod."""
    from wuyuan.restore_case_numbers import require_coordinator_drained

    def unreachable(settings: PlatformSettings) -> int:
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(BackupError) as refused:
        require_coordinator_drained(PlatformSettings(), 30, unreachable, lambda s: None, lambda: 0.0)

    assert "WUYUAN_AMQP_ADMIN_URI（未设置，用的是默认的本机地址）" in str(refused.value)
    assert "127.0.0.1:5672" in str(refused.value) and "guest" not in str(refused.value)


def test_skipping_the_queue_check_asks_no_broker_but_still_makes_every_other_check(tmp_path, monkeypatch):
    folder = tmp_path / "backup"
    intake_backup(folder, with_key=True)
    asked: list[str] = []

    def broker(settings: PlatformSettings) -> int:
        asked.append("broker")
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("wuyuan.restore_case_numbers.messages_waiting_at_the_centre", broker)

    unchecked = restore(tmp_path, monkeypatch, "intake", folder, "--restore-secrets", "--skip-queue-check")[1]
    checked = restore(tmp_path, monkeypatch, "intake", folder, "--restore-secrets")[1]

    # The next check, the coordinator's database, still stops it; without the option the broker stops it first.
    assert unchecked["error"] == "case_numbers_unreadable"
    assert checked["error"] == "centre_queue_unreadable"
    assert asked == ["broker"]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (psycopg.OperationalError("connection to server at 127.0.0.1 failed"), "database_unreachable"),
        (psycopg.errors.AdminShutdown(), "database_unreachable"),
        (psycopg.errors.IdleSessionTimeout(), "database_unreachable"),
        (psycopg.errors.IdleInTransactionSessionTimeout(), "database_unreachable"),  # not operational to psycopg
        (psycopg.errors.DatabaseDropped(), "database_unreachable"),
        (psycopg.errors.QueryCanceled(), "migration_failed"),  # statement_timeout: operational to psycopg, not a link
        (psycopg.errors.LockNotAvailable(), "migration_failed"),
        (psycopg.errors.DuplicateFunction(), "migration_failed"),
    ],
)
def test_a_failed_migration_after_the_restore_is_told_apart_from_a_database_not_reached(error, code):
    with pytest.raises(BackupError) as failed, _as_backup_errors(PlatformSettings(), "identity", "migrate"):
        raise error
    assert failed.value.code == code
    assert "wuyuan provision" in str(failed.value)  # the data is back; the migrations are what is left to do
