"""Our own storage errors, so services never catch driver exceptions."""


class StoreError(Exception):
    """Base for storage failures."""


class StoreUnavailable(StoreError):
    """The database could not be reached or the transaction could not finish; retrying may help."""


class Conflict(StoreError):
    """A uniqueness or concurrency rule was violated by this write."""


class InvalidValue(StoreError):
    """A value the database would not take: text holding NUL, a number beyond its column's range, text that does
    not read as the type it was given as. The input's fault, not the database's: trying again cannot help.
    Its text names the error's code, never the value (it may be a person's data)."""


class NotFound(StoreError):
    """The row asked for does not exist."""


class StoreDown(StoreUnavailable):
    """The database could not be reached: a connection refused, lost, or not granted within the pool's wait."""

    # Not the message's fault: the inbox waits and tries it again without using up one of its attempts
    # (shared/messaging/consumer.py), so an outage longer than the attempts last dead-letters nothing.
    retry_without_attempt = True


class Busy(StoreUnavailable):
    """A row lock was not granted within the wait this statement allowed itself."""
