"""Renders deploy/compose.yaml and the Kubernetes manifests from the agency registry and the platform's services.

python -m wuyuan.deploy_render deploy            # (re)write them; `make deploy`
python -m wuyuan.deploy_render --check deploy    # exit 1 if they are out of date

Every service comes from one template per kind of file (deploy/templates), filled from the registry: the
platform's own services and Python agencies run the platform's image as `python -m shared.runtime SERVICE`,
an external agency runs its registry `image` with the same environment and its own secrets. Adding an agency
to config/agencies.toml and running `make deploy` is all a deployment needs.
"""

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import jinja2

from wuyuan.agencies import implementation
from wuyuan.settings import OPERATOR, REPO_ROOT, PlatformSettings

TEMPLATES_DIR = REPO_ROOT / "deploy" / "templates"
# Compose publishes each service on the port `wuyuan up` gives it with the default base, whatever the
# environment of the run that renders the files.
COMPOSE_PORT_BASE = 8700
HEALTH_PATH = "/health"
# What goes into the YAML unquoted from the registry: an image reference and a health path.
IMAGE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]*$")
URL_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")
SERVICE_MANIFESTS = "kubernetes/services"


@dataclass(frozen=True)
class SecretSetting:
    """A secret of one service's own, kept in the Kubernetes Secret wuyuan-secrets (secret.yaml)."""

    variable: str  # the service's environment variable
    key: str  # its key in wuyuan-secrets
    compose_hint: str  # what compose says when it is not set
    why: str | None = None

    @property
    def compose_reference(self) -> str:
        """Required, with no default: compose refuses to start without it."""
        return f"${{{self.variable}:?{self.compose_hint}}}"


PERSONAL_DATA_KEY = SecretSetting(
    "WUYUAN_PERSONAL_DATA_KEY", "personal-data-key", "make one with openssl rand -base64 32 and keep it"
)
# The secrets a shipped service needs besides its broker password and database; an added agency needs none.
SERVICE_SECRETS: Mapping[str, tuple[SecretSetting, ...]] = {
    "intake": (
        SecretSetting("WUYUAN_PARTY_KEY_SECRET", "party-key-secret", "make one with openssl rand -hex 32 and keep it"),
        PERSONAL_DATA_KEY,
    ),
    "supervision": (
        SecretSetting("WUYUAN_RATING_LINK_SECRET", "rating-link-secret", "make one with openssl rand -hex 32"),
    ),
    "petition_link": (
        SecretSetting(
            "WUYUAN_PETITION_KEY_SECRET",
            "petition-key-secret",
            "make one with openssl rand -hex 32 and keep it",
            "Keys the digests petitioners are counted by (persons, repeat petitions); keep it once set.",
        ),
    ),
    "stability": (
        SecretSetting(
            "WUYUAN_STABILITY_KEY_SECRET",
            "stability-key-secret",
            "make one with openssl rand -hex 32 and keep it",
            "Keys the digests people under attention are matched by (一人一档); keep it once set.",
        ),
    ),
}
# What each shipped service is, as its manifest's first comment says; an added agency's comes from the registry.
SUMMARIES: Mapping[str, tuple[str, ...]] = {
    "intake": ("intake: 信息收集组, the one window: registers every report and numbers the case.",),
    "coordinator": ("coordinator: 综合协调组: triages each case and sends the referrals; owns the case state.",),
    "supervision": ("supervision: 检查督导组: deadline watches, reminder and overdue letters, follow-up ratings.",),
    "court_link": (
        "court_link: 诉源, the court: referrals to courts, court filings diverted to pre-litigation mediation.",
    ),
    "police_link": ("police_link: 案源, public security: referrals to police stations, dispute-type police calls.",),
    "justice_link": (
        "justice_link: 调源, the justice bureau: referrals to justice offices, people's-mediation requests.",
    ),
    "petition_link": ("petition_link: 访源, the petition bureau: referrals, petitions by batch and person.",),
    "stability": ("stability: 稳源, the political-legal committee: referrals, stability leads, the risk register.",),
    "identity": (
        "identity: the embedded token issuer; staff sign in here, every service verifies its tokens locally.",
    ),
    "console": (
        "console: the staff console (工作台) and the citizens' rating page (/rate/<token>): server-rendered",
        "pages that call the other services' APIs with the signed-in user's token. Its database holds the",
        "sessions only; it sends and receives no message, but has its broker user like every service.",
        "People reach it at WUYUAN_PUBLIC_URL (in Kubernetes through ingress.yaml).",
    ),
}
# Services that run more than one instance in Kubernetes, and why that is safe.
REPLICATED: Mapping[str, tuple[str, ...]] = {
    "coordinator": (
        "Two replicas: the coordinator changes a case only under that case's row lock, and the",
        "outbox relays claim rows with FOR UPDATE SKIP LOCKED, so instances never step on each other.",
    ),
    "supervision": (
        "Two replicas: the deadline timer and the outbox relays claim rows with FOR UPDATE SKIP LOCKED,",
        "so each reminder is sent by one instance only.",
    ),
    "console": ("Two replicas: sessions live in the database, so either replica serves any browser.",),
}


@dataclass(frozen=True)
class Deployed:
    """One service as the deployment files know it."""

    service: str
    kind: Literal["platform", "python", "external"]
    summary: tuple[str, ...]
    image: str | None  # an external agency's own image; None for the platform's
    health_path: str
    database: bool
    host_port: int  # compose publishes it on 127.0.0.1:<this>
    replicas: int
    replicas_why: tuple[str, ...]
    secrets: tuple[SecretSetting, ...]

    @property
    def name(self) -> str:
        """Its Kubernetes name (Deployment, Service, Secrets, database cluster): no '_' allowed there."""
        return self.service.replace("_", "-")

    @property
    def upper(self) -> str:
        return self.service.upper()

    @property
    def runs_in_a_container(self) -> bool:
        """False for an external agency with no image: it runs elsewhere, and is only provisioned and watched."""
        return self.kind != "external" or self.image is not None

    @property
    def command(self) -> str:
        return json.dumps(["python", "-m", "shared.runtime", self.service])

    @property
    def compose_broker_password(self) -> str:
        return f"${{WUYUAN_BROKER_PASSWORD_{self.upper}:?set it in deploy/.env}}"

    @property
    def compose_database_password(self) -> str:
        return f"${{WUYUAN_DB_PASSWORD_{self.upper}:?set it in deploy/.env}}"


@dataclass(frozen=True)
class Plan:
    """Every service the files name, in start-up order, and the platform's broker users besides them."""

    services: tuple[Deployed, ...]
    operator: str = OPERATOR

    @property
    def in_containers(self) -> tuple[Deployed, ...]:
        return tuple(s for s in self.services if s.runs_in_a_container)

    @property
    def with_database(self) -> tuple[Deployed, ...]:
        return tuple(s for s in self.services if s.database)

    @property
    def has_external_containers(self) -> bool:
        return any(s.kind == "external" for s in self.in_containers)

    @property
    def broker_users(self) -> tuple[str, ...]:
        return (*(s.service for s in self.services), self.operator)

    @property
    def broker_password_references(self) -> list[tuple[str, str]]:
        """WUYUAN_BROKER_PASSWORDS of the provisioning Job: each user's password from its own Secret."""
        return [(user, f"$(BROKER_PASSWORD_{user.upper()})") for user in self.broker_users]

    @property
    def database_server_references(self) -> list[tuple[str, str]]:
        """WUYUAN_PG_ADMIN_URLS: each database's owner URL, from its CloudNativePG cluster's Secret."""
        return [(s.service, f"$(PG_URL_{s.upper})") for s in self.with_database]

    @property
    def console_api_urls(self) -> list[tuple[str, str]]:
        """Every other service's API in the cluster, by its Kubernetes Service."""
        return [(s.service, f"http://{s.name}:8000") for s in self.in_containers if s.service != "console"]


def deployment_plan(settings: PlatformSettings) -> Plan:
    """The services of the settings' registry as the deployment files run them."""
    services = []
    for service in settings.services:
        found = implementation(settings, service)
        kind: Literal["platform", "python", "external"] = "platform" if found is None else found.kind
        if found is not None and found.kind == "external":
            image, health_path = _checked_external(settings, service, found.image, found.health_url)
            database = found.database
        else:
            health_path, image, database = HEALTH_PATH, None, True
        services.append(
            Deployed(
                service=service,
                kind=kind,
                summary=SUMMARIES.get(service) or _agency_summary(settings, service, kind),
                image=image,
                health_path=health_path,
                database=database,
                host_port=settings.http_port(service),
                replicas=2 if service in REPLICATED else 1,
                replicas_why=REPLICATED.get(service, ()),
                secrets=SERVICE_SECRETS.get(service, ()),
            )
        )
    return Plan(tuple(services))


def _checked_external(
    settings: PlatformSettings, service: str, image: str | None, health_url: str | None
) -> tuple[str | None, str]:
    """An external agency's image and health path, refused unless they go into YAML as they are."""
    where = f"agencies.{settings.registry.by_service(service).code}.external"
    if image is not None and not IMAGE_REFERENCE.match(image):
        raise ValueError(f"{where}.image: a container image reference, e.g. registry.example.org/women:1.0")
    health_path = (urlsplit(health_url).path if health_url else "") or HEALTH_PATH
    if not URL_PATH.match(health_path):
        raise ValueError(f"{where}.health_url: its path may hold only letters, digits and . _ ~ / -")
    return image, health_path


def _agency_summary(settings: PlatformSettings, service: str, kind: str) -> tuple[str, ...]:
    agency = settings.registry.by_service(service)
    runs = "an external service in its own image" if kind == "external" else "a Python agency"
    # One comment line, whatever the registry's names hold.
    names = " ".join(f"{agency.name_zh}, {agency.name_en}".split())
    return (f"{service}: {names} ({runs}): referrals to its units, and its reports.",)


def load_templates(directory: Path = TEMPLATES_DIR) -> dict[str, str]:
    """Every template's text by its path under the directory."""
    return {
        path.relative_to(directory).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(directory.rglob("*.j2"))
    }


def render(templates: Mapping[str, str], plan: Plan) -> dict[str, str]:
    """{path under deploy/: text} for compose.yaml and every Kubernetes manifest that lists services."""
    environment = jinja2.Environment(
        loader=jinja2.DictLoader(dict(templates)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # YAML, not HTML
    )
    environment.filters["json_entries"] = json_entries

    def fill(template: str, **values: object) -> str:
        return environment.get_template(template).render(plan=plan, **values)

    files = {
        "compose.yaml": fill("compose.yaml.j2"),
        "kubernetes/kustomization.yaml": fill("kubernetes/kustomization.yaml.j2"),
        "kubernetes/broker-secrets.yaml": fill("kubernetes/broker-secrets.yaml.j2"),
        "kubernetes/postgres.yaml": fill("kubernetes/postgres.yaml.j2"),
        "kubernetes/provision-job.yaml": fill("kubernetes/provision-job.yaml.j2"),
        "kubernetes/ops.yaml": fill("kubernetes/ops.yaml.j2"),
        "kubernetes/backup-cronjob.yaml": fill("kubernetes/backup-cronjob.yaml.j2"),
    }
    for deployed in plan.in_containers:
        files[f"{SERVICE_MANIFESTS}/{deployed.service}.yaml"] = fill("kubernetes/service.yaml.j2", s=deployed)
    return files


def json_entries(pairs: Sequence[tuple[str, str]], indent: int) -> str:
    """A JSON object one member a line, the values aligned, as the manifests write their maps."""
    width = max(len(json.dumps(key)) for key, _ in pairs) + 1
    pad = " " * indent
    members = [f"{pad}  {(json.dumps(key) + ':').ljust(width)} {json.dumps(value)}" for key, value in pairs]
    return "{\n" + ",\n".join(members) + f"\n{pad}}}"


def out_of_date(files: Mapping[str, str], root: Path) -> list[str]:
    """The rendered files that are missing under root or differ from the render."""
    return [path for path, text in files.items() if not _holds(root / path, text)]


def leftover_manifests(files: Mapping[str, str], root: Path) -> list[str]:
    """Service manifests under root whose service is no longer in the registry."""
    present = sorted(f"{SERVICE_MANIFESTS}/{path.name}" for path in (root / SERVICE_MANIFESTS).glob("*.yaml"))
    return [path for path in present if path not in files]


def write(files: Mapping[str, str], root: Path) -> tuple[list[str], list[str]]:
    """Write what changed under root and remove the manifests of services gone; returns (written, removed)."""
    written, removed = out_of_date(files, root), leftover_manifests(files, root)
    for path in written:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(files[path], encoding="utf-8")
    for path in removed:
        (root / path).unlink()
    return written, removed


def _holds(path: Path, text: str) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8") == text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wuyuan.deploy_render", description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="the deploy/ directory to write")
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    arguments = parser.parse_args(argv)
    try:
        settings = PlatformSettings(http_port_base=COMPOSE_PORT_BASE)
        files = render(load_templates(), deployment_plan(settings))
    except ValueError as refused:  # the registry's or the settings' field, named
        print(f"wuyuan.deploy_render: {refused}", file=sys.stderr)
        return 2
    if arguments.check:
        stale = out_of_date(files, arguments.directory) + leftover_manifests(files, arguments.directory)
        for path in stale:
            print(f"{arguments.directory / path}: out of date; run make deploy", file=sys.stderr)
        return 1 if stale else 0
    written, removed = write(files, arguments.directory)
    for path in written:
        print(f"wrote {arguments.directory / path}")
    for path in removed:
        print(f"removed {arguments.directory / path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
