"""CPU seconds used by each service process, and by the local broker and database, read from /proc.

The platform is CPU-bound on a small machine, so "milliseconds of CPU per lifecycle" per
process says where to look next far more steadily than wall-clock rates do.
"""

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def process_seconds(pid: int) -> float | None:
    """User plus system CPU seconds of one process (None once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command name: state is field 3, utime 14 and stime 15 (1-based, proc(5)).
    return (int(fields[11]) + int(fields[12])) / _TICKS


def family_seconds(names: tuple[str, ...]) -> float | None:
    """CPU seconds of every process whose command is one of `names`, with the children they have reaped.

    A server that starts a process per connection (PostgreSQL) loses a connection's CPU from /proc when
    it closes; its parent then holds it as the CPU of its reaped children. None when none runs here.
    """
    found = seconds_by_command(names)
    if not found:
        return None
    reaped = 0.0
    for pid in found:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # The family's parent (the postmaster) has a parent outside it: ppid is field 4, cutime 16, cstime 17.
        if int(fields[1]) not in found:
            reaped += (int(fields[13]) + int(fields[14])) / _TICKS
    return sum(found.values()) + reaped


def seconds_by_command(names: tuple[str, ...]) -> dict[int, float]:
    """CPU seconds of each process whose command is one of `names` (e.g. every postgres backend)."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if command in names:
            found[int(entry.name)] = process_seconds(int(entry.name)) or 0.0
    return found


def backend_database(pid: int) -> str | None:
    """The database a PostgreSQL backend serves, from the title it sets itself ("postgres: 15/main: user db host …")."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    parts = title.split()
    return parts[3] if len(parts) > 4 and parts[0] == "postgres:" else None


# The broker and database serve every service; counted by command name when they run here.
POSTGRES = "postgresql (all local backends)"
BROKER_CPU = "rabbitmq (beam.smp)"
DRIVERS = "bench drivers (this process)"
SHARED = {POSTGRES: ("postgres",), BROKER_CPU: ("beam.smp",)}


class CpuMeter:
    """Snapshot CPU seconds before and after a run; `used()` gives the difference per name."""

    def __init__(self, service_pids: dict[str, int]) -> None:
        self.service_pids = service_pids
        self.started = self._read()
        # Which database each backend serves, noted while it runs (a backend that exited has no title left).
        self.databases: dict[int, str] = {}
        self.note_databases()

    def note_databases(self) -> None:
        for pid in self.started.get(POSTGRES, {}):
            if pid not in self.databases and (database := backend_database(pid)):
                self.databases[pid] = database

    def by_database(self) -> dict[str, float]:
        """PostgreSQL backend seconds since the start, per database (backends with no database: "other")."""
        now = self._read()[POSTGRES]
        for pid in now:
            if pid not in self.databases and (database := backend_database(pid)):
                self.databases[pid] = database
        started = self.started[POSTGRES]
        found: dict[str, float] = {}
        for pid, seconds in now.items():
            name = self.databases.get(pid, "other")
            found[name] = found.get(name, 0.0) + seconds - started.get(pid, 0.0)
        return found

    def _read(self) -> dict[str, dict[int, float]]:
        pids = {**self.service_pids, DRIVERS: os.getpid()}
        readings = {name: {pid: process_seconds(pid) or 0.0} for name, pid in pids.items()}
        for name, commands in SHARED.items():
            readings[name] = seconds_by_command(commands)
        return readings

    def used(self) -> dict[str, float]:
        """Seconds used since the start; processes that exited meanwhile are not counted."""
        now = self._read()
        return {
            name: sum(seconds - self.started[name].get(pid, 0.0) for pid, seconds in per_pid.items())
            for name, per_pid in now.items()
        }
