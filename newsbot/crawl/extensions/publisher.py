"""The publishing step of a crawl: feeds and status page rewritten when it ends."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals

from newsbot.publish.feeds import feed_entries, write_feeds
from newsbot.publish.status import taken_down_urlnames, write_status_page
from newsbot.storage.state import state_for_crawler

logger = logging.getLogger(__name__)


class Publisher:
    """After every run: the Atom/RSS feeds and the status page (``{output}/index.html``).
    Registered after ``RunReport`` (newsbot.crawl.extensions.report), whose report it shows."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason):
        settings = self.crawler.settings
        output = Path(settings.get("NEWSBOT_OUTPUT_DIR", "output"))
        failures, scans = [], {}
        # Publishing is a by-product: the run's articles are written whatever happens here,
        # and the status page is still worth writing when the feeds could not be.
        store = state_for_crawler(self.crawler)
        try:
            published = write_feeds(output, feed_entries(settings), feeds_url=settings.get("NEWSBOT_FEEDS_URL"),
                                    taken_down=taken_down_urlnames(store))
            failures += published.failures
            scans = published.scans
        except Exception as exc:
            logger.exception("could not write the feeds")
            failures.append(repr(exc))
        try:
            write_status_page(output, store, scans,
                              getattr(self.crawler, "newsbot_report", None))
        except Exception as exc:
            logger.exception("could not write the status page")
            failures.append(repr(exc))
        for _ in failures:  # each logged where it happened
            self.crawler.stats.inc_value("newsbot/errors/publish")
