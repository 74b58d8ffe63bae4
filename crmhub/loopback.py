"""Loopback ports for the processes CRM Hub starts on one machine: the local source systems, a
throw-away PostgreSQL, the local Celery cluster (Redis, Airflow's api-server) and the tests' servers."""

from __future__ import annotations

import socket
import subprocess
import time

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A port nothing listens on now (the OS picks it); the caller binds it next."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(
    port: int, seconds: float, process: subprocess.Popen[bytes] | None = None, host: str = LOOPBACK
) -> None:
    """Until something accepts connections on ``host:port``; fails early when ``process`` exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode} before listening")
        with socket.socket() as sock:
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {seconds:.0f} s")
