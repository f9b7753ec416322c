"""A cluster's shared frontier: scrapy-redis's scheduler and
dupefilter, which Scrapy loads by name (``SCHEDULER``, ``DUPEFILTER_CLASS``) only in a
crawl with ``NEWSBOT_CLUSTER`` set. In a module of its own so that every other
crawl, and every worker process, does not import redis and scrapy-redis (40 ms)."""

from __future__ import annotations

from redis.exceptions import RedisError
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from newsbot.cluster import DEFAULT_FORGET_AFTER
from newsbot.cluster.inflight import InFlight
from newsbot.errors import stop_for_output_error
from newsbot.storage.state import state_for_crawler
from newsbot.storage.state.connection import connect, failure


class Connection:
    """scrapy-redis's ``redis_cls`` (``REDIS_PARAMS``, set by ``newsbot.cluster``): the
    shared queue's and dupefilter's clients are opened by newsbot's ``connect``."""

    @staticmethod
    def from_url(url, password_file=None, **kwargs):
        return connect(url, password_file, **kwargs)


class Scheduler(RedisScheduler):
    """scrapy-redis's scheduler, remembering the requests this run has taken from the
    shared queue until their response arrives (``ClusterWorker`` forgets them): scrapy-redis
    alone loses the requests a killed worker had in flight, and a lost list page would
    leave its column's older articles unlisted for the crawl."""

    def open(self, spider):
        super().open(spider)
        self.inflight = InFlight(self.server, spider, state_for_crawler(spider.crawler), self.queue)
        spider.crawler.newsbot_inflight = self.inflight

    def next_request(self):
        try:
            request = super().next_request()
            if request is not None:
                self.inflight.add(request)
        except RedisError as exc:
            self._refused(exc)
            return None
        return request

    def enqueue_request(self, request) -> bool:
        try:
            return super().enqueue_request(request)
        except RedisError as exc:
            self._refused(exc)
            return False

    def _refused(self, exc: Exception) -> None:
        # The shared queue cannot be read or written (the Redis server is gone, or out of
        # memory): the engine would ask again for ever, and the run would never end.
        stop_for_output_error(self.spider.crawler, failure(exc, self.spider.settings["REDIS_URL"]))


class ExpiringDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared dupefilter, forgotten ``NEWSBOT_CLUSTER_FORGET_AFTER`` seconds
    after its last new request. It has to persist while workers come and go (a worker's
    end must not clear it for the others), yet tomorrow's run must read the list pages
    again: the crawl is over when no worker has added a request for that long."""

    def __init__(self, server, key, debug=False, forget_after: int = DEFAULT_FORGET_AFTER):
        super().__init__(server, key, debug)
        self.forget_after = forget_after

    @classmethod
    def from_spider(cls, spider):
        base = super().from_spider(spider)
        forget = spider.settings.getint("NEWSBOT_CLUSTER_FORGET_AFTER", DEFAULT_FORGET_AFTER)
        return cls(base.server, base.key, base.debug, forget)

    def request_seen(self, request):
        fingerprint = self.request_fingerprint(request)
        with self.server.pipeline() as pipe:
            added, _ = pipe.sadd(self.key, fingerprint).expire(self.key, self.forget_after).execute()
        return added == 0
