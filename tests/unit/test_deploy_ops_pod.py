"""The wuyuan-ops pod reaches every service's API through its Kubernetes Service, and holds no account to sign in
with: the operator commands act as the person who runs them."""

import json
from pathlib import Path

import pytest

from tests.unit.test_deploy_rendered import IN_ITS_IMAGE, WOMEN, Deployment, documents, env_of, rendered_with, shipped
from wuyuan.client import SignInError, sign_in_choice
from wuyuan.settings import PlatformSettings


@pytest.fixture(params=["shipped", "with an agency in its own image"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Deployment:
    return shipped() if request.param == "shipped" else rendered_with(tmp_path, WOMEN, IN_ITS_IMAGE)


def ops_env(deployment: Deployment) -> dict[str, dict]:
    [pod] = [d for d in documents(deployment.root / "kubernetes" / "ops.yaml") if d["kind"] == "Deployment"]
    return env_of(pod)


def service_ports(deployment: Deployment) -> dict[str, int]:
    """Each Kubernetes Service in services/ by its name, with its HTTP port."""
    ports = {}
    for path in (deployment.root / "kubernetes" / "services").glob("*.yaml"):
        for doc in documents(path):
            if doc["kind"] == "Service":
                [port] = [p["port"] for p in doc["spec"]["ports"] if p["name"] == "http"]
                ports[doc["metadata"]["name"]] = port
    return ports


def test_the_ops_pod_reaches_each_service_at_its_kubernetes_service(deployment):
    urls = json.loads(ops_env(deployment)["WUYUAN_SERVICE_URLS"]["value"])
    ports = service_ports(deployment)

    for service in ("identity", "coordinator", "supervision", "intake", "court_link"):
        name = service.replace("_", "-")
        assert urls[service] == f"http://{name}:{ports[name]}"
    assert {url.split("//")[1].split(":")[0] for url in urls.values()} <= set(ports)
    if "women_link" in deployment.services:
        assert urls["women_link"] == "http://women-link:8000"

    settings = PlatformSettings(config_dir=deployment.settings.config_dir, service_urls=urls)
    assert settings.service_url("coordinator") == "http://coordinator:8000"


def test_the_ops_pod_has_no_account_of_its_own_and_asks_who_is_acting(deployment, monkeypatch):
    for name in ("WUYUAN_DEV_MODE", "WUYUAN_CLI_USERNAME", "WUYUAN_CLI_TOKEN", "WUYUAN_CLI_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    env = ops_env(deployment)
    assert not [name for name in env if name.startswith("WUYUAN_CLI_")]

    urls = json.loads(env["WUYUAN_SERVICE_URLS"]["value"])
    with pytest.raises(SignInError) as nobody:
        sign_in_choice(PlatformSettings(config_dir=deployment.settings.config_dir, service_urls=urls))
    assert nobody.value.code == "sign_in_not_configured"
