"""Restoring in Kubernetes as deploy/README.md says: the restore Job, made from the backup CronJob, reaches the broker
as wuyuan-ops does (restoring intake asks it what waits in the coordinator's queue), and what the README runs from
wuyuan-ops needs no folder that pod lacks."""

import re
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_deploy_rendered import DEPLOY, IN_ITS_IMAGE, WOMEN, Deployment, documents, rendered_with, shipped
from tests.unit.test_deploy_secrets import expand, secret_refs
from wuyuan.settings import PlatformSettings


@pytest.fixture(params=["shipped", "with an agency in its own image"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Deployment:
    return shipped() if request.param == "shipped" else rendered_with(tmp_path, WOMEN, IN_ITS_IMAGE)


def pod_of(deployment: Deployment, manifest: str) -> dict[str, Any]:
    """The pod template of the CronJob's Job or of the Deployment in a manifest."""
    [workload] = [
        d for d in documents(deployment.root / "kubernetes" / manifest) if d["kind"] in ("CronJob", "Deployment")
    ]
    spec = workload["spec"]
    template: dict[str, Any] = (spec["jobTemplate"]["spec"] if workload["kind"] == "CronJob" else spec)["template"]
    return template["spec"]


def env_of(pod: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [container] = pod["containers"]
    return {item["name"]: item for item in container.get("env", [])}


def test_a_restore_job_made_from_the_backup_cronjob_reaches_the_broker_as_wuyuan_ops_does(deployment):
    restore_job, ops = env_of(pod_of(deployment, "backup-cronjob.yaml")), env_of(pod_of(deployment, "ops.yaml"))
    values = {name: f"value-of-{name}" for name in secret_refs(restore_job) | secret_refs(ops)}

    broker = expand(restore_job["WUYUAN_AMQP_ADMIN_URI"]["value"], restore_job, values)

    assert broker == expand(ops["WUYUAN_AMQP_ADMIN_URI"]["value"], ops, values)
    assert broker != PlatformSettings.model_fields["amqp_admin_uri"].default  # never this pod's own 127.0.0.1
    assert "@rabbitmq:5672/" in broker


def reconciles_run_in_wuyuan_ops(readme: str) -> list[str]:
    """Each `wuyuan reconcile …` the README has run in wuyuan-ops: in a `kubectl exec … deploy/wuyuan-ops` command
    (its continued lines joined), or in prose as `wuyuan reconcile …` from `wuyuan-ops`."""
    joined = readme.replace("\\\n", " ")
    commands = [line for line in joined.splitlines() if "exec" in line and "deploy/wuyuan-ops" in line]
    prose = re.findall(r"`(wuyuan reconcile [^`]*)`[^`.]*?\bfrom\s+`wuyuan-ops`", readme)
    return [line for line in commands if "wuyuan reconcile" in line] + prose


def test_what_deploy_readme_reconciles_from_wuyuan_ops_needs_no_backup_folder_there():
    """wuyuan-ops mounts no backups (the claim is ReadWriteOnce): --backup DIR would end in no_backup_folder."""
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    mounts = [m["mountPath"] for c in pod_of(shipped(), "ops.yaml")["containers"] for m in c.get("volumeMounts", [])]

    reconciles = reconciles_run_in_wuyuan_ops(readme)

    assert len(reconciles) >= 3
    for command in reconciles:
        if "--backup" in command:
            folder = command.split("--backup", 1)[1].split()[0]
            assert any(folder.startswith(mount) for mount in mounts), f"wuyuan-ops cannot read {folder}: {command}"
        else:
            assert "--since" in command, command
