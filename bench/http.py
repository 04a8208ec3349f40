"""A lean JSON-over-HTTP client for the bench's drivers: the load generator shares the machine it measures."""

import json

import urllib3


class JsonHttp:
    """Keep-alive connections per host; bodies in and out as JSON. About half of `requests`' CPU per call."""

    def __init__(self, connections: int = 8) -> None:
        self._pool = urllib3.PoolManager(maxsize=connections, retries=False, timeout=urllib3.Timeout(total=30))

    def get(self, url: str, **params: object) -> object:
        response = self._pool.request("GET", url, fields={k: str(v) for k, v in params.items()} or None)
        if response.status != 200:
            raise RuntimeError(f"GET {url}: {response.status} {response.data[:200]!r}")
        return json.loads(response.data)

    def post(self, url: str, body: object) -> tuple[int, bytes]:
        response = self._pool.request(
            "POST",
            url,
            body=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"},
        )
        return response.status, response.data
