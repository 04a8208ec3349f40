"""The scheduled backup in the Kubernetes manifests: listed, nightly, one at a time, onto its own volume,
reaching every service database, and given intake's keys as intake is, so that a restore made from it can check them."""

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


def secret_keys(env: list[dict]) -> dict[str, tuple[str, str]]:
    return {
        item["name"]: (item["valueFrom"]["secretKeyRef"]["name"], item["valueFrom"]["secretKeyRef"]["key"])
        for item in env
        if "secretKeyRef" in item.get("valueFrom", {})
    }


def test_the_backup_and_a_restore_made_from_it_read_intakes_keys_as_intake_does():
    [_, cronjob] = yaml.safe_load_all((KUBERNETES / "backup-cronjob.yaml").read_text())
    [backup] = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    documents = yaml.safe_load_all((KUBERNETES / "services" / "intake.yaml").read_text())
    [intake] = [d for d in documents if d and d["kind"] == "Deployment"]
    [service] = intake["spec"]["template"]["spec"]["containers"]
    [secret] = yaml.safe_load_all((KUBERNETES / "secret.yaml").read_text())
    keys = {"WUYUAN_PERSONAL_DATA_KEY", "WUYUAN_PARTY_KEY_SECRET"}

    given = {name: ref for name, ref in secret_keys(backup["env"]).items() if name in keys}

    assert given == {name: ref for name, ref in secret_keys(service["env"]).items() if name in keys}
    assert set(given) == keys
    assert all(name == "wuyuan-secrets" and key in secret["stringData"] for name, key in given.values())
