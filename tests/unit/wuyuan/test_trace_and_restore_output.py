"""`wuyuan trace` of a case that does not exist fails saying so; `wuyuan restore` says its time as Beijing time."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.unit.wuyuan.test_case_commands import CASE, FakeResponse
from tests.unit.wuyuan.test_cli_failures import FakeSession, failed_cleanly
from wuyuan.backup_restore import RestoreReport
from wuyuan.cli import main

MISSING = "430426-20261204-99999"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture(autouse=True)
def local_platform(monkeypatch, tmp_path) -> Path:
    """The local platform runs here, signed in already; returns its span directory."""
    for name in ("WUYUAN_SERVICE_URLS", "WUYUAN_SERVICE_URL_TEMPLATE", "WUYUAN_CLI_USERNAME", "WUYUAN_CLI_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr("wuyuan.supervise.is_running", lambda settings: True)
    monkeypatch.setattr("wuyuan.accounts.ensure_accounts", lambda settings, specs: {})
    monkeypatch.setattr("wuyuan.client.PlatformClient.headers_for", lambda self, user: {})
    traces = tmp_path / "state" / "traces"
    traces.mkdir(parents=True)
    return traces


def coordinator_answers(monkeypatch, answer: FakeResponse) -> None:
    session = FakeSession(answer)
    monkeypatch.setattr("wuyuan.client.requests.Session", lambda: session)


def span(traces: Path, case_id: str, trace_id: str, name: str) -> None:
    record = {
        "trace_id": trace_id,
        "span_id": "00f067aa0ba902b7",
        "parent_span_id": None,
        "name": name,
        "kind": "SERVER",
        "service": "coordinator",
        "start_ns": 1,
        "end_ns": 2_000_001,
        "status": "UNSET",
        "attributes": {"wuyuan.case_id": case_id},
        "links": [],
    }
    with (traces / "coordinator.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_the_trace_of_a_case_that_does_not_exist_is_no_trace_and_a_failure(monkeypatch, local_platform):
    # The coordinator's own lookup of the missing case is a span tagged with its number: it is not the case's trace.
    span(local_platform, MISSING, "0" * 31 + "1", f"GET /api/v1/cases/{MISSING}")
    coordinator_answers(monkeypatch, FakeResponse(404, {"error": "not_found", "message": f"no case {MISSING}"}))

    out = failed_cleanly(run("trace", MISSING))

    assert out == f"错误：没有找到案件 {MISSING} 的追踪记录：综合协调组没有这个案件（请核对案件编号）\n"


def test_a_case_with_no_spans_here_is_a_failure_naming_where_it_looked(monkeypatch, local_platform):
    coordinator_answers(monkeypatch, FakeResponse(200, {**CASE, "trace_id": TRACE_ID}))

    out = failed_cleanly(run("trace", CASE["case_id"]))

    assert f"没有找到案件 {CASE['case_id']} 的追踪记录（{local_platform}）" in out


def test_a_case_s_trace_is_drawn_under_a_chinese_heading(monkeypatch, local_platform):
    span(local_platform, CASE["case_id"], TRACE_ID, "POST /api/v1/disputes")
    coordinator_answers(monkeypatch, FakeResponse(200, {**CASE, "trace_id": TRACE_ID}))

    result = run("trace", CASE["case_id"])

    assert result.exit_code == 0, result.output
    heading, tree = result.output.splitlines()
    assert heading == f"案件 {CASE['case_id']} 的追踪 {TRACE_ID}"
    assert tree.startswith("└─ coordinator: POST /api/v1/disputes")


def restored(monkeypatch, folder: Path, service: str = "intake", **fields) -> RestoreReport:
    """What `wuyuan restore` is told the restore did (the restore itself stood in for)."""
    report = RestoreReport(
        service=service,
        database=f"wuyuan_{service}",
        backup=str(folder),
        backup_time=fields.pop("backup_time", "2026-12-05T18:39:52+00:00"),
        migrations_in_backup=["0001"],
        **fields,
    )
    monkeypatch.setattr("wuyuan.backup_restore.restore_service", lambda *args, **kwargs: report)
    return report


def test_restore_says_the_backup_s_time_in_beijing_time_and_json_keeps_the_iso_time(monkeypatch, tmp_path):
    restored(monkeypatch, tmp_path, backup_time="2026-12-05T18:39:52.447237+00:00")

    shown = run("restore", "intake", "--from", str(tmp_path))
    as_json = run("restore", "intake", "--from", str(tmp_path), "--json")

    assert shown.exit_code == 0, shown.output
    assert (
        "已将信息收集组（intake）的数据库 wuyuan_intake 恢复到备份时点 2026年12月6日 02:39（北京时间）\n"
        in shown.output
    )
    assert "+00:00" not in shown.output.splitlines()[0]
    assert json.loads(as_json.output)["backup_time"] == "2026-12-05T18:39:52.447237+00:00"


def test_restoring_the_coordinator_says_that_the_others_go_back_to_the_same_backup_and_are_reconciled(
    monkeypatch, tmp_path
):
    restored(monkeypatch, tmp_path, "coordinator")

    shown = run("restore", "coordinator", "--from", str(tmp_path)).output

    [next_step] = [line for line in shown.splitlines() if line.startswith("下一步")]
    assert "其余各服务也恢复到这份备份" in next_step and "`wuyuan up -d`" in next_step
    assert f"`wuyuan reconcile 机构服务 --backup {tmp_path}`" in next_step


def test_restoring_intake_says_how_far_its_case_numbers_moved_and_which_cases_it_lost(monkeypatch, tmp_path):
    restored(
        monkeypatch,
        tmp_path,
        case_numbers={
            "advanced": [{"county": "430426", "day": "2026-12-06", "last": 5}],
            "lost_count": 3,
            "lost": ["430426-20261206-00003", "430426-20261206-00004", "430426-20261206-00005"],
        },
    )

    shown = run("restore", "intake", "--from", str(tmp_path)).output

    assert "案件编号：430426 2026-12-06 的流水号已续至 5" in shown
    assert "备份之后登记的 3 件案件仍在综合协调组" in shown and "430426-20261206-00005" in shown
    assert (
        f"下一步：`wuyuan start intake`，然后 `wuyuan reconcile intake --backup {tmp_path}`" in shown.splitlines()[-1]
    )


def test_a_forced_restore_does_not_ask_to_start_a_service_that_kept_running(monkeypatch, tmp_path):
    restored(monkeypatch, tmp_path, "court_link", forced=True)

    shown = run("restore", "court_link", "--from", str(tmp_path), "--force").output

    assert "wuyuan start" not in shown
    assert f"下一步：`wuyuan reconcile court_link --backup {tmp_path}`" in shown


def test_a_restore_that_put_back_a_secret_asks_for_wuyuan_up_which_gives_it_to_the_services(monkeypatch, tmp_path):
    secrets = [{"file": "rating-link", "state": "different", "action": "replaced", "kept_as": "rating-link.replaced-x"}]
    restored(monkeypatch, tmp_path, "supervision", secrets=secrets)

    shown = run("restore", "supervision", "--from", str(tmp_path), "--restore-secrets").output

    assert "wuyuan start" not in shown
    assert (
        f"下一步：`wuyuan up -d`（各服务按恢复的密钥重新启动），然后 `wuyuan reconcile supervision --backup {tmp_path}`"
        in shown
    )


def test_a_followers_reconcile_reads_who_sent_again_what_could_not_be_and_what_only_officers_can_redo():
    from wuyuan.cli_errors import service_words
    from wuyuan.commands_backup import follower_lines
    from wuyuan.settings import PlatformSettings

    report = {
        "service": "supervision",
        "since": "2026-12-06T02:00:00+00:00",
        "sent_from": "2026-12-05T02:00:00+00:00",
        "pruned_before": "2026-12-05T06:00:00+00:00",
        "senders": [
            {"service": "coordinator", "sent_again": 12, "scrubbed": 1, "oldest_kept": "2026-12-05T06:00:00+00:00"},
            {"service": "women_fed", "sent_again": 0, "scrubbed": 0, "unreachable": "外部机构：请该机构自行重发"},
        ],
    }

    lines = follower_lines(report, lambda service: service_words(service, PlatformSettings()))

    assert lines[0].startswith("对账 检查督导组（supervision）：各服务把自 2026-12-05 10:00 起")
    assert lines[1] == "  综合协调组（coordinator）：重发 12 条；1 条已抹去身份证号或手机号，无法重发"
    assert lines[2] == "  women_fed：未能重发，外部机构：请该机构自行重发"  # not registered here: its code alone
    assert lines[3].endswith("2026-12-05 14:00 之前发出的可能已清理，无法重发")
    assert "提醒函" in lines[-1]


@pytest.mark.parametrize(("service", "says"), [("coordinator", "尚不能由消息对账"), ("identity", "无需对账")])
def test_a_service_reconcile_cannot_bring_back_is_refused_saying_why(service, says):
    result = run("reconcile", service, "--json")

    assert result.exit_code == 1
    assert json.loads(result.output)["error"] == "not_reconciled" and says in json.loads(result.output)["message"]


def test_restoring_supervision_says_how_far_its_series_moved_and_what_it_could_not_count(monkeypatch, tmp_path):
    restored(
        monkeypatch,
        tmp_path,
        "supervision",
        document_numbers={
            "advanced": [{"kind": "overdue", "year": 2026, "last": 9}],
            "notices_reissued": ["临澧综治〔2026〕通报第11号"],
            "notices_lost": ["临澧综治〔2026〕通报第12号"],
            "unreadable": ["court_link"],
            "letters_marked_sent": {"reminder": 3, "overdue": 1},
        },
    )

    shown = run("restore", "supervision", "--from", str(tmp_path)).output

    assert "文号：督办函 2026 年已续至第 9 号" in shown
    assert "按月通报 临澧综治〔2026〕通报第11号 已不在档案中：定时任务将以原文号重新归档" in shown
    assert "备份之后发出的通报 临澧综治〔2026〕通报第12号 已不在档案中（各单位已收到），不会自动补发" in shown
    assert "未能读取法院（court_link）收到的文书" in shown
    assert "对其单位，对账时视应发时刻已到的提醒函、督办函为已发出" in shown
    assert "提醒函 3 件、督办函 1 件在备份之后已发出（各单位已收到）：已记为已发，不会重发" in shown
    assert f"`wuyuan reconcile supervision --backup {tmp_path}`" in shown


def test_restoring_supervision_says_which_letters_it_archived_again_and_names_those_it_could_not(monkeypatch, tmp_path):
    left_out = {
        "number": "临澧综治〔2026〕督办第12号",
        "kind": "overdue",
        "unit": "police:430426101",
        "unit_name": "砖塘镇派出所",
        "case_id": "430426-20261206-00003",
        "referral_id": "11111111-1111-4111-8111-111111111111",
        "reason": "centre_unreadable",
    }
    archived = {"archived_again": {"reminder": 2, "overdue": 1}, "dated_as_received": 1, "left_out": [left_out]}
    restored(
        monkeypatch,
        tmp_path,
        "supervision",
        document_numbers={"advanced": [], "unreadable": [], "letters_archived": archived},
    )

    shown = run("restore", "supervision", "--from", str(tmp_path)).output

    assert "提醒函 2 件、督办函 1 件在备份之后发出、已不在档案中：已依据各单位收到的函件" in shown
    assert "其中 1 件单位未留存发文时间，按单位收到的时间记" in shown
    assert (
        "督办函 临澧综治〔2026〕督办第12号（砖塘镇派出所，案件 430426-20261206-00003，"
        "交办件 11111111-1111-4111-8111-111111111111）单位已收到，但不在档案中，未能重新存档："
        "其交办件不在恢复的数据库中，且未能读取综合协调组（coordinator）的数据库"
    ) in shown
    counted = json.loads(run("restore", "supervision", "--from", str(tmp_path), "--json").output)
    assert counted["document_numbers"]["letters_archived"]["archived_again"] == {"reminder": 2, "overdue": 1}


def test_the_next_step_gives_the_backups_time_for_where_its_folder_cannot_be_read(monkeypatch, tmp_path):
    """Kubernetes' wuyuan-ops has no backups volume: `reconcile --since` there, with the time the restore says."""
    restored(monkeypatch, tmp_path, "court_link", backup_time="2026-12-05T18:30:41.750000+00:00")

    shown = run("restore", "court_link", "--from", str(tmp_path)).output

    last = shown.splitlines()[-1]
    assert last.startswith(f"下一步：`wuyuan start court_link`，然后 `wuyuan reconcile court_link --backup {tmp_path}`")
    # Beijing time, cut to the second: never later than the backup, which would leave out what happened since.
    assert last.endswith("（读不到该备份目录处，如 wuyuan-ops：--since 2026-12-06T02:30:41+08:00）")


def test_a_restore_that_skipped_the_queue_check_says_so(monkeypatch, tmp_path):
    restored(monkeypatch, tmp_path, "intake", queue_check_skipped=True)

    shown = run("restore", "intake", "--from", str(tmp_path), "--skip-queue-check").output

    assert "未核对综合协调组收件队列中等待的登记（--skip-queue-check）" in shown
