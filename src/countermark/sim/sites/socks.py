"""A SOCKS5 stand-in for Tor (RFC 1928 CONNECT, no-auth or RFC 1929 username/password) on 127.0.0.1.

It resolves the world's onion name to the market's hidden port and the world's clearnet hosts to the
front port, and refuses everything else: nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import select
import socket
import socketserver
import threading
from collections.abc import Callable

VERSION = 5
NO_AUTH, USER_PASS, NO_ACCEPTABLE = 0x00, 0x02, 0xFF
CONNECT = 0x01
ATYP_IPV4, ATYP_DOMAIN, ATYP_IPV6 = 0x01, 0x03, 0x04
SUCCEEDED, GENERAL_FAILURE, NOT_ALLOWED, HOST_UNREACHABLE, REFUSED = 0x00, 0x01, 0x02, 0x04, 0x05
COMMAND_NOT_SUPPORTED, ADDRESS_NOT_SUPPORTED = 0x07, 0x08

Resolver = Callable[[str, int], tuple[str, int] | None]


class _Refused(Exception):
    def __init__(self, reply: int) -> None:
        super().__init__(reply)
        self.reply = reply


def _read(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("client closed during the SOCKS handshake")
        data += chunk
    return data


class _SocksHandler(socketserver.BaseRequestHandler):
    server: SocksServer

    def handle(self) -> None:
        client: socket.socket = self.request
        client.settimeout(30)
        try:
            self._negotiate(client)
            host, port = self._request(client)
        except (ConnectionError, OSError, _Refused):
            return
        upstream = None
        origin: tuple[str, int] | None = None
        try:
            target = self.server.resolve(host, port)
            if target is None:
                raise _Refused(HOST_UNREACHABLE)
            upstream = socket.create_connection(target, timeout=10)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            origin = (upstream.getsockname()[0], upstream.getsockname()[1])
            # Registered before the client hears "succeeded", so no byte reaches the market before it knows.
            self.server.origins.add(origin)
            bound = upstream.getsockname()
            client.sendall(
                bytes([VERSION, SUCCEEDED, 0, ATYP_IPV4])
                + socket.inet_aton(bound[0])
                + bound[1].to_bytes(2, "big")
            )
            self._relay(client, upstream)
        except _Refused as refused:
            self._reply(client, refused.reply)
        except OSError:
            self._reply(client, REFUSED if upstream is None else GENERAL_FAILURE)
        finally:
            if origin is not None:
                self.server.origins.discard(origin)
            if upstream is not None:
                upstream.close()

    def _negotiate(self, client: socket.socket) -> None:
        version, count = _read(client, 2)
        if version != VERSION:
            raise ConnectionError("not a SOCKS5 client")
        methods = set(_read(client, count))
        if NO_AUTH in methods and self.server.credentials is None:
            client.sendall(bytes([VERSION, NO_AUTH]))
            return
        if USER_PASS not in methods:
            client.sendall(bytes([VERSION, NO_ACCEPTABLE]))
            raise ConnectionError("no acceptable authentication method")
        client.sendall(bytes([VERSION, USER_PASS]))
        sub_version, user_length = _read(client, 2)
        user = _read(client, user_length)
        (password_length,) = _read(client, 1)
        password = _read(client, password_length)
        wanted = self.server.credentials
        ok = sub_version == 1 and (
            wanted is None or (user.decode("utf-8", "replace"), password.decode("utf-8", "replace")) == wanted
        )
        client.sendall(bytes([1, 0 if ok else 1]))
        if not ok:
            raise ConnectionError("bad SOCKS credentials")

    def _request(self, client: socket.socket) -> tuple[str, int]:
        version, command, _, address_type = _read(client, 4)
        if version != VERSION:
            raise ConnectionError("not a SOCKS5 request")
        if address_type == ATYP_IPV4:
            host = socket.inet_ntoa(_read(client, 4))
        elif address_type == ATYP_DOMAIN:
            (length,) = _read(client, 1)
            host = _read(client, length).decode("ascii", "replace").lower()
        elif address_type == ATYP_IPV6:
            host = socket.inet_ntop(socket.AF_INET6, _read(client, 16))
        else:
            self._reply(client, ADDRESS_NOT_SUPPORTED)
            raise _Refused(ADDRESS_NOT_SUPPORTED)
        port = int.from_bytes(_read(client, 2), "big")
        if command != CONNECT:
            self._reply(client, COMMAND_NOT_SUPPORTED)
            raise _Refused(COMMAND_NOT_SUPPORTED)
        return host, port

    @staticmethod
    def _reply(client: socket.socket, code: int) -> None:
        with contextlib.suppress(OSError):
            client.sendall(bytes([VERSION, code, 0, ATYP_IPV4, 0, 0, 0, 0, 0, 0]))

    @staticmethod
    def _relay(client: socket.socket, upstream: socket.socket) -> None:
        client.settimeout(None)
        upstream.settimeout(None)
        peers = {client: upstream, upstream: client}
        while True:
            readable, _, broken = select.select(list(peers), [], list(peers), 60)
            if broken or not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                peers[sock].sendall(data)


class SocksServer(socketserver.ThreadingTCPServer):
    """The SOCKS5 stand-in; `origins` holds the local addresses of its live upstream connections."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(
        self,
        resolve: Resolver,
        *,
        port: int = 0,
        credentials: tuple[str, str] | None = None,
        origins: set[tuple[str, int]] | None = None,
    ) -> None:
        """Listen on 127.0.0.1:port; with credentials, only that username/password is accepted.

        `origins`, shared with the hidden market, receives the local address of each live upstream socket.
        """
        self.resolve = resolve
        self.credentials = credentials
        self.origins: set[tuple[str, int]] = origins if origins is not None else set()
        super().__init__(("127.0.0.1", port), _SocksHandler)
        self._thread = threading.Thread(
            target=self.serve_forever, name=f"world-socks-{self.port}", daemon=True
        )

    @property
    def port(self) -> int:
        """The port listened on."""
        return int(self.server_address[1])

    def start(self) -> SocksServer:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop accepting connections."""
        self.shutdown()
        self.server_close()
