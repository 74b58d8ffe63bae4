"""Serve an ASGI app of a local source system over real HTTP on loopback, in a background thread.

Tests and the demo talk to the local ERP, web shop, ... through real sockets; nothing is mocked at
the function level. ``port=0`` picks a free port.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import uvicorn

from crmhub.loopback import free_port


@dataclass
class RunningServer:
    url: str
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_in_thread(app, port: int = 0, host: str = "127.0.0.1") -> RunningServer:
    """Start ``app`` with uvicorn on ``host:port`` and wait until it accepts connections."""
    port = port or free_port(host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"source-server-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"local source server on {host}:{port} did not start")
        time.sleep(0.02)
    return RunningServer(url=f"http://{host}:{port}", port=port, server=server, thread=thread)
