"""A real webhook receiver for tests: an HTTP/1.1 server (keep-alive, so callbox's
pipelining is exercised) on a free port in a thread, recording every request and
answering with what the test scripted per path."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Received:
    method: str
    path: str  # with the query
    headers: dict[str, str]
    body: bytes
    form: list[tuple[str, str]]
    at: float

    @property
    def params(self) -> dict[str, str]:
        return dict(self.form)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"
    delay: float = 0.0


@dataclass
class Receiver:
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    replies: dict[str, Reply | Callable[[Received], Reply]] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = urlsplit(self.path).query
                form = parse_qsl(query, keep_blank_values=True)
                if self.command == "POST":
                    form = parse_qsl(body.decode(), keep_blank_values=True)
                got = Received(self.command, self.path, dict(self.headers.items()), body, form,
                               time.monotonic())
                with receiver._lock:
                    receiver.requests.append(got)
                    reply = receiver.replies.get(urlsplit(self.path).path, Reply())
                if callable(reply):
                    reply = reply(got)
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = _handle
            do_POST = _handle

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if urlsplit(r.path).path == path]

    def wait_for(self, path: str, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.at(path)
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError(f"{path}: {len(self.at(path))} request(s) of {count} in "
                             f"{timeout} s")
