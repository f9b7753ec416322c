"""A cluster's shared frontier: the request queue, the dupefilter and each run's in-flight
record in Redis, changed only by three Lua scripts (``lua/pop.lua``, ``lua/push.lua``,
``lua/recover.lua``) so that a worker killed, or a Redis server gone, between two commands
never leaves a request nowhere:

* ``pop``: a request leaves the queue and enters this run's in-flight record at once;
* ``push``: its fingerprint enters the dupefilter and it enters the queue at once (and a
  retry or redirect replaces its original's in-flight entry at once);
* ``recover``: a dead run's whole in-flight record goes back to the queue at once, past
  the dupefilter.

scrapy-redis supplies the settings, the queue's key and serializer, the dupefilter's key
and fingerprints. Scrapy loads the scheduler and dupefilter by name (``SCHEDULER``,
``DUPEFILTER_CLASS``) only in a crawl with ``NEWSBOT_CLUSTER`` set: a module of its own so
that every other crawl, and every worker process, does not import redis and scrapy-redis."""

from __future__ import annotations

from redis.exceptions import RedisError
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from newsbot.cluster import DEFAULT_FORGET_AFTER
from newsbot.cluster.inflight import INFLIGHT_META, InFlight
from newsbot.storage.lua import lua_script
from newsbot.storage.state import state_for_crawler
from newsbot.storage.state.connection import connect


class Connection:
    """scrapy-redis's ``redis_cls`` (``REDIS_PARAMS``, set by ``newsbot.cluster``): the
    shared queue's and dupefilter's clients are opened by newsbot's ``connect``."""

    @staticmethod
    def from_url(url, password_file=None, **kwargs):
        return connect(url, password_file, **kwargs)


class Scheduler(RedisScheduler):
    """scrapy-redis's scheduler with the queue changed only by the scripts above: every
    request a run takes from the shared queue stays in its in-flight record until what it
    produced is in Redis (``newsbot.cluster.inflight``)."""

    def open(self, spider):
        super().open(spider)
        self.forget_after = getattr(self.df, "forget_after", DEFAULT_FORGET_AFTER)
        self.scripts = {name: self.server.register_script(lua_script(__package__, name))
                        for name in ("pop", "push", "recover")}
        self.inflight = InFlight(self.server, spider, state_for_crawler(spider.crawler), self)
        spider.crawler.newsbot_inflight = self.inflight

    # The queue's own codec: Scrapy's public to_dict/request_from_dict, scrapy-redis's serializer.
    def encode(self, request) -> bytes:
        return self.queue.serializer.dumps(request.to_dict(spider=self.spider))

    def decode(self, data: bytes):
        return request_from_dict(self.queue.serializer.loads(data), spider=self.spider)

    def next_request(self):
        inflight = self.inflight
        entry = inflight.new_id()
        try:
            data = self.scripts["pop"](keys=[self.queue.key, inflight.key, inflight.runs], args=[entry, inflight.run_id])
        except RedisError as exc:
            inflight.refused(exc)  # (the engine would ask again for ever: the run stops)
            return None
        if data is None:
            return None
        try:
            request = self.decode(data)
        except Exception as exc:  # noqa: BLE001 - another newsbot's request, or damaged: kept aside, alarmed
            inflight.unreadable(entry, data, exc)
            return None
        request.meta[INFLIGHT_META] = entry
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def enqueue_request(self, request) -> bool:
        replaces = request.meta.pop(INFLIGHT_META, "")  # a retry or a redirect of one of this run's
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        try:
            queued = self.scripts["push"](
                keys=[self.queue.key, self.df.key, self.inflight.key],
                args=[-request.priority, self.encode(request), fingerprint, self.forget_after, replaces])
        except RedisError as exc:
            self.inflight.refused(exc)
            return False
        if not queued:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def recover(self, record: str, run_id: str, worker_lock: str) -> int:
        """Put a dead run's in-flight record back in the queue; -1 if the run is alive."""
        return int(self.scripts["recover"](keys=[self.queue.key, record, self.inflight.runs, worker_lock],
                                           args=[run_id]))


class ExpiringDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared dupefilter (its key, its fingerprints), forgotten
    ``NEWSBOT_CLUSTER_FORGET_AFTER`` seconds after its last use. It has to persist while
    workers come and go (a worker's end must not clear it for the others), yet tomorrow's
    run must read the list pages again: the crawl is over when no worker has scheduled a
    request for that long. Fingerprints are added by the scheduler's ``push`` script, with
    their request."""

    def __init__(self, server, key, debug=False, forget_after: int = DEFAULT_FORGET_AFTER):
        super().__init__(server, key, debug)
        self.forget_after = forget_after

    @classmethod
    def from_spider(cls, spider):
        base = super().from_spider(spider)
        forget = spider.settings.getint("NEWSBOT_CLUSTER_FORGET_AFTER", DEFAULT_FORGET_AFTER)
        return cls(base.server, base.key, base.debug, forget)

    def request_seen(self, request):
        raise NotImplementedError("newsbot's Scheduler adds fingerprints with their request (push.lua)")
