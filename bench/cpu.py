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


# The broker and database serve every service; counted by command name when they run here.
SHARED = {"postgresql (all local backends)": ("postgres",), "rabbitmq (beam.smp)": ("beam.smp",)}


class CpuMeter:
    """Snapshot CPU seconds before and after a run; `used()` gives the difference per name."""

    def __init__(self, service_pids: dict[str, int]) -> None:
        self.service_pids = service_pids
        self.started = self._read()

    def _read(self) -> dict[str, dict[int, float]]:
        pids = {**self.service_pids, "bench drivers (this process)": os.getpid()}
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
