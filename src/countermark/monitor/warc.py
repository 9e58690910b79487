"""WARC records of a fetch (request and response, with digests) and their verification.

Pure: bytes in, bytes out. Each fetch is one small gzipped WARC file (a request record then a response
record, concurrent-to each other) so that it can be stored, attached to a case and verified on its own.
The HTTP body in the response record is the body as delivered to the crawler (content coding undone), so
the header fields describing the transfer are rewritten to match it. Each record is one gzip member, as
warcio writes them, compressed at level 1 (text) or stored (images and other packed bodies).

The records are written here, byte for byte as warcio's writer lays them out (WARC/1.0, its header order,
SHA-1 digests in base 32, HTTP headers in ASCII with warcio's percent-encoding of any other character),
and read back with warcio: its writer's objects and digest streams cost the crawler more per page than
the page's parsing (profiled). `verify_fetch` recomputes every digest with warcio's reader.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]
from warcio.statusandheaders import StatusAndHeaders  # type: ignore[import-untyped]

_TRANSFER_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
# Bodies already compressed (images, archives, fonts) are stored in the gzip member as they are (level 0);
# text at level 1. warcio's own writer compresses at level 9: the same cost on a JPEG for nothing saved,
# and most of the cost of writing the WARC (profiled). Each record stays its own gzip member.
_PACKED = ("image/", "video/", "audio/", "application/zip", "application/gzip", "font/")


def _level(headers: list[tuple[str, str]]) -> int:
    media = next((v.strip().lower() for k, v in headers if k.lower() == "content-type"), "")
    return 0 if media.startswith(_PACKED) else 1


@dataclass(frozen=True)
class WarcFetch:
    """A fetch written as WARC: the file's bytes and the digests of its response record."""

    data: bytes
    block_digest: str
    payload_digest: str | None
    record_id: str


def warc_date(at: datetime) -> str:
    """The WARC-Date of a UTC time (second precision, ISO 8601 with Z)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_fetch(
    *,
    url: str,
    method: str,
    request_headers: list[tuple[str, str]],
    status: int,
    reason: str,
    response_headers: list[tuple[str, str]],
    body: bytes,
    fetched_at: datetime,
    ip: str | None = None,
) -> WarcFetch:
    """A gzipped WARC file with the request and the response of one fetch."""
    headers = [(k, v) for k, v in response_headers if k.lower() not in _TRANSFER_HEADERS]
    headers.append(("Content-Length", str(len(body))))
    path = url.split("://", 1)[-1]
    path = "/" + path.split("/", 1)[1] if "/" in path else "/"
    dated = [("WARC-Date", warc_date(fetched_at))] + ([("WARC-IP-Address", ip)] if ip else [])
    response_id, request_id = _record_id(), _record_id()
    response_http = _http_block("HTTP/1.1", f"{status} {reason or 'OK'}", headers)
    response = _record(dated, "response", response_id, url, [], response_http, body)
    request_http = _http_block("", f"{method} {path} HTTP/1.1", request_headers)
    concurrent = [("WARC-Concurrent-To", response_id)]
    request = _record(dated, "request", request_id, url, concurrent, request_http, b"")
    level = _level(response_headers)
    return WarcFetch(
        data=gzip.compress(request, compresslevel=level, mtime=0)
        + gzip.compress(response, compresslevel=level, mtime=0),
        block_digest=_sha1(response_http, body),
        payload_digest=_sha1(body),
        record_id=response_id,
    )


def _record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _sha1(*parts: bytes) -> str:
    digest = hashlib.sha1()  # the WARC digest warcio writes and checks, not a security use
    for part in parts:
        digest.update(part)
    return "sha1:" + base64.b32encode(digest.digest()).decode("ascii")


def _http_block(protocol: str, status_line: str, headers: list[tuple[str, str]]) -> bytes:
    """The HTTP head of a record as warcio writes it: ASCII, other characters percent-encoded."""
    first = f"{protocol} {status_line}" if protocol else status_line
    text = first + "\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        return bytes(StatusAndHeaders(status_line, list(headers), protocol=protocol).to_ascii_bytes())


def _record(
    dated: list[tuple[str, str]],
    kind: str,
    record_id: str,
    url: str,
    extra: list[tuple[str, str]],
    http: bytes,
    payload: bytes,
) -> bytes:
    """One WARC/1.0 record of an HTTP message, its fields in the order warcio's writer puts them."""
    fields = [
        *dated,
        ("WARC-Type", kind),
        ("WARC-Record-ID", record_id),
        ("WARC-Target-URI", url),
        *extra,
        ("WARC-Payload-Digest", _sha1(payload)),
        ("WARC-Block-Digest", _sha1(http, payload)),
        ("Content-Type", f"application/http; msgtype={kind}"),
        ("Content-Length", str(len(http) + len(payload))),
    ]
    head = "WARC/1.0\r\n" + "".join(f"{name}: {value}\r\n" for name, value in fields) + "\r\n"
    return b"".join((head.encode("utf-8"), http, payload, b"\r\n\r\n"))


def response_payload(data: bytes) -> bytes:
    """The body in the response record of a fetch's WARC file (as `write_fetch` lays it out): what the
    crawler was sent, content coding undone. `verify_fetch` checks that it is the payload digested."""
    text = gzip.decompress(data)
    start = text.find(b"\r\nWARC-Type: response\r\n")
    head_end = text.find(b"\r\n\r\n", start)
    if start < 0 or head_end < 0:
        raise ValueError("no response record in the WARC file")
    length = next(
        int(line.split(b":", 1)[1])
        for line in text[start:head_end].split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    block = text[head_end + 4 : head_end + 4 + length]
    http_end = block.find(b"\r\n\r\n")
    if http_end < 0 or len(block) != length:
        raise ValueError("a truncated response record in the WARC file")
    return block[http_end + 4 :]


@dataclass(frozen=True)
class WarcCheck:
    """What a WARC file's verification found: its records, and the reasons it fails (none when sound)."""

    records: int
    problems: tuple[str, ...]
    body: bytes | None

    @property
    def sound(self) -> bool:
        """Whether every digest verified and both records are there."""
        return not self.problems


def verify_fetch(data: bytes, *, block_digest: str | None = None) -> WarcCheck:
    """Re-read a fetch's WARC file, recompute every digest warcio wrote, and compare with what was stored."""
    problems: list[str] = []
    kinds: list[str] = []
    body: bytes | None = None
    try:
        for record in ArchiveIterator(io.BytesIO(data), check_digests=True):
            kinds.append(record.rec_type)
            content = record.content_stream().read()
            if record.rec_type == "response":
                body = content
                if block_digest and record.rec_headers.get_header("WARC-Block-Digest") != block_digest:
                    problems.append("the response's block digest is not the one recorded")
            checker = record.digest_checker
            if checker.passed is False:
                problems.extend(f"{record.rec_type}: {problem}" for problem in checker.problems)
    except Exception as exc:
        problems.append(f"unreadable WARC: {type(exc).__name__}: {exc}")
    if sorted(kinds) != ["request", "response"] and not problems:
        problems.append(f"expected a request and a response record, found {kinds}")
    return WarcCheck(records=len(kinds), problems=tuple(problems), body=body)
