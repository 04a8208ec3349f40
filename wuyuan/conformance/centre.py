"""The kit's side of the wire: it publishes as the centre's broker users, reads the coordinator's inbox and the
agency's dead letters, and calls the agency's officer API."""

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import amqp
import requests

from shared.messaging.routing import DEAD_REASON_HEADER, DOCUMENTS_EXCHANGE, dead_queue, inbox_queue
from wuyuan.conformance.environment import ConformanceEnvironment
from wuyuan.provision_amqp import _call
from wuyuan.settings import PlatformSettings

POLL_SECONDS = 0.1
REFUSE_POLICY = "wuyuan-conformance-refuse"


@dataclass(frozen=True)
class Delivery:
    """One message the kit took off a queue, as the broker handed it over."""

    routing_key: str
    properties: dict[str, Any]
    body: bytes

    @property
    def headers(self) -> dict[str, Any]:
        return dict(self.properties.get("application_headers") or {})

    @property
    def message_id(self) -> str | None:
        value = self.properties.get("message_id")
        return str(value) if value is not None else None

    def json(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    @property
    def dead_reason(self) -> str:
        return str(self.headers.get(DEAD_REASON_HEADER) or "")


def _connect(settings: PlatformSettings, user: str, password: str) -> amqp.Connection:
    parts = urlsplit(settings.amqp_admin_uri)
    connection = amqp.Connection(
        host=f"{parts.hostname or '127.0.0.1'}:{parts.port or 5672}",
        userid=user,
        password=password,
        virtual_host=settings.vhost,
        connect_timeout=10,
    )
    connection.connect()
    return connection


@dataclass
class Queue:
    """A queue the kit drains as it waits; what it took and no check has claimed yet stays in `unclaimed`."""

    channel: Any
    name: str
    unclaimed: list[Delivery] = field(default_factory=list)

    def _take(self) -> None:
        while (message := self.channel.basic_get(self.name, no_ack=True)) is not None:
            self.unclaimed.append(
                Delivery(message.delivery_info["routing_key"], dict(message.properties), message.body)
            )

    def wait_for(self, wanted: Callable[[Delivery], bool], timeout: float) -> Delivery | None:
        deadline = time.monotonic() + timeout
        while True:
            self._take()
            for delivery in self.unclaimed:
                if wanted(delivery):
                    self.unclaimed.remove(delivery)
                    return delivery
            if time.monotonic() >= deadline:
                return None
            time.sleep(POLL_SECONDS)

    def collect(self, seconds: float) -> list[Delivery]:
        """Everything that arrives within `seconds`, with what was already waiting; all claimed."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._take()
            time.sleep(POLL_SECONDS)
        self._take()
        taken, self.unclaimed = self.unclaimed, []
        return taken


class Centre:
    """Connections as the coordinator's and supervision's users (RabbitMQ stamps and checks their user_id) and
    as the admin (the agency's dead queue, which no service user may read)."""

    def __init__(self, environment: ConformanceEnvironment) -> None:
        self.environment = environment
        self.settings = environment.settings
        self._connections: list[amqp.Connection] = []
        self._channels: dict[str, Any] = {}
        self._open()

    def reconnect(self) -> None:
        """New connections after a broker restart; what was taken and not yet claimed is kept."""
        unclaimed = (self.replies.unclaimed, self.dead_letters.unclaimed)
        self.close()
        self._connections, self._channels = [], {}
        self._open()
        self.replies.unclaimed, self.dead_letters.unclaimed = unclaimed

    def _open(self) -> None:
        settings, environment = self.settings, self.environment
        for service in ("coordinator", "supervision"):
            connection = _connect(settings, settings.broker_user(service), settings.broker_password(service))
            self._connections.append(connection)
            channel = connection.channel()
            channel.confirm_select()
            self._channels[service] = channel
        parts = urlsplit(settings.amqp_admin_uri)
        admin = _connect(settings, parts.username or "guest", parts.password or "guest")
        self._connections.append(admin)
        self.replies = Queue(self._channels["coordinator"], inbox_queue("coordinator"))
        self.dead_letters = Queue(admin.channel(), dead_queue(environment.service))

    def close(self) -> None:
        for connection in self._connections:
            with contextlib.suppress(Exception):  # already gone with the vhost: nothing left to release
                connection.close()

    def publish(
        self,
        as_service: str,
        routing_key: str,
        body: bytes,
        *,
        message_id: str,
        message_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Persistent, mandatory and confirmed, with the user_id the broker checks against the connection."""
        message = amqp.Message(
            body,
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            message_id=message_id,
            type=message_type,
            user_id=self.settings.broker_user(as_service),
            application_headers=headers or {},
        )
        self._channels[as_service].basic_publish_confirm(
            message, exchange=DOCUMENTS_EXCHANGE, routing_key=routing_key, mandatory=True, confirm_timeout=10
        )

    # --- the management API: refusing the coordinator's inbox, closing the agency's connections ------------------

    def refuse_replies(self) -> None:
        """Make the coordinator's inbox refuse every publish: the broker nacks a confirmed one, drops any other."""
        queue = inbox_queue("coordinator")
        _call(
            self.settings,
            "PUT",
            f"policies/{self._vhost}/{REFUSE_POLICY}",
            {
                "pattern": f"^{queue.replace('.', '[.]')}$",
                "apply-to": "queues",
                "priority": 100,
                "definition": {"max-length": 0, "overflow": "reject-publish"},
            },
        )
        self._wait_for_policy(REFUSE_POLICY)

    def accept_replies(self) -> None:
        _call(self.settings, "DELETE", f"policies/{self._vhost}/{REFUSE_POLICY}")
        self._wait_for_policy(None)

    def _wait_for_policy(self, name: str | None, timeout: float = 10.0) -> None:
        path = f"queues/{self._vhost}/{quote(inbox_queue('coordinator'), safe='')}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _call(self.settings, "GET", path).json().get("policy") == name:
                return
            time.sleep(POLL_SECONDS)
        raise TimeoutError(f"代理未在 {timeout:g} 秒内对综合协调组的收件队列施行策略 {name!r}")

    def agency_connections(self) -> list[str]:
        user = self.settings.broker_user(self.environment.service)
        listed = _call(self.settings, "GET", f"vhosts/{self._vhost}/connections").json()
        return [str(item["name"]) for item in listed if item.get("user") == user]

    def close_connection(self, name: str) -> None:
        _call(self.settings, "DELETE", f"connections/{quote(name, safe='')}")

    @property
    def _vhost(self) -> str:
        return quote(self.settings.vhost, safe="")


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    def describe(self) -> str:
        text = json.dumps(self.body, ensure_ascii=False) if not isinstance(self.body, str) else self.body
        return f"HTTP {self.status} {text[:300]}"


class OfficerApi:
    """The agency's officer API, called with tokens of the run's own issuer."""

    def __init__(self, environment: ConformanceEnvironment, base_url: str) -> None:
        self.environment = environment
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def call(
        self, method: str, path: str, unit: str, body: dict[str, Any] | None = None, token: str | None = None
    ) -> Answer:
        """A call as an officer of `unit` with a new token of the run's issuer, or with `token`."""
        token = token or self.environment.officer_token(unit)
        response = self.session.request(
            method,
            f"{self.base_url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        try:
            parsed: Any = response.json()
        except ValueError:
            parsed = response.text
        return Answer(response.status_code, parsed)

    def health(self, url: str) -> int | None:
        try:
            return self.session.get(url, timeout=2).status_code
        except requests.RequestException:
            return None
