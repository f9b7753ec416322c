"""A worker's life in the shared crawl: its leases kept alive while it runs, an idle worker
kept from closing while the crawl goes on elsewhere, what dead workers left put back or
reported, and a Redis that goes away met with one line and exit 6."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured

from newsbot.errors import OutputError, stop_for_output_error
from newsbot.storage.names import cluster_url
from newsbot.storage.state import state_for_crawler
from newsbot.storage.state.base import SharedStateStore
from newsbot.storage.state.connection import describe, failure

logger = logging.getLogger(__name__)

REDIS_FAILURES = (OutputError, RedisError)  # the state's (it raises OutputError) and the frontier's


def stop_for_redis(crawler, exc: Exception) -> None:
    """Redis refused or is gone: the run stops (exit 6), one line for the cause, and keeps
    its in-flight record for the next worker."""
    inflight = getattr(crawler, "newsbot_inflight", None)
    if inflight is not None:
        inflight.refused(exc)
    else:
        stop_for_output_error(crawler, exc if isinstance(exc, OutputError) else
                              failure(exc, crawler.settings.get("NEWSBOT_CLUSTER")))


class ClusterWorker:
    """Keeps this worker's leases alive while it runs (``NEWSBOT_CLUSTER_LEASE``), and keeps
    an idle worker from closing while the crawl goes on elsewhere: while another worker is
    busy (reading list pages that will queue articles for all), or due articles are claimed
    by others (if such a worker died, its leases run out and this one claims and finishes
    its articles), or requests are in flight elsewhere (a dead worker's go back to the
    queue once its lock has run out). Busy workers are a sorted set in Redis, scored by
    when their lease ends.

    When it is about to close it raises an alarm for what it cannot finish: the feed lines
    a dead worker owes its shard (only that worker, restarted under its name, writes
    them), and requests in the shared queue it could not read."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.store = state_for_crawler(crawler)
        if not isinstance(self.store, SharedStateStore):
            raise NotConfigured
        self.loop = None
        self.busy = True
        self.busy_key = f"newsbot:busy:{crawler.spidercls.name}"
        crawler.newsbot_cluster_alarms = []

    @classmethod
    def from_crawler(cls, crawler):
        if not cluster_url(crawler.settings):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.working, signal=signals.request_scheduled)
        crawler.signals.connect(extension.working, signal=signals.response_received)
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
        try:
            self.store.renew()
            if self.busy:
                self.store.db.zadd(self.busy_key, {self.store.run_id: self._now_ms() + self.store.lease_ms})
        except REDIS_FAILURES as exc:  # (out of a LoopingCall it would be an "Unhandled error" traceback)
            self.loop.stop()
            stop_for_redis(self.crawler, exc)

    def working(self, *args, **kwargs):
        self.busy = True

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
        try:
            self._idle(spider)
        except REDIS_FAILURES as exc:
            stop_for_redis(self.crawler, exc)

    def _idle(self, spider):
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
        self.crawler.newsbot_cluster_alarms = self.left_undone(spider, inflight)

    def left_undone(self, spider, inflight) -> list[str]:
        """What this crawl leaves that no live worker will do: the run's alarms."""
        alarms = [f"worker {worker} stopped owing {owed} feed line(s) to its shard feeds/{spider.name}.{worker}.jsonl: "
                  f"restart it with NEWSBOT_CLUSTER_WORKER={worker} to write them (until then newsbot "
                  f"merge-shards misses them)"
                  for worker, owed in sorted(self.store.owed_feed_lines().items()) if worker != self.store.worker]
        if inflight is not None and inflight.unreadable_count:
            alarms.append(f"{inflight.unreadable_count} request(s) in the shared queue could not be read and were "
                          f"not crawled (set aside in {inflight.unreadable_key})")
        return alarms

    def spider_closed(self, spider, reason=None):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        inflight = getattr(self.crawler, "newsbot_inflight", None)
        try:
            self.store.db.zrem(self.busy_key, self.store.run_id)
            if inflight is not None:
                inflight.close(finished=reason == "finished")
        except REDIS_FAILURES as exc:  # the run already stopped for it (one line); the entries run out
            logger.debug("cluster worker %s could not leave the crawl cleanly: %s", self.store.worker, exc)
