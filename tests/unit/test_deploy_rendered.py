"""deploy/ is what `make deploy` renders from the agency registry, and an agency added there gets its own
compose service and Kubernetes manifest with its own secrets and no other service's."""

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.registry import DEFAULT_CONFIG_DIR
from tests.joined_agencies import IN_ITS_IMAGE, WOMEN, config_with, shipped_config_with
from wuyuan.agencies import has_database
from wuyuan.deploy_render import (
    COMPOSE_PORT_BASE,
    deployment_plan,
    leftover_manifests,
    load_templates,
    out_of_date,
    render,
    write,
)
from wuyuan.settings import PlatformSettings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# Run by the federation itself, on its own network and database: only provisioned and watched.
ELSEWHERE = """
[agencies.women.external]
health_url = "http://10.0.0.5:8080/ready"
database = false
"""
SECRET_KEY_REF = "secretKeyRef"


@dataclass(frozen=True)
class Deployment:
    """A deploy/ directory and the settings (registry) it was rendered from."""

    root: Path
    settings: PlatformSettings

    @property
    def services(self) -> tuple[str, ...]:
        return self.settings.services

    @property
    def with_database(self) -> tuple[str, ...]:
        return tuple(s for s in self.services if has_database(self.settings, s))

    def compose(self) -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.safe_load((self.root / "compose.yaml").read_text(encoding="utf-8"))
        return loaded

    def manifests(self) -> dict[str, list[dict[str, Any]]]:
        """Every Kubernetes file kustomization.yaml lists, by its path there, as its documents."""
        kubernetes = self.root / "kubernetes"
        listed = yaml.safe_load((kubernetes / "kustomization.yaml").read_text(encoding="utf-8"))["resources"]
        return {path: documents(kubernetes / path) for path in listed}


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def shipped() -> Deployment:
    return Deployment(DEPLOY, PlatformSettings(config_dir=DEFAULT_CONFIG_DIR, http_port_base=COMPOSE_PORT_BASE))


def rendered_with(tmp_path: Path, *entries: str) -> Deployment:
    """deploy/ as `make deploy` writes it for the shipped registry with these entries added."""
    config = shipped_config_with(tmp_path / "config", *entries)
    settings = PlatformSettings(config_dir=config, http_port_base=COMPOSE_PORT_BASE)
    root = tmp_path / "deploy"
    shutil.copytree(DEPLOY, root)  # the files no registry changes: secret.yaml, config.yaml, rabbitmq.yaml …
    write(render(load_templates(), deployment_plan(settings)), root)
    return Deployment(root, settings)


def container(doc: dict[str, Any]) -> dict[str, Any]:
    [only] = doc["spec"]["template"]["spec"]["containers"]
    found: dict[str, Any] = only
    return found


def env_of(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in container(doc).get("env", [])}


def secret_refs(doc: dict[str, Any]) -> set[str]:
    return {item["valueFrom"][SECRET_KEY_REF]["name"] for item in env_of(doc).values() if "valueFrom" in item}


# --- the committed files -----------------------------------------------------------------------


def test_the_committed_deployment_files_are_what_make_deploy_renders_from_the_registry():
    files = render(load_templates(), deployment_plan(shipped().settings))

    stale = out_of_date(files, DEPLOY) + leftover_manifests(files, DEPLOY)

    assert not stale, f"{', '.join(stale)} under deploy/ differ from the registry's render: run `make deploy`"
    assert {f"kubernetes/services/{s}.yaml" for s in shipped().services} <= set(files)


# --- an agency added to the registry -------------------------------------------------------------


def test_an_external_agency_runs_its_own_image_in_compose_with_its_password_and_database_only(tmp_path):
    compose = rendered_with(tmp_path, WOMEN, IN_ITS_IMAGE).compose()
    women = compose["services"]["women_link"]
    environment = women["environment"]

    assert women["image"] == "wuyuan/womens-federation:0.1.0"
    assert "build" not in women and "command" not in women  # its image, as its image starts it
    assert women["ports"] == ["127.0.0.1:8711:8000"]  # after the ten services' 8701–8710
    assert "/health" in " ".join(women["healthcheck"]["test"])
    assert environment["WUYUAN_SERVICE"] == "women_link"
    assert environment["WUYUAN_AMQP_USER"] == "wuyuan.women_link"
    assert environment["WUYUAN_AMQP_URI"].startswith("amqp://wuyuan.women_link:${WUYUAN_BROKER_PASSWORD_WOMEN_LINK:?")
    assert environment["WUYUAN_DATABASE_URL"].startswith(
        "postgresql://wuyuan_women_link:${WUYUAN_DB_PASSWORD_WOMEN_LINK:?"
    )
    assert environment["WUYUAN_DATABASE_URL"].endswith("@postgres:5432/wuyuan_women_link")
    assert environment["WUYUAN_AUTH_JWKS_URL"]  # the shared service environment, as every service has
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", yaml.safe_dump(women)))
    assert required == {"WUYUAN_BROKER_PASSWORD_WOMEN_LINK", "WUYUAN_DB_PASSWORD_WOMEN_LINK"}


def test_provisioning_and_the_console_in_compose_know_the_added_agency(tmp_path):
    services = rendered_with(tmp_path, WOMEN, IN_ITS_IMAGE).compose()["services"]
    provision = services["provision"]["environment"]

    assert '"women_link": "${WUYUAN_BROKER_PASSWORD_WOMEN_LINK:?' in provision["WUYUAN_BROKER_PASSWORDS"]
    assert '"women_link": "${WUYUAN_DB_PASSWORD_WOMEN_LINK:?' in provision["WUYUAN_DATABASE_PASSWORDS"]
    assert '"women_link": "http://women_link:8000"' in services["console"]["environment"]["WUYUAN_CONSOLE_API_URLS"]


def test_an_external_agency_gets_a_kubernetes_manifest_with_its_image_broker_secret_and_database(tmp_path):
    deployment = rendered_with(tmp_path, WOMEN, IN_ITS_IMAGE)
    manifests = deployment.manifests()
    deployment_doc, service_doc = manifests["services/women_link.yaml"]
    env = env_of(deployment_doc)

    assert container(deployment_doc)["image"] == "wuyuan/womens-federation:0.1.0"
    assert "command" not in container(deployment_doc)
    assert secret_refs(deployment_doc) == {"wuyuan-women-link-broker", "women-link-db-app"}
    assert env["WUYUAN_SERVICE"]["value"] == "women_link"
    assert env["WUYUAN_AMQP_USER"]["value"] == "$(WUYUAN_VHOST).women_link"
    assert container(deployment_doc)["readinessProbe"]["httpGet"]["path"] == "/health"
    assert service_doc["metadata"]["name"] == "women-link"
    assert "wuyuan-women-link-broker" in {d["metadata"]["name"] for d in manifests["broker-secrets.yaml"]}
    assert "women-link-db" in {d["metadata"]["name"] for d in manifests["postgres.yaml"]}
    [job] = manifests["provision-job.yaml"]
    assert json.loads(env_of(job)["WUYUAN_BROKER_PASSWORDS"]["value"])["women_link"] == "$(BROKER_PASSWORD_WOMEN_LINK)"
    assert json.loads(env_of(job)["WUYUAN_PG_ADMIN_URLS"]["value"])["women_link"] == "$(PG_URL_WOMEN_LINK)"


def test_an_agency_run_elsewhere_without_a_database_is_provisioned_a_broker_user_and_nothing_else(tmp_path):
    deployment = rendered_with(tmp_path, WOMEN, ELSEWHERE)
    manifests = deployment.manifests()
    provision = deployment.compose()["services"]["provision"]["environment"]

    assert "women_link" not in deployment.compose()["services"]
    assert "services/women_link.yaml" not in manifests
    assert '"women_link"' in provision["WUYUAN_BROKER_PASSWORDS"]
    assert "women_link" not in provision["WUYUAN_DATABASE_PASSWORDS"]
    assert "wuyuan-women-link-broker" in {d["metadata"]["name"] for d in manifests["broker-secrets.yaml"]}
    assert "women-link-db" not in {d["metadata"]["name"] for d in manifests["postgres.yaml"]}
    [job] = manifests["provision-job.yaml"]
    assert "women_link" in json.loads(env_of(job)["WUYUAN_BROKER_PASSWORDS"]["value"])
    assert "women_link" not in json.loads(env_of(job)["WUYUAN_PG_ADMIN_URLS"]["value"])


def test_an_external_agency_in_its_image_is_probed_on_its_own_health_path(tmp_path):
    deployment = rendered_with(tmp_path, WOMEN, ELSEWHERE, 'image = "registry.example.org/women:2"\n')
    [deployment_doc, _] = deployment.manifests()["services/women_link.yaml"]

    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container(deployment_doc)[probe]["httpGet"]["path"] == "/ready"
    assert secret_refs(deployment_doc) == {"wuyuan-women-link-broker"}  # no database of its own
    assert "WUYUAN_DATABASE_URL" not in deployment.compose()["services"]["women_link"]["environment"]


def test_a_python_agency_runs_the_platforms_image_as_the_platform_runs_its_own_services(tmp_path):
    deployment = rendered_with(tmp_path, WOMEN.replace("women", "housing").replace("妇联", "住建局"))
    [deployment_doc, _] = deployment.manifests()["services/housing_link.yaml"]
    compose = deployment.compose()["services"]["housing_link"]

    assert (container(deployment_doc)["image"], compose["image"]) == ("wuyuan", "wuyuan:dev")
    assert container(deployment_doc)["command"] == ["python", "-m", "shared.runtime", "housing_link"]
    assert compose["command"] == ["python", "-m", "shared.runtime", "housing_link"]
    assert secret_refs(deployment_doc) == {"wuyuan-housing-link-broker", "housing-link-db-app"}


def test_an_image_or_health_path_that_would_not_go_into_yaml_as_it_is_is_refused_naming_the_field(tmp_path):
    config = config_with(tmp_path / "config", WOMEN, ELSEWHERE, 'image = "women: {latest}"\n')

    with pytest.raises(ValueError, match=r"agencies\.women\.external\.image: a container image reference"):
        deployment_plan(PlatformSettings(config_dir=config))


# --- the files hold together ---------------------------------------------------------------------


@pytest.fixture(params=["shipped", "with an external agency"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Deployment:
    return shipped() if request.param == "shipped" else rendered_with(tmp_path, WOMEN, IN_ITS_IMAGE)


def test_kustomization_lists_every_manifest_and_only_those(deployment: Deployment):
    kubernetes = deployment.root / "kubernetes"
    on_disk = {p.relative_to(kubernetes).as_posix() for p in kubernetes.rglob("*.yaml")} - {"kustomization.yaml"}

    assert set(deployment.manifests()) == on_disk
    assert {f"services/{s}.yaml" for s in deployment.services} <= on_disk


def test_every_secret_a_pod_reads_is_one_the_manifests_or_their_operators_make(deployment: Deployment):
    docs = [doc for listed in deployment.manifests().values() for doc in listed]
    made = {doc["metadata"]["name"]: doc.get("stringData", {}) for doc in docs if doc["kind"] == "Secret"}
    # CloudNativePG makes <cluster>-app (key uri); the RabbitMQ operator makes <cluster>-default-user.
    made.update({f"{d['metadata']['name']}-app": {"uri": ""} for d in docs if d["kind"] == "Cluster"})
    made.update(
        {
            f"{d['metadata']['name']}-default-user": {"username": "", "password": ""}
            for d in docs
            if d["kind"] == "RabbitmqCluster"
        }
    )

    pods = [doc for doc in docs if doc["kind"] in ("Deployment", "Job")]
    assert len(pods) >= len(deployment.services)
    for pod in pods:
        for item in env_of(pod).values():
            if SECRET_KEY_REF in item.get("valueFrom", {}):
                ref = item["valueFrom"][SECRET_KEY_REF]
                assert ref["name"] in made, f"{pod['metadata']['name']}: {item['name']} reads no such Secret"
                if made[ref["name"]]:  # the identity keys' Secret is filled out of band
                    assert ref["key"] in made[ref["name"]], f"{pod['metadata']['name']}: {item['name']}"
        for volume in pod["spec"]["template"]["spec"].get("volumes", []):
            if "secret" in volume:
                assert volume["secret"]["secretName"] in made, pod["metadata"]["name"]


def test_every_variable_a_pod_expands_is_defined_before_it_or_in_the_shared_config_map(deployment: Deployment):
    docs = [doc for listed in deployment.manifests().values() for doc in listed]
    [config_map] = [doc for doc in docs if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "wuyuan-env"]

    for pod in (doc for doc in docs if doc["kind"] in ("Deployment", "Job")):
        known = set(config_map["data"])
        for item in container(pod).get("env", []):
            for name in re.findall(r"\$\(([A-Z0-9_]+)\)", str(item.get("value", ""))):
                assert name in known, f"{pod['metadata']['name']}: {item['name']} uses $({name}) before it is set"
            known.add(item["name"])


def test_every_compose_service_refers_only_to_services_volumes_and_networks_it_declares(deployment: Deployment):
    compose = deployment.compose()
    services = compose["services"]

    assert {s for s in deployment.services if s in services} >= {"intake", "coordinator", "console"}
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name
        assert set(service.get("networks", {})) <= set(compose["networks"]), name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith("/") or source in compose["volumes"], f"{name}: volume {source}"
        assert "image" in service, f"{name} has no image"
