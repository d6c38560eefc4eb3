"""A threaded HTTP/1.1 server for localhub: keep-alive, chunked and gzip bodies, a small router."""

from __future__ import annotations

import gzip
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

from soda_tui.localhub.faults import (
    SECONDARY_LIMIT_DOCS,
    SECONDARY_LIMIT_MESSAGE,
    FaultKind,
    Faults,
)

logger = logging.getLogger("soda_tui.localhub")

# Bodies we read whole (JSON) are small; git bodies are streamed and never read this way.
MAX_JSON_BODY = 16 * 1024 * 1024
# Unread request bodies up to this size are drained so the connection can be kept alive.
MAX_DRAIN = 4 * 1024 * 1024
IDLE_TIMEOUT_SECONDS = 120.0


class BadRequestBody(Exception):
    """The request body could not be decoded (broken chunking or gzip, or too large)."""


class _RawBody:
    """The request body as sent, after Content-Length or chunked framing is removed."""

    def __init__(self, rfile: BinaryIO, content_length: int | None, chunked: bool) -> None:
        self._rfile = rfile
        self._chunked = chunked
        self._remaining = content_length or 0
        self._chunk_left = 0
        self._done = not chunked and not content_length

    @property
    def exhausted(self) -> bool:
        """Whether every byte of the body has been read from the socket."""
        return self._done

    def read(self, size: int = -1) -> bytes:
        """Read up to `size` bytes (all that is left when negative)."""
        if self._done or size == 0:
            return b""
        if size is None or size < 0:
            parts = []
            while not self._done:
                parts.append(self.read(65536))
            return b"".join(parts)
        if self._chunked:
            # Fill the request across chunk boundaries so readers see file-like full reads.
            parts: list[bytes] = []
            wanted = size
            while wanted > 0 and not self._done:
                data = self._read_chunked(wanted)
                parts.append(data)
                wanted -= len(data)
            return b"".join(parts)
        data = self._rfile.read(min(size, self._remaining))
        if not data:
            raise BadRequestBody("request body ended early")
        self._remaining -= len(data)
        if self._remaining == 0:
            self._done = True
        return data

    def _read_chunked(self, size: int) -> bytes:
        if self._chunk_left == 0:
            line = self._rfile.readline(1024)
            if not line:
                raise BadRequestBody("chunked body ended early")
            try:
                self._chunk_left = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadRequestBody("invalid chunk size") from None
            if self._chunk_left == 0:
                # Skip trailers up to the blank line that ends the body.
                while True:
                    trailer = self._rfile.readline(8192)
                    if trailer in (b"\r\n", b"\n", b""):
                        break
                self._done = True
                return b""
        data = self._rfile.read(min(size, self._chunk_left))
        if not data:
            raise BadRequestBody("chunked body ended early")
        self._chunk_left -= len(data)
        if self._chunk_left == 0:
            self._rfile.readline(8)
        return data


class RequestBody:
    """The decoded request body as a file-like stream (dechunked, then gunzipped if needed)."""

    def __init__(self, raw: _RawBody, gzipped: bool) -> None:
        self._raw = raw
        self._stream: Any = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw

    def read(self, size: int = -1) -> bytes:
        """Read up to `size` decoded bytes (all when negative)."""
        try:
            return self._stream.read(size)
        except (OSError, EOFError) as error:
            raise BadRequestBody(f"could not decode request body: {error}") from None

    def drain(self, limit: int) -> bool:
        """Discard what is left of the raw body; False when more than `limit` bytes remain."""
        drained = 0
        while not self._raw.exhausted:
            chunk = self._raw.read(65536)
            drained += len(chunk)
            if drained > limit:
                return False
        return True


@dataclass
class Request:
    """One HTTP request as the route handlers see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: RequestBody
    writer: ResponseWriter
    route_name: str = ""
    match: re.Match[str] | None = None

    def header(self, name: str, default: str = "") -> str:
        """A request header's value (case-insensitive name), or `default`."""
        value = self.headers.get(name)
        return default if value is None else str(value)

    def read_json(self) -> Any:
        """The body parsed as JSON; raises `ValueError` when it is not JSON."""
        data = self.body.read(MAX_JSON_BODY + 1)
        if len(data) > MAX_JSON_BODY:
            raise BadRequestBody("request body too large")
        return json.loads(data.decode("utf-8"))


@dataclass
class Response:
    """A complete response: status, headers and a body sent with a Content-Length."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    close: bool = False


def json_response(status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """A JSON response in GitHub's content type."""
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    all_headers = [("content-type", "application/json; charset=utf-8"), *headers]
    return Response(status=status, body=body, headers=all_headers)


class ResponseWriter:
    """Streams a response whose length is unknown, using chunked transfer encoding."""

    def __init__(self, handler: _Handler) -> None:
        self._handler = handler
        self.started = False
        self.ended = False
        self._chunked = False

    def start(self, status: int, headers: Iterable[tuple[str, str]]) -> None:
        """Send the status line and headers; the body follows through `write`."""
        header_list = list(headers)
        names = {name.lower() for name, _ in header_list}
        self._handler.send_response(status)
        for name, value in header_list:
            self._handler.send_header(name, value)
        if "content-length" not in names:
            self._chunked = True
            self._handler.send_header("Transfer-Encoding", "chunked")
        self._handler.end_headers()
        self.started = True

    def write(self, data: bytes) -> None:
        """Send part of the body."""
        if not data:
            return
        wfile = self._handler.wfile
        if self._chunked:
            wfile.write(b"%x\r\n" % len(data) + data + b"\r\n")
        else:
            wfile.write(data)

    def end(self) -> None:
        """Finish the body."""
        if self._chunked and not self.ended:
            self._handler.wfile.write(b"0\r\n\r\n")
        self._handler.wfile.flush()
        self.ended = True


Handler = Callable[[Request], "Response | None"]


@dataclass(frozen=True)
class Route:
    """A named route: which methods and path pattern it serves, and its kind for faults."""

    name: str
    kind: str
    methods: frozenset[str]
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Matches a method and path to the first route whose pattern matches the whole path."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(
        self, name: str, kind: str, methods: Iterable[str], pattern: str, handler: Handler
    ) -> None:
        """Register a route; `pattern` must match the full path."""
        self._routes.append(Route(name, kind, frozenset(methods), re.compile(pattern), handler))

    def match(self, method: str, path: str) -> tuple[Route, re.Match[str]] | None:
        """The route and match for this request, or None."""
        for route in self._routes:
            found = route.pattern.fullmatch(path)
            if found and method in route.methods:
                return route, found
        return None


NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}


class LocalHubHTTPServer(ThreadingHTTPServer):
    """The threaded loopback server: counts requests per route, closes idle connections on stop."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops bursts of new connections (clients retry after 1 s).
    request_queue_size = 128

    def __init__(self, port: int, router: Router, faults: Faults) -> None:
        self.router = router
        self.faults = faults
        self.stopping = threading.Event()
        self._counts: dict[str, int] = {}
        self._encodings: dict[str, int] = {}
        self._count_lock = threading.Lock()
        self._connections: dict[socket.socket, _Handler] = {}
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection with Nagle off: headers and body go out as separate writes, and
        Nagle plus the client's delayed ACK would stall every keep-alive reply by ~40 ms."""
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address

    @property
    def port(self) -> int:
        """The bound port (useful when 0 was asked for)."""
        return int(self.server_address[1])

    def count(self, route_name: str, encodings: Iterable[str] = ()) -> None:
        """Count one request on a route, and the encodings ("chunked", "gzip") of its body."""
        with self._count_lock:
            self._counts[route_name] = self._counts.get(route_name, 0) + 1
            for encoding in encodings:
                self._encodings[encoding] = self._encodings.get(encoding, 0) + 1

    def encoding_counts(self) -> dict[str, int]:
        """Request bodies received per encoding ("chunked", "gzip") since start."""
        with self._count_lock:
            return dict(self._encodings)

    def request_counts(self) -> dict[str, int]:
        """Requests served per route name since start."""
        with self._count_lock:
            return dict(self._counts)

    def register(self, handler: _Handler) -> None:
        """Remember an open connection so stop can close it."""
        with self._connections_lock:
            self._connections[handler.connection] = handler

    def unregister(self, handler: _Handler) -> None:
        """Forget a closed connection."""
        with self._connections_lock:
            self._connections.pop(handler.connection, None)

    def close_connections(self, deadline_seconds: float) -> None:
        """Close idle keep-alive connections at once and busy ones when done or at the deadline."""
        deadline = time.monotonic() + deadline_seconds
        while True:
            with self._connections_lock:
                open_handlers = list(self._connections.values())
            if not open_handlers:
                return
            force = time.monotonic() >= deadline
            for handler in open_handlers:
                if force or not handler.busy:
                    _shutdown_socket(handler.connection)
            if force:
                return
            # Busy requests finish on their own; wait briefly for them before looking again.
            self.stopping.wait(0.02)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Keep client disconnects quiet; report anything else through logging, redacted."""
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


def _shutdown_socket(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        # Already closed by the peer; nothing left to shut.
        return


class _Handler(BaseHTTPRequestHandler):
    """Parses one request at a time on a keep-alive connection and dispatches it to the router."""

    protocol_version = "HTTP/1.1"
    server_version = "localhub"
    sys_version = ""
    timeout = IDLE_TIMEOUT_SECONDS
    server: LocalHubHTTPServer
    busy = False

    def setup(self) -> None:
        super().setup()
        self.server.register(self)

    def finish(self) -> None:
        self.server.unregister(self)
        try:
            super().finish()
        except OSError:
            # The client went away; nothing more can be sent.
            return

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: benchmarks and the TUI must not see per-request noise on stderr."""
        return

    def _dispatch(self) -> None:
        self.busy = True
        try:
            self._serve_one()
        except (ConnectionError, TimeoutError, BrokenPipeError):
            self.close_connection = True
        finally:
            self.busy = False

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def _serve_one(self) -> None:
        parts = urlsplit(self.path)
        length_header = self.headers.get("Content-Length")
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        try:
            content_length = int(length_header) if length_header and not chunked else None
        except ValueError:
            self._send(json_response(400, {"message": "Invalid Content-Length"}))
            self.close_connection = True
            return
        gzipped = self.headers.get("Content-Encoding", "").lower() == "gzip"
        encodings = [name for name, used in (("chunked", chunked), ("gzip", gzipped)) if used]
        body = RequestBody(_RawBody(self.rfile, content_length, chunked), gzipped)
        writer = ResponseWriter(self)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers=self.headers,
            body=body,
            writer=writer,
        )
        found = self.server.router.match(self.command, parts.path)
        if found is None:
            self.server.count("not_found", encodings)
            self._finish(request, json_response(404, NOT_FOUND))
            return
        route, match = found
        request.route_name = route.name
        request.match = match
        self.server.count(route.name, encodings)
        if route.kind in ("graphql", "git", "rest"):
            decision = self.server.faults.decide(parts.path, route.kind)
            if decision.delay_seconds > 0:
                self.server.stopping.wait(decision.delay_seconds)
            if decision.failure is not None:
                self._inject(request, decision.failure)
                return
        try:
            response = route.handler(request)
        except BadRequestBody as error:
            response = json_response(400, {"message": str(error)})
            self.close_connection = True
        except Exception:
            if writer.started:
                # Headers are gone; the only honest signal left is closing the connection.
                logger.exception("localhub route %s failed mid-response", route.name)
                self.close_connection = True
                return
            logger.exception("localhub route %s failed", route.name)
            response = json_response(500, {"message": "Server Error"})
        self._finish(request, response)

    def _inject(self, request: Request, failure: FaultKind) -> None:
        if failure is FaultKind.DROP:
            # Read the body first so the client sees a clean close, not a reset, then hang up.
            request.body.drain(MAX_DRAIN)
            self.close_connection = True
            return
        if failure is FaultKind.BAD_GATEWAY:
            self._finish(request, json_response(502, {"message": "Server Error"}))
            return
        retry_after = str(self.server.faults.retry_after_seconds)
        payload = {"message": SECONDARY_LIMIT_MESSAGE, "documentation_url": SECONDARY_LIMIT_DOCS}
        self._finish(request, json_response(403, payload, [("retry-after", retry_after)]))

    def _finish(self, request: Request, response: Response | None) -> None:
        if response is None:
            if not request.writer.started:
                self._send(json_response(500, {"message": "Server Error"}))
            elif not request.writer.ended:
                request.writer.end()
        else:
            self._send(response)
        if response is not None and response.close:
            self.close_connection = True
        try:
            if not request.body.drain(MAX_DRAIN):
                self.close_connection = True
        except BadRequestBody:
            self.close_connection = True
        if self.server.stopping.is_set():
            self.close_connection = True

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if response.close or self.server.stopping.is_set():
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(response.body)
        self.wfile.flush()
