"""An agency's database restored to an earlier point and brought back in line: `wuyuan backup`, `restore` and
`reconcile` as an operator runs them, against a running platform of the centre and the court."""

import json
import stat
import time
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.e2e.platforms import private_settings, run_wuyuan, running_platform
from tests.e2e.test_delivery import COURT, close_after_follow_up, debt_case, dispute
from tests.e2e.test_documents import move_deadline_as_the_coordinator, raw
from wuyuan import supervise
from wuyuan.client import PlatformClient, PlatformError
from wuyuan.dead_letters import list_dead_letters
from wuyuan.settings import PlatformSettings

pytestmark = pytest.mark.e2e

# Supervision opens the follow-up visit whose rating closes a case.
SERVICES = ("intake", "coordinator", "court_link", "identity", "supervision")
AGENCY = "court_link"


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> PlatformSettings:
    settings = private_settings(tmp_path_factory.mktemp("restored"))
    with running_platform(settings, SERVICES):
        yield settings


@pytest.fixture(scope="module")
def client(platform) -> PlatformClient:
    return PlatformClient.with_working_accounts(platform)


def wuyuan(settings: PlatformSettings, *args: str, ok: bool = True) -> dict:
    """`wuyuan ARGS --json` as an operator runs it against this platform; its JSON answer."""
    answer: dict = json.loads(wuyuan_text(settings, *args, "--json", ok=ok))
    return answer


def wuyuan_text(settings: PlatformSettings, *args: str, ok: bool = True) -> str:
    """What `wuyuan ARGS` prints for an operator."""
    return run_wuyuan(settings, *args, ok=ok)


def agency_referrals(settings: PlatformSettings) -> dict[str, str]:
    """referral id -> status, as the court's own database holds them."""
    with psycopg.connect(settings.database_url(AGENCY)) as conn:
        rows = conn.execute("SELECT referral_id::text, status FROM referrals").fetchall()
    return dict(rows)


def kept_at_the_centre(settings: PlatformSettings, message_id: str) -> tuple[bool, bool] | None:
    """(sent, still holds a mobile number) for one of the coordinator's outbox rows, or None when there is none."""
    with psycopg.connect(settings.database_url("coordinator")) as conn:
        row = conn.execute(
            "SELECT published_at IS NOT NULL, body::text ~ '1[3-9][0-9]{9}' FROM outbox WHERE message_id = %s",
            (message_id,),
        ).fetchone()
    return (bool(row[0]), bool(row[1])) if row else None


def inbox_claims(settings: PlatformSettings, message_type: str, service: str = AGENCY) -> list[str]:
    with psycopg.connect(settings.database_url(service)) as conn:
        rows = conn.execute("SELECT message_id::text FROM inbox WHERE message_type = %s", (message_type,))
        return [r[0] for r in rows.fetchall()]


def rejections(client: PlatformClient) -> list[dict]:
    """The court's messages the centre refused, as its officers read them."""
    found: list[dict] = client.call("GET", AGENCY, "/api/v1/rejections?limit=500")["rejections"]
    return found


def phones(client: PlatformClient, referral_id: str) -> list[str | None]:
    """The parties' mobile numbers on the officer's referral page."""
    return [party.get("phone") for party in client.referral(COURT, referral_id)["parties"]]


def wait_until(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_restored_agency_is_reconciled_through_messages(platform, client, tmp_path):
    # Before the backup: A accepted by the court, B only received.
    case_a, referral_a = debt_case(client)
    case_b, referral_b = debt_case(client)
    client.wait_for_referral(COURT, referral_a["referral_id"])
    client.act(COURT, referral_a["referral_id"], "accept", {})
    client.wait_for_referral(COURT, referral_b["referral_id"])
    assert wait_until(lambda: client.case(case_a)["referrals"][0]["status"] == "accepted")

    backup = wuyuan(platform, "backup", AGENCY, "--to", str(tmp_path / "backups"))
    folder = Path(backup["folder"])
    entry = backup["services"][AGENCY]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / entry["dump"]["file"]).stat().st_mode) == 0o600
    assert entry["database"] == platform.database_name(AGENCY)
    assert "a0001_agency" in entry["migrations"]
    assert [s["name"] for s in entry["secrets"]] == [f"postgres/{AGENCY}"]

    # After it: A's result, B accepted, C and D new (D accepted). The backup knows none of this.
    client.act(COURT, referral_a["referral_id"], "result", {"result": "handled", "summary": "已依法办结"})
    client.act(COURT, referral_b["referral_id"], "accept", {})
    _, referral_c = debt_case(client)
    case_d, referral_d = debt_case(client)
    client.wait_for_referral(COURT, referral_c["referral_id"])
    client.wait_for_referral(COURT, referral_d["referral_id"])
    client.act(COURT, referral_d["referral_id"], "accept", {})
    assert wait_until(lambda: client.case(case_a)["status"] == "resolved")
    assert wait_until(lambda: client.case(case_b)["referrals"][0]["status"] == "accepted")
    assert wait_until(lambda: client.case(case_d)["referrals"][0]["status"] == "accepted")

    refused = wuyuan(platform, "restore", AGENCY, "--from", str(folder), ok=False)
    assert refused["error"] == "service_running"

    supervise.stop_service(platform, AGENCY)
    restored = wuyuan(platform, "restore", AGENCY, "--from", str(folder))
    assert restored["database"] == platform.database_name(AGENCY)
    assert [s["state"] for s in restored["secrets"]] == ["same"]
    held = agency_referrals(platform)
    assert referral_c["referral_id"] not in held and referral_d["referral_id"] not in held
    assert held[referral_a["referral_id"]] == "accepted"
    supervise.start_service(platform, AGENCY)

    report = wuyuan(platform, "reconcile", AGENCY, "--backup", str(folder))
    lines = {line["referral_id"]: line for line in report["referrals"]}
    open_ids = {referral_b["referral_id"], referral_c["referral_id"], referral_d["referral_id"]}
    assert set(lines) == open_ids | {referral_a["referral_id"]}
    assert lines[referral_a["referral_id"]]["redo"] == ["result"]
    assert lines[referral_a["referral_id"]]["resent"] == []
    assert lines[referral_b["referral_id"]]["redo"] == ["accept"]
    assert lines[referral_c["referral_id"]]["redo"] == []
    assert lines[referral_d["referral_id"]]["redo"] == ["accept"]
    # B's and D's 签收 made the centre drop its copy of their parties' numbers: each goes again once intake has given
    # them back (the court lost D; B it kept, and its inbox skips it). C is not accepted yet: the centre holds them.
    assert [d["type"] for d in lines[referral_c["referral_id"]]["resent"]] == ["ReferralIssued"]
    assert lines[referral_c["referral_id"]]["awaiting_contacts"] == []
    for referral_id in (referral_b["referral_id"], referral_d["referral_id"]):
        assert lines[referral_id]["resent"] == []
        assert [d["type"] for d in lines[referral_id]["awaiting_contacts"]] == ["ReferralIssued"]
    assert report["resent"] == 1 and report["awaiting_contacts"] == 2
    assert all(line["gaps"] == [] for line in report["referrals"])
    # Then every other service marks again what else the court takes (letters, notices, refusals) in its outbox.
    followed = {sender["service"]: sender for sender in report["followed"]["senders"]}
    assert report["followed"]["service"] == AGENCY and AGENCY not in followed
    assert followed["supervision"]["unreachable"] is None and followed["coordinator"]["unreachable"] is None

    # The court holds every open referral again, each once, under the message id it was first sent with.
    assert wait_until(lambda: open_ids <= set(agency_referrals(platform)))
    held = agency_referrals(platform)
    assert held[referral_c["referral_id"]] == "received" and held[referral_d["referral_id"]] == "received"
    claims = inbox_claims(platform, "ReferralIssued")
    assert len(claims) == len(set(claims)) == 4
    resent_ids = {
        d["message_id"]
        for referral_id in open_ids
        for d in lines[referral_id]["resent"] + lines[referral_id]["awaiting_contacts"]
    }
    assert resent_ids <= set(claims)
    # D came back as it first came: the lead's page shows the parties' numbers again, and the centre, which had them
    # from intake for the sending alone, keeps none of them once it is sent.
    assert wait_until(lambda: any(phones(client, referral_d["referral_id"])))
    [issued_d] = lines[referral_d["referral_id"]]["awaiting_contacts"]
    assert wait_until(lambda: kept_at_the_centre(platform, issued_d["message_id"]) == (True, False))

    # Reconciling again changes nothing at the agency: its inbox skips every document. Officers read what to redo.
    told = wuyuan_text(platform, "reconcile", AGENCY, "--backup", str(folder))
    # B and D waited for intake again: the check below counts only once its answers were handled.
    assert wait_until(lambda: len(inbox_claims(platform, "LeadContactsProvided", "coordinator")) == 4)
    assert "以下 3 件交办，中心持有而机构恢复后的数据库可能已丢失" in told
    assert f"案件 {case_a}" in told and f"案件 {case_b}" in told and f"案件 {case_d}" in told
    assert told.count("重办受理") == 2 and told.count("重办办理结果：依职能办结") == 1
    assert "另有 2 份交办文书待信息收集组补回当事人手机号后重发" in told
    assert told.count("补回手机号后即重发") == 2
    assert "不会重复计入，也不会拒收" in told
    time.sleep(2)
    assert sorted(inbox_claims(platform, "ReferralIssued")) == sorted(claims)
    assert agency_referrals(platform) == held
    assert any(phones(client, referral_d["referral_id"])) and any(phones(client, referral_c["referral_id"]))

    # The officers redo what the report lists, through the court's own API, as the report words it.
    for line in report["referrals"]:
        for item in line["redo"]:
            if item == "accept":
                client.act(COURT, line["referral_id"], "accept", {})
            elif item == "result":
                body = {"result": line["result"], "summary": "恢复数据后按中心记录重报办理结果"}
                client.act(COURT, line["referral_id"], "result", body)
    assert wait_until(lambda: agency_referrals(platform)[referral_a["referral_id"]] == "reported")

    # Each redo lands as a repeat of what the centre holds: no refusal, no dead letter, no 拒收 on any timeline.
    # The cases go on to the end, each act counted once.
    client.act(COURT, referral_b["referral_id"], "result", {"result": "handled", "summary": "已依法办结"})
    client.settle(COURT, referral_c["referral_id"], "已依法办结")
    client.act(COURT, referral_d["referral_id"], "result", {"result": "handled", "summary": "已依法办结"})
    for case_id in (case_a, case_b, case_d):
        closed = close_after_follow_up(client, case_id)
        kinds = [entry["kind"] for entry in closed["timeline"]]
        assert "report_rejected" not in kinds, closed["timeline"]
        assert kinds.count("referral_accepted") == kinds.count("result_reported") == 1, kinds
        assert all("T" in entry["at"] for entry in closed["timeline"])
        assert all("T" in r["issued_at"] and "T" in r["due_at"] for r in closed["referrals"])
    time.sleep(1)  # a refusal would have been written with the repeat it refused; give its notice time to arrive
    assert rejections(client) == []
    assert list_dead_letters(platform, services=("coordinator", AGENCY)) == []


def test_intake_and_identity_are_backed_up_with_their_keys(platform, tmp_path):
    backup = wuyuan(platform, "backup", "intake", "identity", "--to", str(tmp_path), "--keep", "1")
    folder = Path(backup["folder"])
    copied = {
        service: {s["name"]: [f["file"] for f in s.get("files", [])] for s in entry["secrets"]}
        for service, entry in backup["services"].items()
    }
    assert copied["intake"]["party-key"] == ["secrets/party-key"]
    assert copied["intake"]["personal-data-key"] == ["secrets/personal-data-key"]
    assert copied["identity"]["token-signing"]  # the embedded issuer's keys, one file each
    kept = platform.state_dir / "secrets"
    assert (folder / "secrets" / "personal-data-key").read_bytes() == (kept / "personal-data-key").read_bytes()
    for path in folder.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path


def test_intake_restored_to_an_earlier_point_numbers_the_next_dispute_past_those_the_centre_holds(
    platform, client, tmp_path
):
    before, _ = debt_case(client)
    backup = wuyuan(platform, "backup", "intake", "--to", str(tmp_path / "backups"))
    folder = Path(backup["folder"])
    after, _ = debt_case(client)  # numbered since the backup: the restored intake will not have it

    supervise.stop_service(platform, "intake")
    restored = wuyuan(platform, "restore", "intake", "--from", str(folder))
    supervise.start_service(platform, "intake")

    assert after in restored["case_numbers"]["lost"] and before not in restored["case_numbers"]["lost"]
    county, day, number = after.split("-")
    assert {"county": county, "day": f"{day[:4]}-{day[4:6]}-{day[6:]}", "last": int(number)} in restored[
        "case_numbers"
    ]["advanced"]
    # The next filing gets a number of its own and reaches the coordinator; nothing goes to the dead letters.
    new_case, referral = debt_case(client)
    assert new_case not in (before, after)
    assert referral["unit"] == COURT
    assert list_dead_letters(platform, ["coordinator"]) == []


def test_intake_is_not_restored_while_numbered_registrations_wait_in_the_coordinators_queue(platform, client, tmp_path):
    backup = wuyuan(platform, "backup", "intake", "--to", str(tmp_path / "backups"))
    supervise.stop_service(platform, "coordinator")
    try:
        waiting = client.register(dispute("debt", "借款三万元逾期未还，出借人要求调解"))["case_id"]
        supervise.stop_service(platform, "intake")
        refused = wuyuan(platform, "restore", "intake", "--from", backup["folder"], "--queue-wait", "3", ok=False)
        assert refused["error"] == "registrations_waiting", refused
        assert "数据库未做任何改动" in refused["message"]
    finally:
        supervise.start_service(platform, "coordinator")

    # Once the coordinator has taken the registration in, the restore goes on, and numbers past it.
    restored = wuyuan(platform, "restore", "intake", "--from", backup["folder"])
    supervise.start_service(platform, "intake")
    assert waiting in restored["case_numbers"]["lost"]
    new_case, _ = debt_case(client)
    assert new_case != waiting
    assert client.wait_for_status(waiting, "assigned")["case_id"] == waiting
    assert list_dead_letters(platform, ["coordinator"]) == []


def watched_referrals(settings: PlatformSettings) -> set[str]:
    """The referrals supervision holds to a deadline, as its own database has them."""
    with psycopg.connect(settings.database_url("supervision")) as conn:
        return {row[0] for row in conn.execute("SELECT referral_id::text FROM watches").fetchall()}


def test_supervision_restored_to_an_earlier_point_gets_back_through_messages_the_watches_it_lost(
    platform, client, tmp_path
):
    _, kept = debt_case(client)
    assert wait_until(lambda: kept["referral_id"] in watched_referrals(platform))
    backup = wuyuan(platform, "backup", "supervision", "--to", str(tmp_path / "backups"))
    folder = Path(backup["folder"])
    _, lost = debt_case(client)  # assigned after the backup: its clock starts in supervision
    assert wait_until(lambda: lost["referral_id"] in watched_referrals(platform))

    supervise.stop_service(platform, "supervision")
    wuyuan(platform, "restore", "supervision", "--from", str(folder))
    supervise.start_service(platform, "supervision")
    assert lost["referral_id"] not in watched_referrals(platform)

    report = wuyuan(platform, "reconcile", "supervision", "--backup", str(folder))

    by_sender = {sender["service"]: sender for sender in report["senders"]}
    assert by_sender["coordinator"]["sent_again"] >= 2 and by_sender["coordinator"]["unreachable"] is None
    assert wait_until(lambda: lost["referral_id"] in watched_referrals(platform))
    assert kept["referral_id"] in watched_referrals(platform)
    # Every other receiver had the messages already: its inbox skipped them, and nothing was dead-lettered.
    time.sleep(2)
    assert list_dead_letters(platform) == []
    text = wuyuan_text(platform, "reconcile", "supervision", "--backup", str(folder))
    assert "综合协调组（coordinator）：重发" in text and "提醒函" in text


def archived_letters(client: PlatformClient, case_id: str) -> list[dict]:
    """The case's letters in supervision's archive, as the 督办文书 page lists them."""
    found: list[dict] = client.call("GET", "supervision", f"/api/v1/documents?case_id={case_id}")["documents"]
    return found


# A letter's facts that are times: a time read back from the database is in its session's zone, the same moment.
FACT_TIMES = ("issued_at", "due_at", "referral_issued_at", "respond_by")


def as_read(facts: dict) -> dict:
    """What a letter says: its facts with their times as moments, less the mark of one archived again."""
    return {key: datetime.fromisoformat(value) if key in FACT_TIMES else value for key, value in facts.items()} | {
        "recovered": None
    }


def court_letters(client: PlatformClient, referral_id: str, kind: str) -> list[dict]:
    """The letters of one kind in the court's log of a referral, as its officers read them."""
    return [entry for entry in client.referral(COURT, referral_id)["log"] if entry["kind"] == kind]


def test_supervision_restored_to_before_a_letter_the_court_took_does_not_send_it_again(platform, client, tmp_path):
    case_id, watched = debt_case(client)
    referral_id = watched["referral_id"]
    assert wait_until(lambda: referral_id in watched_referrals(platform))
    backup = wuyuan(platform, "backup", "supervision", "--to", str(tmp_path / "backups"))
    # After the backup the court's deadline passes (moved as the coordinator moves one) and its 督办函 goes out.
    [watch] = client.call("GET", "supervision", f"/api/v1/cases/{case_id}/watches")["watches"]
    passed = datetime.fromisoformat(watch["issued_at"]) + timedelta(seconds=1)
    move_deadline_as_the_coordinator(platform, case_id, referral_id, passed)
    assert wait_until(lambda: court_letters(client, referral_id, "overdue_notice"))
    [issued] = archived_letters(client, case_id)
    issued_facts = client.call("GET", "supervision", f"/api/v1/documents/{issued['id']}")["facts"]
    issued_page = raw(client, issued["html"]).text

    supervise.stop_service(platform, "supervision")
    restored = wuyuan(platform, "restore", "supervision", "--from", backup["folder"])
    # The backup was taken before the deadline moved. One taken after the move and before the letter went out is this
    # database with the deadline moved, which is what the timer would then find.
    with psycopg.connect(platform.database_url("supervision")) as conn:
        conn.execute(
            "UPDATE watches SET due_at = %s, reminder_at = %s WHERE referral_id = %s", (passed, passed, referral_id)
        )
    supervise.start_service(platform, "supervision")

    assert restored["document_numbers"]["letters_marked_sent"] == {"reminder": 0, "overdue": 1}
    # The restored archive had lost the letter: it is archived again from the court's copy, under its first id and 文号,
    # once, reading as it was issued, and saying it was archived again.
    letters = restored["document_numbers"]["letters_archived"]
    assert (letters["archived_again"], letters["dated_as_received"], letters["left_out"]) == (
        {"reminder": 0, "overdue": 1},
        0,
        [],
    )
    [again] = archived_letters(client, case_id)
    assert {**again, "recovered_at": None} == issued and again["recovered_at"] is not None
    [logged] = court_letters(client, referral_id, "overdue_notice")
    assert (logged["detail"]["document_id"], logged["detail"]["document_number"]) == (again["id"], again["number"])
    again_facts = client.call("GET", "supervision", f"/api/v1/documents/{again['id']}")["facts"]
    assert as_read(again_facts) == as_read(issued_facts) and again_facts["recovered"]["issued_at_exact"] is True
    page = raw(client, again["html"]).text
    assert "本函原存档在检查督导组数据库恢复到较早时点时遗失" in page and "本函原存档" not in issued_page
    time.sleep(12)  # two passes of the deadline timer
    assert len(court_letters(client, referral_id, "overdue_notice")) == 1
    assert len(archived_letters(client, case_id)) == 1
    assert list_dead_letters(platform) == []


# The order README.md gives: intake moves its numbers past the coordinator's, supervision its 文号 past the agencies'.
RESTORE_ORDER = ("coordinator", "intake", AGENCY, "supervision", "identity")


def test_every_service_restored_from_one_backup_is_in_line_again_once_the_others_are_reconciled(
    platform, client, tmp_path
):
    taken_case, taken = debt_case(client)
    client.settle(COURT, taken["referral_id"], "当事人达成还款协议")
    assert wait_until(lambda: client.case(taken_case)["status"] == "resolved")
    open_case, still_open = debt_case(client)
    assert wait_until(lambda: still_open["referral_id"] in agency_referrals(platform))
    assert wait_until(lambda: still_open["referral_id"] in watched_referrals(platform))

    backup = wuyuan(platform, "backup", "--to", str(tmp_path / "backups"))
    folder = Path(backup["folder"])
    dumped_at = {service: entry["time"] for service, entry in backup["services"].items()}
    assert max(dumped_at, key=lambda service: dumped_at[service]) == "coordinator"  # last, behind every other

    # After the backup: the court accepts the open referral and a new case arrives. Neither survives anywhere.
    client.act(COURT, still_open["referral_id"], "accept", {})
    assert wait_until(lambda: client.case(open_case)["referrals"][0]["status"] == "accepted")
    gone_case, gone = debt_case(client)
    assert wait_until(lambda: gone["referral_id"] in watched_referrals(platform))

    for service in SERVICES:
        supervise.stop_service(platform, service)
    for service in RESTORE_ORDER:
        wuyuan(platform, "restore", service, "--from", str(folder))
    for service in reversed(RESTORE_ORDER):
        supervise.start_service(platform, service)
    court = wuyuan(platform, "reconcile", AGENCY, "--backup", str(folder))
    for service in ("supervision", "intake"):
        wuyuan(platform, "reconcile", service, "--backup", str(folder))

    # Every service is back at the backup's point, and they agree: the court holds the open referral as received,
    # supervision watches it, and the case filed since is in none of them.
    assert court["referrals"] == [] or all(line["redo"] == [] for line in court["referrals"])
    assert client.case(open_case)["referrals"][0]["status"] == "issued"
    assert agency_referrals(platform)[still_open["referral_id"]] == "received"
    assert gone["referral_id"] not in agency_referrals(platform)
    with pytest.raises(PlatformError) as unknown:
        client.case(gone_case)
    assert unknown.value.status == 404
    assert gone["referral_id"] not in watched_referrals(platform)
    assert still_open["referral_id"] in watched_referrals(platform)
    assert client.case(taken_case)["status"] == "resolved"

    # The platform carries on: the open case and a new one go to the end, and nothing went to the dead letters.
    client.settle(COURT, still_open["referral_id"], "已依法办结")
    for case_id in (taken_case, open_case):
        closed = close_after_follow_up(client, case_id)
        assert [entry["kind"] for entry in closed["timeline"]].count("result_reported") == 1
    new_case, _ = debt_case(client)
    assert new_case not in (taken_case, open_case)
    time.sleep(2)
    assert list_dead_letters(platform) == []
