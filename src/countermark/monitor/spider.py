"""The Scrapy spider of a crawl: fetch, snapshot as WARC, read the page, grow the durable frontier.

It runs inside the crawler process (`monitor.crawl_process`), never in the server: the Twisted reactor
cannot restart in one process. It touches no database of the application: what it found (each fetch's
record and WARC file) goes to the crawl's SQLite frontier and fetch log in the crawl's directory,
which the run service then stores and ingests.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from countermark.monitor.certificates import certificate_names
from countermark.monitor.config import SourceConfig, netloc
from countermark.monitor.extract import json_links, link_kind, read_page, url_pattern
from countermark.monitor.frontier import IN_LOG, IN_WARC, Frontier, FrontierEntry, fingerprint
from countermark.monitor.render import Renderer
from countermark.monitor.warc import write_fetch
from countermark.observe.redirects import MAX_REDIRECTS

log = logging.getLogger(__name__)
SHARED_GRACE_SECONDS = 3.0
# Lists and other pages first (they reveal the rest), then images (they complete a listing already found),
# listings, sellers. Last, the next page of a list waited behind everything else and its host went idle
# while it was fetched: on the served world each crawl took 10-20% longer than the host's rate allows.
PRIORITY = {"page": 40, "image": 30, "listing": 20, "seller": 10}


@dataclass
class CrawlJob:
    """What the run service hands the crawler process (as JSON in the crawl's directory)."""

    work_dir: str
    config: dict[str, Any]
    seeds: list[tuple[str, str]]
    worker: str = "main"
    redis_key: str | None = None
    max_seconds: float | None = None
    extra_hosts: list[str] = field(default_factory=list)


class MonitorSpider(Spider):
    """One source's crawl."""

    name = "countermark-monitor"

    def __init__(self, job: CrawlJob, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job = job
        self.config = SourceConfig.model_validate(job.config)
        self.hosts = sorted({*self.config.hosts(), *job.extra_hosts})
        self.work = Path(job.work_dir)
        self.work.mkdir(parents=True, exist_ok=True)
        self.frontier = Frontier(self.work / f"{job.worker}.frontier.sqlite")
        self.redis: Any = None  # a redis.Redis client when the frontier is shared
        self.patterns: dict[str, int] = {}
        self.renderer = Renderer(self.work / "renders") if self.config.render else None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> MonitorSpider:
        spider: MonitorSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        if spider.job.redis_key:
            import redis  # only a shared frontier needs it

            spider.redis = redis.Redis.from_url(crawler.settings.get("REDIS_URL"))
        return spider

    # -- scheduling -------------------------------------------------------------------------------
    def _request(self, entry: FrontierEntry) -> Request:
        return Request(
            entry.url,
            callback=self.parse_fetch,
            errback=self.fetch_failed,
            dont_filter=self.redis is None,  # the local frontier already deduplicates
            priority=PRIORITY.get(entry.kind, 0),
            meta={
                "entry": (entry.fp, entry.url, entry.kind, entry.depth),
                "download_slot": netloc(entry.url),
                **(
                    {"proxy": self.config.proxy}
                    if self.config.proxy and self.config.proxy.startswith("http")
                    else {}
                ),
            },
        )

    async def start(self) -> AsyncIterator[Any]:
        if self.redis is None:
            self.frontier.seed(self.job.seeds)
            for entry in self.frontier.pending():
                yield self._request(entry)
            return
        for url, kind in self.job.seeds:
            yield self._request(FrontierEntry(fingerprint(url), url, kind, 0))

    def _idle(self) -> None:
        """With a shared frontier, stay up while another worker is still reading pages that may add more."""
        if self.redis is None:
            return
        starting = time.monotonic() - self.started < SHARED_GRACE_SECONDS  # the others may not be up yet
        if starting or self.redis.exists(f"{self.job.redis_key}:active"):
            raise DontCloseSpider

    def _closed(self) -> None:
        if self.renderer is not None:
            self.renderer.close()
        self.frontier.close()

    def _mark_active(self) -> None:
        if self.redis is not None:
            self.redis.set(f"{self.job.redis_key}:active", self.job.worker, px=3000)

    # -- a fetch ---------------------------------------------------------------------------------
    def _snapshot(self, entry: FrontierEntry, response: Response) -> tuple[dict[str, Any], bytes]:
        """The fetch's record, and its WARC file (logged with it, `Frontier.log`)."""
        fetched_at = datetime.now(UTC)
        request = response.request
        assert request is not None
        request_headers = [
            (k.decode("latin-1"), v.decode("latin-1")) for k, vs in request.headers.items() for v in vs
        ]
        response_headers = [
            (k.decode("latin-1"), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs
        ]
        warc = write_fetch(
            url=response.url,
            method=request.method,
            request_headers=request_headers,
            status=response.status,
            reason="",
            response_headers=response_headers,
            body=response.body,
            fetched_at=fetched_at,
            ip=str(response.ip_address) if response.ip_address else None,
        )
        kept = bool(response.body) and response.status < 400  # the page, stored by absorb (`IN_WARC`)
        media_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").split(";")[0].strip()
        record = {
            "url": response.url,
            "requested": entry.url,
            "kind": entry.kind,
            "status": response.status,
            "fetched_at": fetched_at.isoformat(),
            "warc": IN_LOG,
            "block_digest": warc.block_digest,
            "payload_digest": warc.payload_digest,
            "body": IN_WARC if kept else None,
            "media_type": media_type or None,
            "worker": self.job.worker,
        }
        if names := certificate_names(response.certificate):
            record["tls_names"] = names  # the certificate the page came with (`observe.tls`)
        if redirects := response.meta.get("redirect_urls"):
            # The addresses asked for before redirects brought the crawl here (`observe.redirects`).
            record["redirected_from"] = [str(url) for url in redirects][:MAX_REDIRECTS]
        return record, warc.data

    def _links(
        self, entry: FrontierEntry, links: list[str], images: list[str]
    ) -> list[tuple[str, str, str | None]]:
        found: list[tuple[str, str, str | None]] = []
        if entry.depth < self.config.max_depth:
            for url in links:
                kind = link_kind(url, self.config.profile)
                # Only plain pages can be traps; listings and sellers are bounded by what the site sells.
                found.append((url, kind, url_pattern(url) if kind == "page" else None))
        if self.config.fetch_images:
            found += [(url, "image", None) for url in images if url.startswith(("http://", "https://"))]
        return found

    async def parse_fetch(self, response: Response) -> AsyncIterator[Request]:
        self._mark_active()
        entry = FrontierEntry(*response.meta["entry"])
        record, warc = self._snapshot(entry, response)
        links: list[tuple[str, str, str | None]] = []
        media = record["media_type"] or "text/html"
        is_html = isinstance(response, TextResponse) and "html" in media
        if "json" in media and response.status < 400 and entry.kind != "image":
            try:
                found = json_links(response.url, json.loads(response.body), self.config.profile, self.hosts)
            except ValueError:
                found = []
            links = self._links(entry, found, [])
        elif is_html and response.status < 400 and entry.kind != "image":
            facts = read_page(response.url, response.text, self.config.profile, self.hosts)
            record["page_kind"] = facts.kind
            record["listing"] = facts.listing
            record["account"] = facts.account
            if facts.kind == "listing" and self.renderer is not None:
                record.update(await self.renderer.render(response.url, entry.fp))
            links = self._links(entry, facts.links, facts.image_urls)
        for new in self._complete(entry, response.status, record, links, warc):
            yield self._request(new)

    def _complete(
        self,
        entry: FrontierEntry,
        status: int,
        record: dict[str, Any],
        links: list[tuple[str, str, str | None]],
        warc: bytes | None = None,
    ) -> Iterator[FrontierEntry]:
        if self.redis is None:
            yield from self.frontier.complete(
                entry,
                status=status,
                record=record,
                links=links,
                cap=self.config.profile.max_per_pattern,
                limit=self.config.max_pages,
                warc=warc,
            )
            return
        self.frontier.log(entry.fp, entry.url, entry.kind, status, record, warc=warc)
        for url, kind, pattern in links:
            if pattern is not None:
                seen = self.patterns[pattern] = self.patterns.get(pattern, 0) + 1
                if seen > self.config.profile.max_per_pattern:
                    continue
            yield FrontierEntry(fingerprint(url), url, kind, entry.depth + 1)

    def fetch_failed(self, failure: Failure) -> Iterator[Request]:
        request = getattr(failure, "request", None)
        if request is None or "entry" not in request.meta:
            return
        entry = FrontierEntry(*request.meta["entry"])
        refused = failure.check(IgnoreRequest)  # type: ignore[no-untyped-call]
        reason = "forbidden by robots.txt" if refused else repr(failure.value)[:500]
        record = {
            "url": entry.url,
            "requested": entry.url,
            "kind": entry.kind,
            "status": 0,
            "error": reason,
            "fetched_at": datetime.now(UTC).isoformat(),
            "worker": self.job.worker,
        }
        log.info("fetch failed: %s (%s)", entry.url, reason)
        yield from (self._request(new) for new in self._complete(entry, 0, record, []))
