"""Requests a worker took from the shared queue and has not finished, kept in Redis so that
when the worker dies another one puts them back in the queue; and the spider middleware
that says when a request is finished: when what it produced is in Redis.

Loaded only by a cluster's crawl (the frontier, ``SPIDER_MIDDLEWARES``): it imports redis."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from scrapy import Request
from scrapy.exceptions import NotConfigured

from newsbot.errors import OutputError, stop_for_output_error
from newsbot.storage.names import cluster_url
from newsbot.storage.state.connection import failure

logger = logging.getLogger(__name__)

INFLIGHT_META = "newsbot_inflight"  # request.meta: the id of its entry in this run's in-flight record


class InFlight:
    """The requests this run took from the shared queue and has not finished, in Redis
    (``newsbot:{spider}:inflight:{run}``, a hash per run, filled by the frontier's ``POP``
    in the same script that takes a request from the queue), so that when the run dies
    another worker puts them back in the queue (``recover``).

    A request leaves the record only when what it produced is in Redis: a callback's
    articles (queued in the state by the callback) and requests (scheduled by
    ``InFlightOutputMiddleware`` before it calls ``done``), or the request that replaces it
    (a retry, a redirect: the frontier's ``PUSH`` drops the old entry in the same script).
    A request whose download failed keeps its entry until the run is idle: a dead run's are
    simply tried again. Once the run met a Redis error it drops nothing (``broken``): it is
    stopping, and what it took is recovered by the next worker."""

    def __init__(self, server, spider, store, frontier):
        self.server = server
        self.crawler = spider.crawler
        self.store = store
        self.frontier = frontier  # newsbot.cluster.frontier.Scheduler: its RECOVER script
        self.prefix = f"newsbot:{spider.name}:inflight"
        self.runs = f"{self.prefix}-runs"
        self.unreadable_key = f"newsbot:{spider.name}:unreadable"
        self.run_id = store.run_id
        self.key = f"{self.prefix}:{self.run_id}"
        self.broken = False
        self.unreadable_count = 0
        self._last_id = 0

    def new_id(self) -> str:
        self._last_id += 1
        return str(self._last_id)

    def done(self, request) -> None:
        """``request`` is finished and what it produced is in Redis."""
        entry = request.meta.get(INFLIGHT_META)
        if entry is not None and not self.broken:
            self.server.hdel(self.key, entry)

    def refused(self, exc: Exception) -> None:
        """Redis refused a read or a write, or is gone: the run stops (exit 6) and keeps
        its record for the next worker to recover."""
        self.broken = True
        stop_for_output_error(self.crawler, exc if isinstance(exc, OutputError) else
                              failure(exc, self.crawler.settings.get("NEWSBOT_CLUSTER")))

    def unreadable(self, entry: str, data: bytes, exc: Exception) -> None:
        """A request in the shared queue this newsbot cannot read (another version's, or
        damaged): set aside in ``newsbot:{spider}:unreadable`` for the operator, counted,
        and the run ends with an alarm (``ClusterWorker``)."""
        self.unreadable_count += 1
        self.crawler.stats.inc_value("newsbot/cluster/unreadable_requests")
        logger.error("a request in the shared queue cannot be read (%s: %s); set aside in %s",
                     type(exc).__name__, exc, self.unreadable_key)
        with self.server.pipeline() as pipe:  # MULTI/EXEC
            pipe.hset(self.unreadable_key, f"{self.run_id}:{entry}", data).hdel(self.key, entry).execute()

    def clear(self) -> None:
        """An idle run has nothing in flight: what is left are requests whose download
        failed, or that a middleware dropped before the download (no signal says so)."""
        if not self.broken:
            self.server.delete(self.key)

    def close(self, finished: bool) -> None:
        """A run that finished has nothing in flight; one stopped early (an output error,
        a shutdown) leaves its record, recovered at once since its worker lock is gone."""
        if finished and not self.broken:
            self.server.delete(self.key)
            self.server.srem(self.runs, self.run_id)

    def _others(self):
        for run_id in self.server.smembers(self.runs):
            run_id = run_id.decode() if isinstance(run_id, bytes) else run_id
            if run_id != self.run_id:
                yield run_id

    def elsewhere(self) -> int:
        """Requests other runs have in flight (a live one's, or a dead one's not yet recovered)."""
        return sum(self.server.hlen(f"{self.prefix}:{run_id}") for run_id in self._others())

    def recover(self) -> int:
        """Put back in the queue the requests of runs that died (their worker lock is gone
        or held by another run); returns how many. Each dead run's record moves in one
        script: a worker killed while recovering loses nothing."""
        recovered = 0
        for run_id in self._others():
            worker = run_id.rsplit(":", 1)[0]
            recovered += max(self.frontier.recover(f"{self.prefix}:{run_id}", run_id, self.store.worker_key(worker)), 0)
        return recovered


class InFlightOutputMiddleware:
    """Spider middleware, last before the engine (``newsbot.cluster`` adds it): takes a
    callback's whole output, schedules its requests (into the shared queue), and only then
    drops the response's request from the run's in-flight record; items go on to the
    pipelines. Scrapy's scraper schedules a callback's requests while it still reads the
    output, so the end of the callback would not mean they are in Redis.

    A callback that raises keeps its entry (what it yielded before is scheduled, as Scrapy
    would, and the error is the spider's as on one machine); one that met a Redis failure
    (the state's ``OutputError``) stops the run, exit 6, with one line."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        if not cluster_url(crawler.settings):
            raise NotConfigured
        return cls(crawler)

    async def process_spider_output(self, response, result, spider=None):
        inflight = getattr(self.crawler, "newsbot_inflight", None)
        requests, items = [], []
        try:
            async for output in result:
                (requests if isinstance(output, Request) else items).append(output)
        except (OutputError, RedisError) as exc:
            if inflight is not None:
                inflight.refused(exc)
            else:
                stop_for_output_error(self.crawler, exc)
            return
        except Exception:
            for request in requests:
                self.crawler.engine.crawl(request)
            raise
        for request in requests:
            self.crawler.engine.crawl(request)
        if inflight is not None and response.request is not None:
            try:
                inflight.done(response.request)
            except RedisError as exc:
                inflight.refused(exc)
        for item in items:
            yield item
