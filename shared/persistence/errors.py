"""Our own storage errors, so services never catch driver exceptions."""


class StoreError(Exception):
    """Base for storage failures."""


class StoreUnavailable(StoreError):
    """The database could not be reached or the transaction could not finish; retrying may help."""


class Conflict(StoreError):
    """A uniqueness or concurrency rule was violated by this write."""


class NotFound(StoreError):
    """The row asked for does not exist."""


class Busy(StoreUnavailable):
    """A row lock was not granted within the wait this statement allowed itself."""
