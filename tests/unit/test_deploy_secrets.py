"""deploy/ ships no usable secret, and gives each service its own broker password and no other's: the committed
files, and those rendered for a registry with an agency added."""

import json
import re
import secrets
from pathlib import Path

import pytest
import yaml

from shared.secret_values import is_placeholder
from tests.unit.test_deploy_rendered import DEPLOY, IN_ITS_IMAGE, WOMEN, Deployment, rendered_with, shipped
from wuyuan.settings import OPERATOR, PlatformSettings

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?P<op>:?[-?])?(?P<rest>[^}]*)\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY")


def broker_variable(user: str) -> str:
    return f"WUYUAN_BROKER_PASSWORD_{user.upper()}"


def kubernetes_name(user: str) -> str:
    return user.replace("_", "-")


@pytest.fixture(params=["shipped", "with an external agency"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Deployment:
    return shipped() if request.param == "shipped" else rendered_with(tmp_path, WOMEN, IN_ITS_IMAGE)


def interpolate(text: str, values: dict[str, str]) -> str:
    return INTERPOLATION.sub(lambda m: values.get(m["name"], ""), text)


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def container_env(path: Path) -> dict[str, dict]:
    [deployment] = [d for d in documents(path) if d["kind"] in ("Deployment", "Job")]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return {item["name"]: item for item in container.get("env", [])}


def secret_refs(env: dict[str, dict]) -> set[str]:
    return {
        item["valueFrom"]["secretKeyRef"]["name"]
        for item in env.values()
        if "secretKeyRef" in item.get("valueFrom", {})
    }


def expand(value: str, env: dict[str, dict], values: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion, with each Secret-backed variable given `values[secret name]`."""

    def lookup(match: re.Match[str]) -> str:
        item = env.get(match[1])
        if item is None:  # from the ConfigMap (envFrom), not a Secret
            return match[0]
        if "secretKeyRef" in item.get("valueFrom", {}):
            return values[item["valueFrom"]["secretKeyRef"]["name"]]
        return str(item.get("value", match[0]))

    return re.sub(r"\$\(([A-Z0-9_]+)\)", lookup, value)


# --- compose ----------------------------------------------------------------------------------


def test_no_secret_in_compose_has_a_default_and_every_one_is_required(deployment: Deployment):
    for match in INTERPOLATION.finditer((deployment.root / "compose.yaml").read_text(encoding="utf-8")):
        if SECRET_NAME.search(match["name"]):
            assert match["op"] == ":?", f"{match[0]} must be required (${{{match['name']}:?...}}), with no default"


def test_each_compose_service_is_given_its_own_broker_password_and_no_other(deployment: Deployment):
    services = deployment.compose()["services"]
    running = [name for name in deployment.services if name in services]

    assert len(running) == len(deployment.services)
    for service in running:
        environment = json.dumps(services[service]["environment"])
        assert (
            f"amqp://wuyuan.{service}:${{{broker_variable(service)}:?"
            in services[service]["environment"]["WUYUAN_AMQP_URI"]
        )
        others = {broker_variable(user) for user in (*deployment.services, OPERATOR) if user != service}
        assert not {name for name in others if name in environment}, service


def test_compose_provisioning_sets_every_users_own_password_from_a_valid_setting(deployment: Deployment):
    users = (*deployment.services, OPERATOR)
    values = {broker_variable(user): secrets.token_hex(24) for user in users}
    setting = deployment.compose()["services"]["provision"]["environment"]["WUYUAN_BROKER_PASSWORDS"]

    passwords = json.loads(interpolate(setting, values))

    assert passwords == {user: values[broker_variable(user)] for user in users}
    settings = PlatformSettings(config_dir=deployment.settings.config_dir, broker_passwords=passwords)
    assert all(settings.broker_password(user) == values[broker_variable(user)] for user in passwords)


def test_compose_provisioning_sets_every_services_own_database_password_and_each_service_has_only_its_own(
    deployment: Deployment,
):
    databases = deployment.with_database
    values = {f"WUYUAN_DB_PASSWORD_{service.upper()}": secrets.token_hex(24) for service in databases}
    services = deployment.compose()["services"]
    setting = services["provision"]["environment"]["WUYUAN_DATABASE_PASSWORDS"]

    passwords = json.loads(interpolate(setting, values))

    assert passwords == {service: values[f"WUYUAN_DB_PASSWORD_{service.upper()}"] for service in databases}
    PlatformSettings(config_dir=deployment.settings.config_dir, database_passwords=passwords)
    for service in databases:
        url = services[service]["environment"]["WUYUAN_DATABASE_URL"]
        assert url.startswith(f"postgresql://wuyuan_{service}:${{WUYUAN_DB_PASSWORD_{service.upper()}:?"), service
        assert url.endswith(f"/wuyuan_{service}"), service
        others = {f"WUYUAN_DB_PASSWORD_{other.upper()}:" for other in databases if other != service}
        assert not {name for name in others if name in json.dumps(services[service])}, service


# --- kubernetes -------------------------------------------------------------------------------


def test_every_secret_in_the_manifests_is_a_placeholder_the_platform_refuses(deployment: Deployment):
    kubernetes = deployment.root / "kubernetes"
    secrets_found = [doc for path in sorted(kubernetes.rglob("*.yaml")) for doc in documents(path)]
    values = [v for doc in secrets_found if doc["kind"] == "Secret" for v in doc.get("stringData", {}).values()]

    assert len(values) >= len(deployment.services) + 2  # a broker password each, the operator's, intake's party key
    assert all(is_placeholder(value) for value in values), values


def test_there_is_one_broker_secret_per_user(deployment: Deployment):
    kubernetes = deployment.root / "kubernetes"
    names = {doc["metadata"]["name"] for doc in documents(kubernetes / "broker-secrets.yaml")}

    assert names == {f"wuyuan-{kubernetes_name(user)}-broker" for user in (*deployment.services, OPERATOR)}
    kustomization = yaml.safe_load((kubernetes / "kustomization.yaml").read_text(encoding="utf-8"))
    assert "broker-secrets.yaml" in kustomization["resources"]


def test_each_kubernetes_service_reads_only_its_own_broker_secret(deployment: Deployment):
    manifests = sorted((deployment.root / "kubernetes" / "services").glob("*.yaml"))

    assert [m.stem for m in manifests] == sorted(deployment.services)
    for manifest in manifests:
        service = manifest.stem
        env = container_env(manifest)
        own = f"wuyuan-{kubernetes_name(service)}-broker"

        assert {name for name in secret_refs(env) if name.endswith("-broker")} == {own}, service
        values = {own: "a1b2c3d4e5f6a7b8c9d0e1f2", **{name: "" for name in secret_refs(env) if name != own}}
        uri = expand(env["WUYUAN_AMQP_URI"]["value"], env, values)
        assert uri.startswith(f"amqp://{env['WUYUAN_AMQP_USER']['value']}:a1b2c3d4e5f6a7b8c9d0e1f2@"), service
        assert env["WUYUAN_AMQP_USER"]["value"] == f"$(WUYUAN_VHOST).{service}"
        databases = {name for name in secret_refs(env) if name.endswith("-db-app")}
        assert databases <= {f"{kubernetes_name(service)}-db-app"}, service


def test_the_provisioning_job_sets_every_users_own_password_and_the_ops_pod_has_only_the_operators(
    deployment: Deployment,
):
    kubernetes = deployment.root / "kubernetes"
    users = (*deployment.services, OPERATOR)
    job = container_env(kubernetes / "provision-job.yaml")
    values = {f"wuyuan-{kubernetes_name(u)}-broker": secrets.token_hex(24) for u in users}
    values.update({name: "" for name in secret_refs(job) if name not in values})

    passwords = json.loads(expand(job["WUYUAN_BROKER_PASSWORDS"]["value"], job, values))

    assert passwords == {user: values[f"wuyuan-{kubernetes_name(user)}-broker"] for user in users}
    PlatformSettings(config_dir=deployment.settings.config_dir, broker_passwords=passwords)

    ops = container_env(kubernetes / "ops.yaml")
    assert {name for name in secret_refs(ops) if name.endswith("-broker")} == {"wuyuan-operator-broker"}
    operator_only = json.loads(expand(ops["WUYUAN_BROKER_PASSWORDS"]["value"], ops, values))
    assert operator_only == {OPERATOR: values["wuyuan-operator-broker"]}


def test_nothing_in_deploy_still_uses_the_one_shared_service_password():
    for path in [DEPLOY / "compose.yaml", DEPLOY / "README.md", *(DEPLOY / "kubernetes").rglob("*.yaml")]:
        assert "WUYUAN_SERVICE_PASSWORD" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize("manifest", ["provision-job.yaml", "ops.yaml"])
def test_provisioning_and_the_ops_pod_know_every_services_database_server(deployment: Deployment, manifest):
    env = container_env(deployment.root / "kubernetes" / manifest)
    values = {name: f"postgresql://{name}" for name in secret_refs(env)}

    urls = json.loads(expand(env["WUYUAN_PG_ADMIN_URLS"]["value"], env, values))

    assert urls == {service: f"postgresql://{kubernetes_name(service)}-db-app" for service in deployment.with_database}
