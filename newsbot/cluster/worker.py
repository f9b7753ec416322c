"""A worker's life in the shared crawl: its leases kept alive while it runs, and an idle
worker kept from closing while the crawl goes on elsewhere."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured

from newsbot.errors import stop_for_output_error
from newsbot.storage.names import cluster_url
from newsbot.storage.state import state_for_crawler
from newsbot.storage.state.connection import describe, failure

logger = logging.getLogger(__name__)


class ClusterWorker:
    """Keeps this worker's leases alive while it runs (``NEWSBOT_CLUSTER_LEASE``), and keeps
    an idle worker from closing while the crawl goes on elsewhere: while another worker is
    busy (reading list pages that will queue articles for all), or due articles are claimed
    by others (if such a worker died, its leases run out and this one claims and finishes
    its articles). Busy workers are a sorted set in Redis, scored by when their lease ends."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.store = state_for_crawler(crawler)
        if not hasattr(self.store, "renew"):
            raise NotConfigured
        self.loop = None
        self.busy = True
        self.busy_key = f"newsbot:busy:{crawler.spidercls.name}"

    @classmethod
    def from_crawler(cls, crawler):
        if not cluster_url(crawler.settings):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.working, signal=signals.request_scheduled)
        crawler.signals.connect(extension.answered, signal=signals.response_received)
        crawler.signals.connect(extension.answered, signal=signals.request_left_downloader)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider):
        from twisted.internet import task

        self.loop = task.LoopingCall(self.heartbeat)
        self.loop.start(max(self.store.lease_ms / 3000, 0.2), now=True)
        logger.info("cluster worker %s joined the crawl on %s", self.store.worker,
                    describe(self.crawler.settings.get("NEWSBOT_CLUSTER")))

    def _now_ms(self) -> int:
        seconds, micros = self.store.db.time()  # the server's clock, the same for every machine
        return seconds * 1000 + micros // 1000

    def heartbeat(self):
        from redis.exceptions import RedisError

        try:
            self.store.renew()
            if self.busy:
                self.store.db.zadd(self.busy_key, {self.store.run_id: self._now_ms() + self.store.lease_ms})
        except RedisError as exc:  # the server is gone or refuses (ACL, memory): stop, exit 6
            stop_for_output_error(self.crawler, failure(exc, self.crawler.settings.get("NEWSBOT_CLUSTER")))

    def working(self, *args, **kwargs):
        self.busy = True

    def answered(self, request=None, **kwargs):
        self.busy = True
        inflight = getattr(self.crawler, "newsbot_inflight", None)
        if inflight is not None and request is not None:
            inflight.done(request)

    def recover(self) -> int:
        """Re-queue the requests dead workers had in flight (list pages above all)."""
        inflight = getattr(self.crawler, "newsbot_inflight", None)
        if inflight is None:
            return 0
        recovered = inflight.recover()
        if recovered:
            self.crawler.stats.inc_value("newsbot/cluster/recovered_requests", recovered)
            logger.warning("re-queued %d requests a killed worker had in flight", recovered)
        return recovered

    def spider_idle(self, spider):
        inflight = getattr(self.crawler, "newsbot_inflight", None)
        if inflight is not None:
            inflight.clear()
        if self.recover():
            raise DontCloseSpider
        self.busy = False
        self.store.db.zrem(self.busy_key, self.store.run_id)
        others = self.store.db.zcount(self.busy_key, self._now_ms(), "+inf")
        held = self.store.claims_elsewhere([site.name for site in getattr(spider, "sites", ())])
        fetching = inflight.elsewhere() if inflight is not None else 0
        if others or held or fetching:
            logger.info("idle, waiting: %d other workers busy, %d due articles claimed and %d requests "
                        "in flight elsewhere", others, held, fetching)
            raise DontCloseSpider

    def spider_closed(self, spider):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.store.db.zrem(self.busy_key, self.store.run_id)
        inflight = getattr(self.crawler, "newsbot_inflight", None)
        if inflight is not None:
            inflight.close()
