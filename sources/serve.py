"""Serve an ASGI app of a local source system over real HTTP on loopback, in a background thread or a
process of its own.

Tests and the demo talk to the local ERP, web shop, ... through real sockets; nothing is mocked at
the function level. ``port=0`` picks a free port. Tests serve from threads (they look into the
systems); ``crmhub sources serve`` gives each system a process (``serve_in_process``), as a real ERP
and a real shop never share one Python interpreter: served from threads of one process they took
turns on its GIL, and at 100k records the hub's ERP push waited 22 s on the ERP while the shop's
push kept that process busy.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess

import uvicorn

from crmhub.loopback import free_port, wait_for_port


def with_latency(app, seconds: float):
    """``app`` answering each HTTP request ``seconds`` late, as a system across a WAN does (a SAP ERP
    over a VPN, a hosted shop): without it, loopback answers in microseconds, and timing that only
    happens on a real network (a worker still busy when work is handed out, a chunk still in flight)
    is never seen. The wait is asynchronous: requests in flight still overlap."""
    if seconds <= 0:
        return app

    async def late(scope, receive, send):
        if scope["type"] == "http":
            await asyncio.sleep(seconds)
        await app(scope, receive, send)

    return late


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


@dataclass
class ServerProcess:
    """A source system served by a process of its own (``serve_in_process``)."""

    url: str
    port: int
    process: BaseProcess

    def stop(self) -> None:
        self.process.terminate()  # uvicorn shuts down on SIGTERM
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def serve_in_process(app, port: int = 0, host: str = "127.0.0.1") -> ServerProcess:
    """Start ``app`` with uvicorn on ``host:port`` in a forked child process and wait until it accepts
    connections. Fork before this process starts threads (a forked child inherits any lock another
    thread held); the child ends when this process does."""
    port = port or free_port(host)
    process = multiprocessing.get_context("fork").Process(
        target=_serve, args=(app, port, host, os.getpid()), name=f"source-server-{port}", daemon=True
    )
    process.start()
    try:
        wait_for_port(port, seconds=15, host=host)
    except TimeoutError:
        process.kill()
        raise RuntimeError(f"local source server on {host}:{port} did not start") from None
    return ServerProcess(url=f"http://{host}:{port}", port=port, process=process)


def _serve(app, port: int, host: str, parent: int) -> None:
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")).run()


def _exit_with(parent: int) -> None:
    """End this server once its parent has gone (killed without stopping it): no orphan holds the port."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
