"""What every wuyuan service has: a health endpoint answering once its entrypoints are running."""

from shared.http import api, json_response


class PlatformService:
    name: str

    @api("GET", "/health")
    def health(self, request):
        return json_response(200, {"service": self.name, "status": "ok"})
