"""Group commit: inbox handlers that run back to back share one transaction, each in a savepoint.

Every write transaction costs PostgreSQL a commit (a WAL flush and its bookkeeping), which
on a small machine weighs more than the handler's own statements. When messages queue up,
the handlers waiting for their turn join the open transaction instead of opening their
own: each runs inside a savepoint, so one that fails (or finds its message already handled)
undoes only its own work, and the last of the run commits for all. A handler returns only
once that commit holds, so its message is acknowledged after its effect is durable, as
before; if the commit fails, every handler of the group fails and its message is retried.

Handlers take turns: one at a time runs statements on the group's connection. Two groups
never run statements at once, so the row locks one holds cannot deadlock with another in
this process; the next group starts while the last one commits. A group stops growing at
`max_members`, keeping subtransactions within what PostgreSQL caches per transaction.
With one message at a time nothing changes but a savepoint: each handler commits alone, and
then in the round trip that sends its last writes (`RELEASE …; COMMIT` together), since no
other handler's work can be lost with its own. Where messages arrive one at a time (a
service that keeps up with its inbox), every handler is spared a round trip.
"""

import contextlib
import threading
from collections.abc import Iterator

import psycopg

from shared.delivery.inbox import AlreadyHandled
from shared.persistence.errors import StoreDown, StoreUnavailable
from shared.persistence.transaction import ConnectionFactory, OnCommit, Transaction

# PostgreSQL keeps 64 subtransaction ids per transaction in shared memory; beyond that,
# every other session's visibility checks slow down.
MAX_MEMBERS = 32
# Every handler's savepoint has the same name: handlers take turns, and each releases or rolls
# back its own before the next begins. A name that changed each time would make every round
# trip a new query text, which psycopg then parses afresh instead of taking from its cache.
SAVEPOINT = "handler"


def database_down(error: BaseException) -> bool:
    """The connection failed (refused, lost, not granted), as opposed to a statement the server refused or cut."""
    if isinstance(error, StoreDown):
        return True
    return isinstance(error, psycopg.OperationalError) and not isinstance(error, psycopg.errors.QueryCanceled)


class _Group:
    def __init__(self, connection: contextlib.ExitStack, transaction: Transaction) -> None:
        self.connection = connection
        self.transaction = transaction
        self.members = 0
        self.failure: BaseException | None = None
        self.done = threading.Event()


class GroupCommit:
    """Hands inbox handlers a savepoint in the open group transaction; commits when the run ends."""

    def __init__(
        self,
        connection_factory: ConnectionFactory,
        on_commit: OnCommit | None = None,
        max_members: int = MAX_MEMBERS,
    ) -> None:
        self._connection_factory = connection_factory
        self._on_commit = on_commit
        self._max_members = max_members
        self._turn = threading.Semaphore(1)
        self._waiting = 0
        self._open: _Group | None = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        self._waiting += 1
        try:
            self._turn.acquire()
        finally:  # a worker killed while it waits must not count as waiting forever
            self._waiting -= 1
        try:
            group = self._open or self._start()
        except BaseException:
            self._turn.release()
            raise
        name = SAVEPOINT
        mark = group.transaction.savepoint(name)
        alone = False
        try:
            yield group.transaction
            # Nobody joined and nobody waits: the group is this handler's alone, and ends with it.
            alone = group.members == 0 and self._waiting == 0
            if alone:
                self._open = None
                group.transaction.release_and_commit(name)
            else:
                group.transaction.release(name)
        except BaseException as exc:
            if alone:
                self._end_alone(group, failed=True)
            else:
                self._undo(group, name, mark)
                self._leave(group)
            if isinstance(exc, AlreadyHandled):
                return  # a redelivery: nothing kept, and the message is acknowledged
            raise
        if alone:
            self._end_alone(group, failed=False)
            return
        group.members += 1
        self._leave(group)
        group.done.wait()
        if group.failure is not None:
            failed = StoreDown if database_down(group.failure) else StoreUnavailable
            raise failed(f"group commit failed, retry: {group.failure}") from group.failure

    def _start(self) -> _Group:
        connection = contextlib.ExitStack()
        try:
            conn = connection.enter_context(self._connection_factory())
            conn.autocommit = True  # the group begins its transaction inside its first round trip
        except psycopg.OperationalError as exc:  # none granted within the pool's wait, or none to be had
            connection.close()
            raise StoreDown(f"no database connection: {exc}") from exc
        except BaseException:
            connection.close()
            raise
        self._open = _Group(connection, Transaction(conn))
        return self._open

    def _end_alone(self, group: _Group, failed: bool) -> None:
        """After a lone handler's last round trip: give up the turn, the connection, and announce what it queued."""
        self._turn.release()
        if failed:
            with contextlib.suppress(Exception):
                group.transaction.rollback()
        with contextlib.suppress(Exception):
            group.connection.close()
        group.done.set()
        if not failed and group.transaction.queued and self._on_commit is not None:
            self._on_commit(group.transaction.queued)

    def _undo(self, group: _Group, name: str, mark: tuple[int, int]) -> None:
        try:
            group.transaction.rollback_to(name, mark)
        except BaseException as exc:  # the connection is gone: the whole group with it
            group.failure = exc

    def _leave(self, group: _Group) -> None:
        """Give up the turn; the last of a run (or a full or broken group) commits it."""
        finishing = group.failure is not None or group.members >= self._max_members or self._waiting == 0
        if finishing:
            self._open = None
        self._turn.release()
        if finishing:
            self._finish(group)

    def _finish(self, group: _Group) -> None:
        try:
            if group.failure is None:
                group.transaction.commit()
            else:
                group.transaction.rollback()
        except BaseException as exc:
            group.failure = group.failure or exc
            with contextlib.suppress(Exception):
                group.transaction.rollback()
        finally:
            with contextlib.suppress(Exception):
                group.connection.close()
            group.done.set()
        if group.failure is None and group.transaction.queued and self._on_commit is not None:
            self._on_commit(group.transaction.queued)
