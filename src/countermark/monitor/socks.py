"""Download handler: fetch through a SOCKS5 proxy (Tor, or the local stand-in) with python-socks.

Scrapy speaks only HTTP proxies. For a source whose proxy is `socks5://` or `socks5h://`, this handler
fetches every request of the crawl (http and https): it opens the connection through the proxy (the host
name resolved by the proxy, as an onion name must be), speaks HTTP/1.1 with `Connection: close`, and hands
Scrapy a response, which then passes through the middlewares (robots, redirects, retries) as any other.
A handler, not a middleware answering in place of the download: requests go through Scrapy's per-host
slots first, so the source's concurrency and delay hold for a hidden service too, and the crawl's
`HostGate` (Retry-After, requests per second) is asked as each is sent.
"""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit

from python_socks.async_.asyncio import Proxy
from scrapy import Request
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from countermark.monitor.politeness import host_gate

MAX_BODY = 50 * 1024 * 1024


class SocksError(OSError):
    """The proxy or the site answered something that is not HTTP/1.x."""


def decode_chunked(body: bytes) -> bytes:
    """The body of a `Transfer-Encoding: chunked` message."""
    out, position = bytearray(), 0
    while True:
        end = body.find(b"\r\n", position)
        if end < 0:
            raise SocksError("truncated chunked body")
        size = int(body[position:end].split(b";", 1)[0].strip() or b"0", 16)
        position = end + 2
        if size == 0:
            return bytes(out)
        out += body[position : position + size]
        position += size + 2


def parse_response(raw: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, header fields and body of a raw HTTP/1.x response read to the end of the connection."""
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        raise SocksError("no end of headers in the response")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise SocksError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(b":") for line in lines[1:]) if k]
    names = {k.lower(): v for k, v in headers}
    if names.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = decode_chunked(body)
    elif b"content-length" in names and names[b"content-length"].isdigit():
        body = body[: int(names[b"content-length"])]
    return int(parts[1]), headers, body


class SocksDownloadHandler(BaseDownloadHandler):
    """Fetch every request of the crawl through the configured SOCKS5 proxy."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        proxy = crawler.settings.get("MONITOR_SOCKS_PROXY")
        if not proxy:
            raise NotConfigured("no SOCKS proxy configured (MONITOR_SOCKS_PROXY)")
        self.proxy: str = proxy
        self.timeout = crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 30.0)
        self.gate = host_gate(crawler)

    async def download_request(self, request: Request) -> Response:
        await self.gate.wait_turn(urlsplit(request.url).netloc)
        return await asyncio.wait_for(self._fetch(request), timeout=self.timeout)

    async def _fetch(self, request: Request) -> Response:
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        secure = parts.scheme == "https"
        port = parts.port or (443 if secure else 80)
        # socks5h:// and socks5:// alike: the proxy resolves names (an onion name has no DNS record).
        proxy = Proxy.from_url(self.proxy.replace("socks5h://", "socks5://", 1), rdns=True)
        sock = await proxy.connect(dest_host=host, dest_port=port, timeout=self.timeout)
        context = ssl.create_default_context() if secure else None
        reader, writer = await asyncio.open_connection(
            sock=sock, ssl=context, server_hostname=host if secure else None
        )
        try:
            writer.write(self._request_bytes(request, parts.netloc))
            await writer.drain()
            raw = await reader.read(MAX_BODY + 65536)
            while chunk := await reader.read(65536):
                raw += chunk
                if len(raw) > MAX_BODY + 65536:
                    raise SocksError(f"response from {host} larger than {MAX_BODY} bytes")
        finally:
            writer.close()
        status, fields, body = parse_response(raw)
        headers = Headers()
        for name, value in fields:
            if name.lower() != b"transfer-encoding":
                headers.appendlist(name, value)
        kind = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return kind(url=request.url, status=status, headers=headers, body=body, request=request)

    @staticmethod
    def _request_bytes(request: Request, netloc: str) -> bytes:
        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"{request.method} {target} HTTP/1.1".encode(), b"Host: " + netloc.encode("idna")]
        skip = {b"host", b"connection", b"accept-encoding", b"content-length"}
        for name, values in request.headers.items():
            if name.lower() not in skip:
                lines.extend(name + b": " + value for value in values)
        lines += [b"Accept-Encoding: identity", b"Connection: close"]
        if request.body:
            lines.append(f"Content-Length: {len(request.body)}".encode())
        return b"\r\n".join(lines) + b"\r\n\r\n" + request.body
