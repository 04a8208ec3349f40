"""Who each account is, for pages that name the staff who acted (刘洋（liu.yang））: identity's directory, kept a while.

Messages and records carry the acting account, which is all a service can trust; staff know one
another by name. The console asks identity for every account's name (`GET /api/v1/people`, one
small answer for a county) with the visitor's own token, keeps it for `fresh_seconds`, and asks
again sooner only when a page names an account it has not met (an officer added since), at most
once every `retry_seconds`; an account identity did not name either is not asked about again
until the names are renewed (accounts of a deployment's own OpenID Connect provider, which identity
never holds). When identity cannot be asked, pages show the accounts as they are: a name is a
courtesy, never a reason for a page to fail, and the question has a short timeout of its own.
"""

import threading
import time
from collections.abc import Callable, Iterator, Mapping

FRESH_SECONDS = 600.0
RETRY_SECONDS = 60.0

# The directory as identity gives it, or None when it could not be had; called with the visitor's token.
Fetch = Callable[[str], dict[str, str] | None]


class StaffDirectory:
    """Account -> name for the console's pages, shared by its workers."""

    def __init__(
        self,
        fetch: Fetch,
        fresh_seconds: float = FRESH_SECONDS,
        retry_seconds: float = RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._fresh_seconds = fresh_seconds
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._names: dict[str, str] = {}
        self._unnamed: set[str] = set()  # asked about since the last renewal, and not named
        self._fetched_at: float | None = None
        self._asked_at: float | None = None
        self._asking = threading.Lock()  # one request to identity at a time, however many pages want one

    def for_page(self, token: str) -> Mapping[str, str]:
        """The names one page reads, asked of identity with `token` if the page needs them and they are old."""
        return _PeopleOnPage(self, token)

    def names(self, token: str, missing: str | None = None) -> dict[str, str]:
        """The names known now, asked again first when they are stale, or when `missing` is not among them."""
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at >= self._fresh_seconds
        new_face = missing is not None and missing not in self._names and missing not in self._unnamed
        answered = False
        if (stale or new_face) and self._may_ask(now):
            with self._asking:
                if self._may_ask(self._clock()):  # nobody asked while this one waited its turn
                    answered = self._ask(token, renewing=stale)
        if answered and missing is not None and missing not in self._names:
            self._unnamed.add(missing)  # identity was asked, and does not name it
        return self._names

    def _may_ask(self, now: float) -> bool:
        return self._asked_at is None or now - self._asked_at >= self._retry_seconds

    def _ask(self, token: str, renewing: bool) -> bool:
        """Ask identity for the names; True if it gave them."""
        self._asked_at = self._clock()
        found = self._fetch(token)
        if found is None:
            return False
        self._names = found
        if renewing or self._fetched_at is None:
            self._fetched_at, self._unnamed = self._asked_at, set()
        return True


class _PeopleOnPage(Mapping[str, str]):
    """A page's view of the directory: asks identity only when the page names someone."""

    def __init__(self, directory: StaffDirectory, token: str) -> None:
        self._directory = directory
        self._token = token

    def __getitem__(self, account: str) -> str:
        return self._directory.names(self._token, missing=account)[account]

    def __iter__(self) -> Iterator[str]:
        return iter(self._directory.names(self._token))

    def __len__(self) -> int:
        return len(self._directory.names(self._token))
