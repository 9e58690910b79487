"""The HTTP side: one front port for every clearnet site (by Host), one hidden port for the onion market."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from http.client import responses
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from countermark.sim.sites.base import Request, Response, Site, error, text
from countermark.sim.sites.hostility import Hit, RequestStats
from countermark.sim.sites.tls import TLS_PORT

ADMIN_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_BODY = 64 * 1024


class Router:
    """Finds the site a request is for, enforces the rate limit, counts, and answers the admin endpoints."""

    def __init__(
        self,
        sites: dict[str, Site],
        stats: RequestStats,
        *,
        rate_limit: Callable[[], tuple[int, int]],
        admin: Callable[[str, str], Response | None] | None = None,
    ) -> None:
        """Route to `sites` by host; `rate_limit()` gives (requests per second per host, Retry-After)."""
        self.sites = sites
        self.stats = stats
        self.rate_limit = rate_limit
        self.admin = admin

    def dispatch(self, method: str, host: str, target: str) -> Response:
        """Answer one request for host (already lower-cased, without port)."""
        parts = urlsplit(target)
        path = unquote(parts.path) or "/"
        if host in ADMIN_HOSTS and self.admin is not None and path.startswith("/__world/"):
            found = self.admin(method, path)
            return found if found is not None else error(404, "no such admin endpoint")
        site = self.sites.get(host)
        if site is None:
            return error(404, f"no site is served for host {host!r} (the served world is offline)")
        limit, retry_after = self.rate_limit()
        if not self.stats.admit(host, limit):
            response = text(f"too many requests to {host}: at most {limit} per second\n", status=429)
            response = Response(
                429, response.body, response.content_type, (("Retry-After", str(retry_after)),)
            )
        else:
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            try:
                response = site.handle(Request(method=method, host=host, path=path, query=query))
            except Exception as exc:
                response = error(500, f"{type(exc).__name__}: {exc}")
        self.stats.record(Hit(time.time(), host, path, response.status), disallowed=site.disallows(path))
        return response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "countermark-world/1"
    disable_nagle_algorithm = True
    # Idle keep-alive connections are dropped after this many seconds.
    timeout = 30
    server: SitesServer
    _tunnel: str | None = None  # the host a CONNECT tunnel was opened to, once inside it

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the stats hold what a test needs."""

    def do_GET(self) -> None:
        """Answer GET."""
        self._serve("GET")

    def do_HEAD(self) -> None:
        """Answer HEAD."""
        self._serve("HEAD")

    def do_POST(self) -> None:
        """Answer POST (the admin endpoints; sites refuse it)."""
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            self._write(error(413, "request body too large"), head=False)
            self.close_connection = True
            return
        self.rfile.read(int(length))
        self._serve("POST")

    def do_CONNECT(self) -> None:
        """A tunnel to port 443 of a site served over TLS (a web shop): answer 200, then speak TLS with
        the site's certificate and serve the requests that come through as any other. Other tunnels
        are refused: the rest of the world speaks plain HTTP."""
        host, _, port = self.path.rpartition(":")
        host = host.strip("[]").lower()
        tls = self.server.tls
        context = tls(host) if tls is not None and port == str(TLS_PORT) else None
        if context is None or self._tunnel is not None or not self.server.accepts(self.client_address):
            refusal = "CONNECT is only for port 443 of the web shops: request http:// URLs through this proxy"
            self._write(error(405, refusal), head=False)
            self.close_connection = True
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        try:
            secured = context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        # The handler's loop goes on reading requests, now from inside the tunnel.
        self.connection = secured
        self.rfile = secured.makefile("rb")
        self.wfile = secured.makefile("wb")  # buffered: each request's handling ends with a flush
        self._tunnel = host
        self.close_connection = False

    def _serve(self, method: str) -> None:
        if not self.server.accepts(self.client_address):
            # A hidden service is not reachable at all except through the proxy: drop the connection.
            self.close_connection = True
            return
        target = self.path
        if self._tunnel is not None:
            host = self._tunnel  # inside a tunnel the site is the one it was opened to
        elif target.startswith(("http://", "https://")):
            # Absolute form: we are used as an HTTP proxy and the request line names the site.
            parts = urlsplit(target)
            host = (parts.hostname or "").lower()
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        else:
            host = (self.headers.get("Host") or "").lower()
            host = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0].lstrip("[")
        response = self.server.router.dispatch(method, host, target)
        if response.delay > 0:
            time.sleep(response.delay)
        self._write(response, head=method == "HEAD")

    def _write(self, response: Response, *, head: bool) -> None:
        reason = responses.get(response.status, "")
        lines = [
            f"HTTP/1.1 {response.status} {reason}",
            f"Server: {self.server_version}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
            *(f"{name}: {value}" for name, value in response.headers),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(payload if head else payload + response.body)


class SitesServer(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server on 127.0.0.1 that closes its open connections when closed."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(
        self,
        router: Router,
        *,
        port: int = 0,
        accepts: Callable[[tuple[str, int]], bool] | None = None,
        tls: Callable[[str], ssl.SSLContext | None] | None = None,
    ) -> None:
        """Listen on 127.0.0.1:port (0 = any free port); `tls(host)` gives the TLS context of a host
        served over TLS through CONNECT tunnels (None: not)."""
        self.router = router
        self._accepts = accepts
        self.tls = tls
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)
        self._thread = threading.Thread(
            target=self.serve_forever, name=f"world-http-{self.port}", daemon=True
        )

    @property
    def port(self) -> int:
        """The port listened on."""
        return int(self.server_address[1])

    def accepts(self, client: tuple[str, int]) -> bool:
        """Whether a connection from client may be answered."""
        return self._accepts is None or self._accepts(client)

    def start(self) -> SitesServer:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        """Remember the connection, so closing the server also ends keep-alive connections."""
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        """Forget a finished connection."""
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close(self) -> None:
        """Stop serving and end every open connection."""
        self.shutdown()
        self.server_close()
        with self._open_lock:
            still = list(self._open)
        for sock in still:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
