"""Progress of a long crawl (a backfill): every ``NEWSBOT_PROGRESS_INTERVAL`` seconds one
log line with the articles written, failed and still queued, the rate, and when the queue
will be done at that rate:

    progress: 1200 written, 3 failed, 4800 queued; 95.0 articles/min; about 50 min left (by 2024-01-25 11:10:00 +08:00)

On a terminal (stderr is a TTY) a tqdm bar shows the same below the log; a cron job's log
(no terminal) stays lines only.

"Queued" is the run's share of the state's frontier: the pending articles of the crawl's
sites, less those waiting for a later backoff (not due when the run started, or failed in
this run) and those written whose batch is not yet durable. The rate is over the last few intervals, so an ETA follows the crawl's present
pace, not its start (lists are read before most articles).
"""

from __future__ import annotations

import logging
import sys
import time
from collections import deque

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newsbot.dates import human_duration, operator_time
from newsbot.storage.state import state_for_crawler

logger = logging.getLogger(__name__)

WINDOW = 5  # intervals the rate is measured over
BAR_REFRESH = 1.0  # seconds between two redraws of the bar


def looping_call(function):
    try:
        from scrapy.utils.asyncio import create_looping_call  # Scrapy 2.13+: asyncio or Twisted, as the reactor
    except ImportError:  # pragma: no cover - older Scrapy
        from twisted.internet.task import LoopingCall as create_looping_call
    return create_looping_call(function)


class _AboveTheBar:
    """A log handler's stream that writes its lines above the bar, not through it."""

    def __init__(self, stream, bar):
        self.stream, self.bar = stream, bar

    def write(self, text):
        with self.bar.external_write_mode(file=self.stream):
            self.stream.write(text)

    def flush(self):
        self.stream.flush()


class Progress:
    def __init__(self, crawler, interval: float, bar: bool):
        self.crawler, self.interval, self.want_bar = crawler, interval, bar
        self.samples: deque[tuple[float, int]] = deque(maxlen=WINDOW + 1)
        self.tasks = []
        self.bar = None
        self.redirected: list[tuple[logging.StreamHandler, object]] = []
        self.sites: list[str] = []
        self.not_due = 0

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("NEWSBOT_PROGRESS_INTERVAL", 60)
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval, bar=sys.stderr.isatty())
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    # --- the figures --------------------------------------------------------------------
    def spider_opened(self, spider):
        self.spider = spider
        self.sites = [site.name for site in getattr(spider, "sites", ())]
        now = time.time()
        # Failed articles whose next attempt is later: the state's, but not this run's work.
        self.not_due = sum(1 for f in self.store.failures(self.sites)
                           if not f.given_up and (f.next_attempt or 0) > now)
        self.samples.append((time.monotonic(), 0))
        if self.want_bar:
            self.open_bar()
        self.start(self.log_line, self.interval)

    @property
    def store(self):
        return state_for_crawler(self.crawler)

    def figures(self) -> dict:
        stats = self.crawler.stats
        # Written: through every pipeline (its files in place; made durable with its batch).
        written, failed = stats.get_value("item_scraped_count", 0), stats.get_value("newsbot/failed_articles", 0)
        # Pending in the state until its batch is durable: written ones of the open batch too.
        unflushed = written - stats.get_value("newsbot/written", 0)
        pending = self.store.pending_count(self.sites) if self.sites else 0
        return {"written": written, "failed": failed, "queued": max(0, pending - self.not_due - failed - unflushed)}

    def rate(self) -> float | None:
        """Articles done (written or failed) per second over the window; None before two samples."""
        (t0, done0), (t1, done1) = self.samples[0], self.samples[-1]
        return (done1 - done0) / (t1 - t0) if t1 > t0 else None

    def log_line(self):
        figures = self.figures()
        self.samples.append((time.monotonic(), figures["written"] + figures["failed"]))
        rate = self.rate() or 0.0
        if figures["queued"] and rate > 0:
            left = figures["queued"] / rate
            eta = f"about {human_duration(left)} left (by {operator_time(time.time() + left)})"
        elif figures["queued"]:
            eta = "no estimate yet (no article done lately)"
        else:
            eta = "nothing queued"
        logger.info("progress: %(written)d written, %(failed)d failed, %(queued)d queued; %(rate).1f articles/min; %(eta)s",
                    {**figures, "rate": rate * 60, "eta": eta})

    # --- the bar (a terminal only) ---------------------------------------------------------
    def open_bar(self):
        from tqdm import tqdm

        self.bar = tqdm(total=0, file=sys.stderr, dynamic_ncols=True, leave=True,
                        bar_format="{n}/{total} articles |{bar}| {desc} [{elapsed}<{remaining}]")
        for handler in logging.getLogger().handlers:  # Scrapy's, to stderr: lines above the bar
            if isinstance(handler, logging.StreamHandler) and getattr(handler.stream, "isatty", lambda: False)():
                self.redirected.append((handler, handler.setStream(_AboveTheBar(handler.stream, self.bar))))
        self.start(self.redraw, BAR_REFRESH)

    def redraw(self):
        figures = self.figures()
        done = figures["written"] + figures["failed"]
        self.bar.total = done + figures["queued"]
        self.bar.n = done
        self.bar.set_description_str(f"{figures['written']} written, {figures['failed']} failed, "
                                     f"{figures['queued']} queued", refresh=False)
        self.bar.refresh()

    # --- lifetime --------------------------------------------------------------------------
    def start(self, function, interval):
        task = looping_call(function)
        task.start(interval, now=False)
        self.tasks.append(task)

    def spider_closed(self, spider, reason):
        for task in self.tasks:
            if task.running:
                task.stop()
        if self.bar is not None:
            self.redraw()
            self.bar.close()
            for handler, stream in self.redirected:
                handler.setStream(stream)
