"""Finding a block of free local ports for a platform of its own (tests, the conformance kit)."""

import random
import socket
from pathlib import Path


def _ephemeral_ports() -> tuple[int, int]:
    """The range the kernel gives outgoing connections (Linux; the IANA range elsewhere)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 49152, 65535


def free_port_base(span: int) -> int:
    """A base port with the next `span` ports free, so parallel runs never collide.

    Chosen below the ephemeral range: a port in it that is free now can be taken a moment
    later by one of the platform's own outgoing connections, before its service binds it.
    """
    top = _ephemeral_ports()[0] - span - 1
    lowest = 10_000 if top > 11_000 else 1024
    for _ in range(200):
        base = random.randrange(lowest, top)
        if all(_port_free(base + offset) for offset in range(1, span + 1)):
            return base
    raise RuntimeError("no free block of ports")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
