"""The crawler process: `python -m countermark.monitor.crawl_process JOB.json` runs one crawl to its end.

A process of its own for each crawl, because Scrapy's Twisted reactor cannot be restarted within one
process and a crawl must not share the server's event loop. Killed at any point, it is started again on
the same directory and resumes from its frontier.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import platform
import signal
import sys
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from countermark.monitor.config import SourceConfig
from countermark.monitor.spider import CrawlJob, MonitorSpider

JOB_FILE = "job.json"
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
KEEP_ALIVE_HANDLER = "countermark.monitor.proxy.KeepAliveDownloadHandler"
SOCKS_HANDLER = "countermark.monitor.socks.SocksDownloadHandler"
UNUSED_SPIDER_MIDDLEWARES = (
    "scrapy.spidermiddlewares.httperror.HttpErrorMiddleware",
    "scrapy.spidermiddlewares.depth.DepthMiddleware",
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware",
)
UNUSED_DOWNLOADER_MIDDLEWARES = (
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware",
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware",
)
# The only Scrapy extensions a crawl uses (stats, log counts, the time bound, the periodic log line).
EXTENSIONS = (
    "scrapy.extensions.corestats.CoreStats",
    "scrapy.extensions.logcount.LogCount",
    "scrapy.extensions.closespider.CloseSpider",
    "scrapy.extensions.logstats.LogStats",
)


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
        "DOWNLOAD_DELAY_JITTER": 0,  # the delay asked is kept (RANDOMIZE_DOWNLOAD_DELAY is deprecated)
        "DOWNLOAD_TIMEOUT": polite.timeout_seconds,
        "DOWNLOAD_MAXSIZE": 50 * 1024 * 1024,
        "RETRY_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
        # In place of Scrapy's base list, not beside it: Scrapy imports every extension of the base list
        # even when switched off, and the others' imports (Twisted's telnet, aiohttp and platformdirs for
        # the remote-control server) were a large part of a crawler's start. The remote-control server,
        # on by default, would also let a local user run code in the crawler.
        "EXTENSIONS_BASE": dict.fromkeys(EXTENSIONS, 0),
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "LOG_FILE": str(Path(job.work_dir) / f"{job.worker}.log"),
        "MONITOR_RETRIES": polite.retries,
        "MONITOR_BACKOFF": polite.backoff_seconds,
        "MONITOR_MAX_WAIT": polite.max_wait_seconds,
        "MONITOR_RATE": polite.requests_per_second,
        # Each middleware costs every request (or every response's output) an async call or generator:
        # these do nothing a crawl needs (no allowed_domains nor credentials, the spider counts depth
        # itself, every status is read, stats of Scrapy's own are not kept).
        "DOWNLOADER_STATS": False,
        "SPIDER_MIDDLEWARES": dict.fromkeys(UNUSED_SPIDER_MIDDLEWARES),
        "DOWNLOADER_MIDDLEWARES": {
            **dict.fromkeys(UNUSED_DOWNLOADER_MIDDLEWARES),
            "countermark.monitor.politeness.PolitenessMiddleware": 550,
            "countermark.monitor.proxy.HttpProxyMiddleware": 740,  # before Scrapy's (750) reads the meta
        },
        "DOWNLOAD_HANDLERS": dict.fromkeys(("http", "https"), KEEP_ALIVE_HANDLER),
        "REACTOR_THREADPOOL_MAXSIZE": 4,
        # Scrapy hands each response's output to CONCURRENT_ITEMS (default 100) asyncio tasks at once, made
        # anew per response: for a spider that yields a handful of requests and no items that is most of
        # the engine's cost per page (profiled: 100 tasks, 200 queue operations a page). Two suffice.
        "CONCURRENT_ITEMS": 2,
    }
    if config.proxy and config.proxy.startswith("socks"):
        settings["MONITOR_SOCKS_PROXY"] = config.proxy
        settings["DOWNLOAD_HANDLERS"] = dict.fromkeys(("http", "https"), SOCKS_HANDLER)
    elif config.proxy:
        settings["MONITOR_HTTP_PROXY"] = config.proxy
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

    settings = crawl_settings(job)
    process = CrawlerProcess(settings)
    # Scrapy's handler filters by LOG_LEVEL, but its loggers stay open to every level: a debug record
    # was made for each page ("Crawled (200) …") and written to the stderr file. Made no more.
    logging.getLogger("scrapy").setLevel(settings["LOG_LEVEL"])
    process.crawl(MonitorSpider, job=job)
    process.start()


def _preload(settings: dict[str, Any]) -> None:
    """Import every class Scrapy will load for these settings (middlewares, extensions, download handlers,
    scheduler, queues...), without creating a crawler or installing a reactor."""
    from scrapy.settings import Settings
    from scrapy.utils.misc import load_object

    merged = Settings(settings)
    paths: set[str] = set()
    for name, value in merged.items():
        if isinstance(value, str) and value.count(".") >= 2 and " " not in value and "/" not in value:
            paths.add(value)
        elif name.endswith(("MIDDLEWARES", "EXTENSIONS", "HANDLERS", "PIPELINES")):
            components = merged.getwithbase(name)
            paths.update(str(path) for path, order in components.items() if order is not None)
    for path in sorted(paths):
        with contextlib.suppress(Exception):  # a value that only looks like a dotted path
            load_object(path)


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux), as if both were one process."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def run_forked(jobs: list[CrawlJob]) -> int:
    """Run several crawls at once, each in a process of its own forked from this one once Scrapy and the
    crawler's modules are imported; 0 when every crawl ended normally.

    Starting a crawler costs about a CPU second of imports and set-up, and the demo starts one per
    platform on the same two cores: forked, they share one start. Each child is still a crawl process of
    its own (its own reactor, log and stderr files); killed with the parent, it resumes as any crawl.
    """
    _preload(crawl_settings(jobs[0]))
    # Scrapy logs the platform as a crawler starts (`platform.platform()`), and Python finds the processor
    # by running `uname -p` in a subprocess the first time: asked here, it is cached for every child,
    # where each crawl forked a process and searched PATH for `uname` before its first request.
    platform.platform()
    parent = os.getpid()
    children: dict[int, CrawlJob] = {}
    for job in jobs:
        exit_file(job).unlink(missing_ok=True)
    for job in jobs:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's coverage is not collected
            code = 1
            try:
                _die_with_parent(parent)
                err = Path(job.work_dir) / f"{job.worker}.stderr"
                fd = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                os.dup2(fd, 2)
                os.close(fd)
                run(job)
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stderr.flush()
                os._exit(code)
        children[pid] = job

    def forward(signum: int, _: object) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    failed = 0
    while children:
        pid, status = os.wait()
        if pid not in children:
            continue
        job = children.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        failed += code != 0
        # Each crawl's end is told as it comes (its exit file, and a line on stdout for a caller that
        # waits on it), so that its run can be absorbed while the others go on.
        _atomic_text(exit_file(job), str(code))
        with contextlib.suppress(OSError):
            print(exit_file(job), flush=True)
    return 1 if failed else 0


def exit_file(job: CrawlJob) -> Path:
    """Where a crawl leaves its exit code when it ends (not when killed): one of several forked at once
    tells its end this way, before the others'."""
    return Path(job.work_dir) / f"{job.worker}.exit"


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    """Entry point of the crawler process: one job file, or several crawled at once (one child each)."""
    if len(argv) < 2:
        print("usage: python -m countermark.monitor.crawl_process JOB.json [JOB.json ...]", file=sys.stderr)
        return 2
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.WARNING)  # Scrapy opens the root logger to every level; stderr keeps warnings
    logging.root.addHandler(stderr)
    jobs = [read_job(Path(path)) for path in argv[1:]]
    if len(jobs) > 1:
        return run_forked(jobs)
    exit_file(jobs[0]).unlink(missing_ok=True)
    run(jobs[0])
    _atomic_text(exit_file(jobs[0]), "0")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
