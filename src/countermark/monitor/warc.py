"""WARC records of a fetch (request and response, with digests) and their verification.

Pure: bytes in, bytes out. Each fetch is one small gzipped WARC file (a request record then a response
record, concurrent-to each other) so that it can be stored, attached to a case and verified on its own.
The HTTP body in the response record is the body as delivered to the crawler (content coding undone), so
the header fields describing the transfer are rewritten to match it. Each record is one gzip member, as
warcio writes them, compressed at level 1 (text) or stored (images and other packed bodies).
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]
from warcio.statusandheaders import StatusAndHeaders  # type: ignore[import-untyped]
from warcio.warcwriter import WARCWriter  # type: ignore[import-untyped]

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
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    headers = [(k, v) for k, v in response_headers if k.lower() not in _TRANSFER_HEADERS]
    headers.append(("Content-Length", str(len(body))))
    http_response = StatusAndHeaders(f"{status} {reason or 'OK'}", headers, protocol="HTTP/1.1")
    warc_headers = {"WARC-Date": warc_date(fetched_at)}
    if ip:
        warc_headers["WARC-IP-Address"] = ip
    response = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), http_headers=http_response, warc_headers_dict=warc_headers
    )
    path = url.split("://", 1)[-1]
    path = "/" + path.split("/", 1)[1] if "/" in path else "/"
    http_request = StatusAndHeaders(f"{method} {path} HTTP/1.1", list(request_headers), is_http_request=True)
    request = writer.create_warc_record(
        url, "request", payload=io.BytesIO(b""), http_headers=http_request, warc_headers_dict=warc_headers
    )
    record_id = str(response.rec_headers.get_header("WARC-Record-ID"))
    request.rec_headers.add_header("WARC-Concurrent-To", record_id)
    members = []
    for record in (request, response):
        buffer.seek(0)
        buffer.truncate()
        writer.write_record(record)
        members.append(gzip.compress(buffer.getvalue(), compresslevel=_level(response_headers), mtime=0))
    return WarcFetch(
        data=b"".join(members),
        block_digest=str(response.rec_headers.get_header("WARC-Block-Digest")),
        payload_digest=response.rec_headers.get_header("WARC-Payload-Digest"),
        record_id=record_id,
    )


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
