"""A lean JSON-over-HTTP client for the bench's drivers: the load generator shares the machine it measures."""

import itertools
import json

import urllib3


class JsonHttp:
    """Keep-alive connections per host; bodies in and out as JSON. About half of `requests`' CPU per call.

    With a `token`, every request carries `Authorization: Bearer <token>`, as a signed-in user's would.
    """

    def __init__(self, connections: int = 8, token: str | None = None) -> None:
        self._pool = urllib3.PoolManager(maxsize=connections, retries=False, timeout=urllib3.Timeout(total=30))
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._sent = itertools.count()  # next() is atomic in CPython: threads may share one client
        self._count = 0

    @property
    def requests(self) -> int:
        """How many requests this client sent (each one a token the service verified)."""
        return self._count

    def _counted(self) -> None:
        self._count = next(self._sent) + 1

    def get(self, url: str, **params: object) -> object:
        self._counted()
        response = self._pool.request(
            "GET", url, fields={k: str(v) for k, v in params.items()} or None, headers=self._headers or None
        )
        if response.status != 200:
            raise RuntimeError(f"GET {url}: {response.status} {response.data[:200]!r}")
        return json.loads(response.data)

    def post(self, url: str, body: object, key: str | None = None) -> tuple[int, bytes]:
        """POST JSON; with `key`, as the console and `wuyuan` send every change: under an Idempotency-Key."""
        self._counted()
        headers = {**self._headers, "Content-Type": "application/json"}
        if key is not None:
            headers["Idempotency-Key"] = key
        response = self._pool.request("POST", url, body=json.dumps(body, ensure_ascii=False).encode(), headers=headers)
        return response.status, response.data


def sign_in(identity_url: str, username: str, password: str) -> str:
    """A bearer token from the platform's identity service."""
    status, answer = JsonHttp(connections=1).post(
        f"{identity_url}/api/v1/sessions", {"username": username, "password": password}
    )
    if status != 201:
        raise RuntimeError(f"sign-in as {username}: {status} {answer[:200]!r}")
    token: str = json.loads(answer)["token"]
    return token
