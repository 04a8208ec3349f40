"""Who each account is, for pages that name the staff who acted (刘洋（liu.yang））: identity's answers, kept a while.

Messages and records carry the acting account, which is all a service can trust; staff know one
another by name. The console asks identity for the names of the accounts a page shows
(`GET /api/v1/people?account=…`), with the visitor's own token, and keeps each answer, a name or
none, for `fresh_seconds`; a question about one account also renews the others that have grown
old. Identity answers only for the accounts asked about, so no page, and no member of staff, can
list them all. When identity cannot be asked (it is down, or a deployment trusts its own OpenID
Connect provider and runs none), pages show the accounts as they are and identity is not asked
again for `retry_seconds`: a name is a courtesy, never a reason for a page to fail.
"""

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence

FRESH_SECONDS = 600.0
RETRY_SECONDS = 60.0
# As many accounts as identity answers for in one question.
ASKED_AT_ONCE = 50
# Answers kept at most (the oldest go first): far more staff than a county has.
KEPT_AT_MOST = 5000

# The names identity gives for these accounts (an account it does not name is left out), or None when it
# could not be asked; called with the visitor's token.
Fetch = Callable[[str, Sequence[str]], dict[str, str] | None]


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
        self._known: dict[str, tuple[str | None, float]] = {}  # account: its name or None, and when asked
        self._quiet_until = float("-inf")  # identity could not be asked: not again before this
        self._asking = threading.Lock()  # one question to identity at a time, however many pages want one

    def for_page(self, token: str) -> Mapping[str, str]:
        """The names one page reads, asked of identity with `token` for the accounts the page shows."""
        return _PeopleOnPage(self, token)

    def name_of(self, token: str, account: str) -> str | None:
        """The account's name: as kept while fresh, else asked of identity (with the other old ones)."""
        answer = self._fresh(account)
        if answer is not None or self._clock() < self._quiet_until:
            return self._kept_name(account)
        with self._asking:
            if self._fresh(account) is None and self._clock() >= self._quiet_until:  # not asked while it waited
                self._ask(token, account)
        return self._kept_name(account)

    def known(self) -> dict[str, str]:
        return {account: name for account, (name, _) in self._known.items() if name is not None}

    def _fresh(self, account: str) -> tuple[str | None, float] | None:
        kept = self._known.get(account)
        return kept if kept is not None and self._clock() - kept[1] < self._fresh_seconds else None

    def _kept_name(self, account: str) -> str | None:
        kept = self._known.get(account)
        return kept[0] if kept is not None else None

    def _ask(self, token: str, account: str) -> None:
        now = self._clock()
        old = [other for other, (_, at) in self._known.items() if other != account and now - at >= self._fresh_seconds]
        asked = [account, *old[: ASKED_AT_ONCE - 1]]
        found = self._fetch(token, asked)
        if found is None:
            self._quiet_until = now + self._retry_seconds
            return
        for each in asked:
            self._known.pop(each, None)  # re-inserted last: the oldest answers stay first, to go first
            self._known[each] = (found.get(each), now)
        while len(self._known) > KEPT_AT_MOST:
            del self._known[next(iter(self._known))]


class _PeopleOnPage(Mapping[str, str]):
    """A page's view of the directory: asks identity only about the accounts the page shows."""

    def __init__(self, directory: StaffDirectory, token: str) -> None:
        self._directory = directory
        self._token = token

    def __getitem__(self, account: str) -> str:
        name = self._directory.name_of(self._token, account) if account else None
        if name is None:
            raise KeyError(account)
        return name

    def __iter__(self) -> Iterator[str]:
        return iter(self._directory.known())

    def __len__(self) -> int:
        return len(self._directory.known())
