"""The console's own stylesheets, scripts, icon and the vendored chart library: served by the platform, never a CDN."""

from pathlib import PurePosixPath

from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from services.console.pages import STATIC, PageNotFound

CONTENT_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
FAVICON = "favicon.ico"  # browsers ask for /favicon.ico whatever a page links


def static_file(name: str) -> Response:
    suffix = PurePosixPath(name).suffix
    path = safe_join(str(STATIC), name)
    if suffix not in CONTENT_TYPES or path is None:
        raise PageNotFound()
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except OSError:
        raise PageNotFound() from None
    response = Response(content, status=200, mimetype=CONTENT_TYPES[suffix])
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
