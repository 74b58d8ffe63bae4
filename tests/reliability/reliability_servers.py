"""Misbehaving servers on loopback: they accept connections and then hang, reset, or answer with
whatever bytes a test gives them (truncated XML, an entity bomb, an endless body).

Raw sockets instead of an ASGI app, because the point is to break HTTP itself: a server that never
answers, or closes the connection with a TCP reset, cannot be written as a well-behaved web app.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

Responder = Callable[[bytes], Iterator[bytes]]  # request bytes -> chunks of the raw HTTP response


def http_response(body: bytes, status: str = "200 OK", content_type: str = "text/xml; charset=utf-8",
                  length: int | None = None) -> bytes:
    head = (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body) if length is None else length}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


@dataclass
class MisbehavingServer:
    """``mode``: ``hang`` (read the request, never answer), ``reset`` (answer with a TCP RST) or
    ``respond`` (send what ``responder`` yields, then close). ``requests`` counts connections served."""

    mode: str
    responder: Responder | None = None
    requests: int = 0
    _server: socketserver.ThreadingTCPServer | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    def start(self) -> MisbehavingServer:
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer.requests += 1
                request = _read_request(self.request)
                if outer.mode == "hang":
                    while not outer._stop.wait(0.05):
                        pass
                elif outer.mode == "reset":
                    # SO_LINGER with zero time-out: close() sends RST instead of FIN
                    self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.request.close()
                else:
                    try:
                        for chunk in outer.responder(request):
                            self.request.sendall(chunk)
                    except OSError:
                        pass  # the client gave up reading (a size cap): expected

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._stop.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def _read_request(sock: socket.socket, limit: float = 2.0) -> bytes:
    """Read headers and a Content-Length body (enough for a client to consider the request sent)."""
    sock.settimeout(limit)
    data = b""
    deadline = time.monotonic() + limit
    try:
        while b"\r\n\r\n" not in data and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body
    except OSError:
        return data
    finally:
        sock.settimeout(None)
