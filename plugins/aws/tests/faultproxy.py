"""A fault-injecting HTTP proxy on 127.0.0.1 in front of the S3 server, for retry tests.

Point ``--endpoint-url`` at :attr:`FaultProxy.url`; every request is forwarded to the real (moto) server
unless a rule claims it first. A rule matches a method and an object key (or a listing), fires for its
first ``times`` matching requests, and then lets them through:

* :func:`error_status` answers with an S3 error (503 SlowDown, 500 InternalError, ...) without asking
  the server;
* :func:`reset_mid_body` forwards the request, sends the status, the headers (with the full
  Content-Length) and half the body, then resets the connection, as a network failure in the middle of
  a download does;
* :func:`stall_mid_body` sends half the body and then waits until the test calls ``release()`` (or a
  bounded time passes) before sending the rest: the test knows the import is in the middle of a data
  file, and can kill it or start a second import at that point.

Every request is recorded (method, key, what the proxy did), so a test can check that the faults did
happen and how often the client came back. The server thread is a daemon, idle connections time out,
and leaving the ``with`` block stops it.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "upgrade"}
LISTING = "?list"  # a rule key that matches bucket listings instead of an object
STALL_LIMIT = 60.0  # seconds a stalled download waits for release(), so a failed test cannot hang


@dataclass
class Rule:
    method: str
    key: str  # object key (the path after the bucket), or LISTING
    action: str  # "status" | "reset" | "stall"
    times: int
    status: int = 503
    code: str = "SlowDown"
    fired: int = 0
    stalled: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def wait_stalled(self, timeout: float = STALL_LIMIT) -> None:
        """Block until a matching download is stalled halfway through its body."""
        if not self.stalled.wait(timeout):
            raise AssertionError(f"no GET of {self.key} reached the proxy within {timeout:.0f}s")

    def release(self) -> None:
        self.released.set()

    def claims(self, method: str, key: str, query: str) -> bool:
        if method != self.method or self.fired >= self.times:
            return False
        if self.key == LISTING:
            return "list-type" in query
        return key == self.key


def error_status(method: str, key: str, *, times: int, status: int = 503, code: str = "SlowDown") -> Rule:
    return Rule(method, key, "status", times, status, code)


def reset_mid_body(key: str, *, times: int = 1) -> Rule:
    return Rule("GET", key, "reset", times)


def stall_mid_body(key: str) -> Rule:
    return Rule("GET", key, "stall", 1)


@dataclass(frozen=True)
class Seen:
    method: str
    key: str
    outcome: str  # "forwarded", "status 503", "reset after 1234 of 2468 bytes"


@dataclass
class FaultProxy:
    upstream: str  # http://127.0.0.1:PORT of the real server
    rules: list[Rule] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "use the proxy inside a with block"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def requests_for(self, method: str, key: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.method == method and s.key == key]

    def __enter__(self) -> FaultProxy:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._server is not None and self._thread is not None
        for rule in self.rules:
            rule.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _decide(self, method: str, key: str, query: str) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.claims(method, key, query):
                    rule.fired += 1
                    return rule
            return None

    def _record(self, method: str, key: str, outcome: str) -> None:
        with self._lock:
            self.seen.append(Seen(method, key, outcome))


class _Handler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"  # keep-alive, as boto3 expects of S3
    timeout = 30  # an idle client connection does not keep a handler thread forever

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _key(self) -> tuple[str, str]:
        """Path-style addressing (an IP endpoint): ``/bucket/key?query`` -> (``key``, ``query``)."""
        parts = urlsplit(self.path)
        _, _, key = unquote(parts.path).lstrip("/").partition("/")
        return key, parts.query

    def _handle(self) -> None:
        key, query = self._key()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        rule = self.owner._decide(self.command, key, query)
        if rule is not None and rule.action == "status":
            self.owner._record(self.command, key, f"status {rule.status}")
            self._send_error(rule)
            return
        status, reason, headers, payload = self._forward(body)
        if rule is not None and rule.action == "reset":
            half = len(payload) // 2
            self.owner._record(self.command, key, f"reset after {half} of {len(payload)} bytes")
            self._send(status, reason, headers, payload, len(payload), payload[:half])
            self._reset()
            return
        if rule is not None and rule.action == "stall":
            half = len(payload) // 2
            self.owner._record(self.command, key, f"stalled after {half} of {len(payload)} bytes")
            self._send(status, reason, headers, payload, len(payload), payload[:half])
            rule.stalled.set()
            rule.released.wait(STALL_LIMIT)
            try:
                self.wfile.write(payload[half:])
            except OSError:  # the client went away meanwhile (killed, or gave up)
                self.close_connection = True
            return
        self.owner._record(self.command, key, "forwarded")
        self._send(status, reason, headers, payload, len(payload), payload)

    def _forward(self, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        target = urlsplit(self.owner.upstream)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            return response.status, response.reason, kept, payload
        finally:
            connection.close()

    def _send(self, status: int, reason: str, headers: list[tuple[str, str]], payload: bytes, length: int,
              sent: bytes) -> None:
        self.send_response_only(status, reason)
        for name, value in headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        # A HEAD answer states the object's length; the server sent no body for it.
        content_length = dict((k.lower(), v) for k, v in headers).get("content-length", str(length))
        self.send_header("Content-Length", content_length if self.command == "HEAD" else str(length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(sent)
        self.wfile.flush()

    def _send_error(self, rule: Rule) -> None:
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{rule.code}</Code>'
            f"<Message>injected by the test proxy</Message><RequestId>fault</RequestId></Error>"
        ).encode()
        self.send_response_only(rule.status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body) if self.command != "HEAD" else 0))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def _reset(self) -> None:
        """Close with RST (SO_LINGER 0): the client sees a connection reset, not a clean end of stream."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
