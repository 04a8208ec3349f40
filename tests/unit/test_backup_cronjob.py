"""The scheduled backup in the Kubernetes manifests: listed, nightly, one at a time, onto its own volume, and
reaching every service database."""

from pathlib import Path

import yaml

from wuyuan.agencies import has_database
from wuyuan.settings import PlatformSettings

KUBERNETES = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"


def test_the_nightly_backup_writes_every_database_to_its_volume():
    assert "backup-cronjob.yaml" in yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())["resources"]
    claim, cronjob = yaml.safe_load_all((KUBERNETES / "backup-cronjob.yaml").read_text())
    assert claim["kind"] == "PersistentVolumeClaim" and cronjob["kind"] == "CronJob"
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    command = container["command"]
    assert command[:2] == ["wuyuan", "backup"]
    target = command[command.index("--to") + 1]
    [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == target]
    [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    settings = PlatformSettings()
    servers = {e["name"] for e in container["env"]}
    for service in (s for s in settings.services if has_database(settings, s)):
        assert f"PG_URL_{service.upper()}" in servers
    assert "WUYUAN_PG_ADMIN_URLS" in servers
