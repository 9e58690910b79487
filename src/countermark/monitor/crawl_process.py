"""The crawler process: `python -m countermark.monitor.crawl_process JOB.json` runs one crawl to its end.

A process of its own for each crawl, because Scrapy's Twisted reactor cannot be restarted within one
process and a crawl must not share the server's event loop. Killed at any point, it is started again on
the same directory and resumes from its frontier.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from countermark.monitor.config import SourceConfig
from countermark.monitor.spider import CrawlJob, MonitorSpider

JOB_FILE = "job.json"


def crawl_settings(job: CrawlJob) -> dict[str, Any]:
    """Scrapy settings of a job: politeness from the source, our middlewares, no retries of Scrapy's own."""
    config = SourceConfig.model_validate(job.config)
    polite = config.politeness
    settings: dict[str, Any] = {
        "BOT_NAME": "countermark",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "ROBOTSTXT_OBEY": polite.obey_robots,
        "USER_AGENT": polite.user_agent,
        "CONCURRENT_REQUESTS": 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": polite.concurrency_per_host,
        "DOWNLOAD_DELAY": polite.delay_seconds,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "DOWNLOAD_TIMEOUT": polite.timeout_seconds,
        "DOWNLOAD_MAXSIZE": 50 * 1024 * 1024,
        "RETRY_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "LOG_FILE": str(Path(job.work_dir) / f"{job.worker}.log"),
        "MONITOR_RETRIES": polite.retries,
        "MONITOR_BACKOFF": polite.backoff_seconds,
        "MONITOR_MAX_WAIT": polite.max_wait_seconds,
        "DOWNLOADER_MIDDLEWARES": {
            "countermark.monitor.politeness.PolitenessMiddleware": 550,
            "countermark.monitor.socks.SocksProxyMiddleware": 1000,
        },
        "REACTOR_THREADPOOL_MAXSIZE": 4,
        # Scrapy hands each response's output to CONCURRENT_ITEMS (default 100) asyncio tasks at once, made
        # anew per response: for a spider that yields a handful of requests and no items that is most of
        # the engine's cost per page (profiled: 100 tasks, 200 queue operations a page). Two suffice.
        "CONCURRENT_ITEMS": 2,
    }
    if config.proxy and config.proxy.startswith("socks"):
        settings["MONITOR_SOCKS_PROXY"] = config.proxy
    if job.max_seconds:
        settings["CLOSESPIDER_TIMEOUT"] = job.max_seconds
    if job.redis_key:
        # Scrapy pulls requests from its scheduler while fewer than CONCURRENT_REQUESTS are in hand, and
        # holds the ones a host's slot cannot start yet. From a shared queue that lets the first worker up
        # take the whole frontier (and lose it all if it dies): take only what can be fetched now.
        hosts = {urlsplit(url).netloc for url, _ in job.seeds} or {""}
        settings["CONCURRENT_REQUESTS"] = max(1, polite.concurrency_per_host * len(hosts))
        settings.update(
            {
                "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
                "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
                "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
                "SCHEDULER_PERSIST": True,
                "SCHEDULER_QUEUE_KEY": f"{job.redis_key}:requests",
                "SCHEDULER_DUPEFILTER_KEY": f"{job.redis_key}:dupefilter",
                "REDIS_URL": config.redis_url,
            }
        )
    return settings


def write_job(job: CrawlJob) -> Path:
    """Write the job file into the crawl's directory; its path."""
    path = Path(job.work_dir) / f"{job.worker}.{JOB_FILE}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(job), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def read_job(path: Path) -> CrawlJob:
    """The job in a job file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["seeds"] = [tuple(seed) for seed in data["seeds"]]
    return CrawlJob(**data)


def run(job: CrawlJob) -> None:
    """Crawl until the frontier is empty (or the time bound passes)."""
    from scrapy.core.engine import ExecutionEngine
    from scrapy.crawler import CrawlerProcess

    if job.redis_key:
        # An idle worker looks for requests the others queued in Redis on each heartbeat: every 5 s by
        # default, long enough for a small crawl to end before a second worker takes any of it.
        ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = 0.5

    process = CrawlerProcess(crawl_settings(job))
    process.crawl(MonitorSpider, job=job)
    process.start()


def main(argv: list[str]) -> int:
    """Entry point of the crawler process."""
    if len(argv) != 2:
        print("usage: python -m countermark.monitor.crawl_process JOB.json", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    run(read_job(Path(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
