"""What every wuyuan service has: liveness, readiness (its database and broker), and its Prometheus metrics.

- GET /health/live: the process and its event loop answer; nothing else is checked. Answered by the
  web server itself (shared.web_server), outside the worker pool, so busy workers never fail it.
- GET /health/ready: `SELECT 1` through the service's pool and a connection to its broker vhost,
  each bounded by READY_CHECK_SECONDS and run side by side; 503 naming what is down.
- GET /health: the readiness answer, `{"service", "vhost", "status": "ok"}` when ready, which
  `wuyuan up` and `wuyuan status` wait for.
- GET /metrics: Prometheus text exposition (shared.runtime.metrics). Public like /health: it holds
  counts by service, entrypoint, message type, reason code, case status and unit, never a case id
  or anything about a person; keep the service ports off the public network (deploy/README.md).
"""

from werkzeug.wrappers import Request, Response

from shared.config import current_settings
from shared.http import PUBLIC, api, json_response
from shared.runtime.metrics import ServiceMonitoring


class PlatformService:
    name: str
    monitoring = ServiceMonitoring()

    def ready_answer(self) -> Response:
        # The vhost tells a platform's own services from another platform's on a reused port.
        identity = {"service": self.name, "vhost": current_settings().vhost}
        down = self.monitoring.readiness().problems()
        if down:
            return json_response(503, {**identity, "status": "unavailable", "down": down})
        return json_response(200, {**identity, "status": "ok"})

    @api("GET", "/health", access=PUBLIC)
    def health(self, request: Request) -> Response:
        return self.ready_answer()

    @api("GET", "/health/ready", access=PUBLIC)
    def health_ready(self, request: Request) -> Response:
        return self.ready_answer()

    @api("GET", "/metrics", access=PUBLIC)
    def metrics(self, request: Request) -> Response:
        body, content_type = self.monitoring.metrics.exposition()
        return Response(body, status=200, content_type=content_type)
