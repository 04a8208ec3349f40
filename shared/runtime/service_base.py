"""What every wuyuan service has: a health endpoint answering once its entrypoints are running."""

from werkzeug.wrappers import Request, Response

from shared.config import current_settings
from shared.http import PUBLIC, api, json_response


class PlatformService:
    name: str

    @api("GET", "/health", access=PUBLIC)
    def health(self, request: Request) -> Response:
        # The vhost tells a platform's own services from another platform's on a reused port.
        return json_response(200, {"service": self.name, "vhost": current_settings().vhost, "status": "ok"})
